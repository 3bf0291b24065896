/**
 * The users CLI's arguments and commands, kept apart from the process (stdin, stdout, exit codes)
 * so that specifications run them against a temporary store:
 *   add <username> --role <role> --org <code> [--password-stdin] [--name "Display Name"]
 *   token <username> [--label L]        the new token once, as the last line
 *   list
 *   disable <username> | enable <username>
 *   reset <username> [--password-stdin]
 * Bad usage (unknown command, option or role, a missing value) is exit code 2; a refusal the
 * store gives (unknown organisation or user, taken name, weak password) is exit code 1.
 */
import { userInfo } from 'node:os';
import { z } from 'zod';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Store } from '../../server/store/store.js';
import { AuditLog } from '../../server/auth/audit.js';
import { ROLES, type Role } from '../../server/auth/roles.js';
import { newPassword } from '../../server/auth/hashing.js';
import { insertToken, revokeAllDirect, sessionPolicyFromEnv } from '../../server/auth/sessions.js';
import { addUser, findUser, listUsers, normaliseUsername, setPassword, updateUser, UserError, type User } from '../../server/auth/users.js';

const USAGE = `Usage: npm run users -- <command>
  add <username> --role <role> --org <code> [--password-stdin] [--name "Display Name"]
  token <username> [--label L]
  list
  disable <username>
  enable <username>
  reset <username> [--password-stdin]
Roles: ${ROLES.join(', ')}. Without --password-stdin a password is generated and printed once.
The store is PORTAL_DB (default data/portal.duckdb); stop the server first (it holds the store).`;

/** Bad usage: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode = 2;
}

/** The store refused (unknown organisation or user, taken name, weak password): exit code 1. */
export class RefusedError extends Error {
  override name = 'RefusedError';
  readonly exitCode = 1;
}

export type Command =
  | { command: 'help' }
  | { command: 'add'; username: string; role: Role; org: string; passwordStdin: boolean; name: string | null }
  | { command: 'token'; username: string; label: string }
  | { command: 'list' }
  | { command: 'disable'; username: string }
  | { command: 'enable'; username: string }
  | { command: 'reset'; username: string; passwordStdin: boolean };

type Flag = { kind: 'value' } | { kind: 'switch' };
const V: Flag = { kind: 'value' };
const S: Flag = { kind: 'switch' };

/** Each command's options and how many positional arguments (the username) it takes. */
const SPECS = {
  add: { positional: 1, flags: { role: V, org: V, 'password-stdin': S, name: V } },
  token: { positional: 1, flags: { label: V } },
  list: { positional: 0, flags: {} },
  disable: { positional: 1, flags: {} },
  enable: { positional: 1, flags: {} },
  reset: { positional: 1, flags: { 'password-stdin': S } },
} as const satisfies Record<string, { positional: number; flags: Record<string, Flag> }>;

type CommandName = keyof typeof SPECS;

const username = z.string({ error: 'a username is needed' }).trim().min(1, 'a username is needed');
const roleSchema = z.enum(ROLES, {
  error: (issue) =>
    issue.input === undefined ? `--role is needed (one of ${ROLES.join(', ')})` : `Unknown role '${String(issue.input)}': choose one of ${ROLES.join(', ')}`,
});
const orgSchema = z
  .string({ error: '--org is needed (an organisation code, e.g. the ICB at the top of the region)' })
  .trim()
  .regex(/^[A-Za-z0-9]{3,8}$/, 'an organisation code is 3 to 8 letters or digits');

const SCHEMAS = {
  add: z.object({
    username,
    role: roleSchema,
    org: orgSchema,
    'password-stdin': z.boolean().default(false),
    name: z.string().trim().min(1, '--name needs a display name').max(200).optional(),
  }),
  token: z.object({ username, label: z.string().trim().min(1, '--label needs a label').max(100, 'a label has at most 100 characters').default('users CLI') }),
  list: z.object({}),
  disable: z.object({ username }),
  enable: z.object({ username }),
  reset: z.object({ username, 'password-stdin': z.boolean().default(false) }),
};

function usage(message: string): UsageError {
  return new UsageError(`${message}. Run 'npm run users -- help' for usage.`);
}

/** Reads the arguments after `npm run users --`. Throws UsageError with a one-line message. */
export function parseCommand(argv: string[]): Command {
  const args = argv.filter((a, i) => !(a === '--' && i === 0));
  const [name, ...rest] = args;
  if (name === undefined) throw usage('No command given (add, token, list, disable, enable, reset)');
  if (name === 'help' || name === '--help' || name === '-h') return { command: 'help' };
  if (!Object.hasOwn(SPECS, name)) throw usage(`Unknown command '${name}': the commands are ${Object.keys(SPECS).join(', ')}`);
  const cmd = name as CommandName;
  const spec = SPECS[cmd];
  const flags: Record<string, Flag> = spec.flags;

  const raw: Record<string, unknown> = {};
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--help' || arg === '-h') return { command: 'help' };
    const m = /^--([a-z][a-z-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      if (arg.startsWith('-')) throw usage(`Unknown option ${arg} for '${cmd}'`);
      positional.push(arg);
      continue;
    }
    const [, key, inline] = m as unknown as [string, string, string | undefined];
    const flag = flags[key];
    if (!flag) {
      const known = Object.keys(flags).map((k) => `--${k}`);
      throw usage(`Unknown option --${key} for '${cmd}'${known.length ? ` (it takes ${known.join(', ')})` : ' (it takes no options)'}`);
    }
    if (key in raw) throw usage(`--${key} is given twice`);
    if (flag.kind === 'switch') {
      if (inline !== undefined) throw usage(`--${key} takes no value`);
      raw[key] = true;
    } else {
      const value = inline ?? rest[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw usage(`--${key} needs a value`);
      raw[key] = value;
    }
  }
  if (positional.length > spec.positional) {
    throw usage(`'${cmd}' takes ${spec.positional === 0 ? 'no arguments' : 'one username'}, not '${positional.slice(spec.positional).join(' ')}'`);
  }
  if (spec.positional === 1) raw.username = positional[0];

  const parsed = SCHEMAS[cmd].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    // Messages about a named option say so unless they already start with it.
    const message = field && field !== 'username' && field !== 'role' && !issue.message.startsWith('--') && !issue.message.startsWith('Unknown') ? `--${field}: ${issue.message}` : issue.message;
    throw usage(message.charAt(0).toUpperCase() + message.slice(1));
  }
  const d = parsed.data as Record<string, unknown>;
  switch (cmd) {
    case 'add':
      return { command: 'add', username: d.username as string, role: d.role as Role, org: (d.org as string).toUpperCase(), passwordStdin: d['password-stdin'] as boolean, name: (d.name as string | undefined) ?? null };
    case 'token':
      return { command: 'token', username: d.username as string, label: d.label as string };
    case 'list':
      return { command: 'list' };
    case 'disable':
    case 'enable':
      return { command: cmd, username: d.username as string };
    case 'reset':
      return { command: 'reset', username: d.username as string, passwordStdin: d['password-stdin'] as boolean };
  }
}

/** Where a command writes, and how it reads a password (one line of standard input, never echoed). */
export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
  readPassword(): Promise<string>;
}

/** Who ran the CLI, for the audit log (there is no signed-in user). */
function operator(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

async function mustFind(conn: DuckDBConnection, name: string): Promise<User> {
  const user = await findUser(conn, name);
  if (!user) throw new RefusedError(`No user '${normaliseUsername(name)}' (npm run users -- list shows them).`);
  return user;
}

async function passwordFrom(io: CommandIO): Promise<string> {
  const password = await io.readPassword();
  if (password === '') throw new RefusedError('No password on standard input: give one line, e.g. from a password manager.');
  return password;
}

/** Open sessions and API tokens in use, per user id. */
async function credentialCounts(conn: DuckDBConnection): Promise<Map<number, { sessions: number; tokens: number }>> {
  const idleMinutes = sessionPolicyFromEnv().idleMs / 60_000;
  const rows = (
    await conn.runAndReadAll(
      `SELECT u.user_id,
         (SELECT count(*) FROM sessions s WHERE s.user_id = u.user_id AND s.revoked_at IS NULL AND s.expires_at > now()
            AND s.last_seen_at > now() - to_minutes($idle::BIGINT))::INTEGER AS sessions,
         (SELECT count(*) FROM api_tokens t WHERE t.user_id = u.user_id AND t.revoked_at IS NULL)::INTEGER AS tokens
       FROM users u`,
      { idle: Math.ceil(idleMinutes) } as never,
    )
  ).getRowObjectsJS() as Array<{ user_id: number; sessions: number; tokens: number }>;
  return new Map(rows.map((r) => [Number(r.user_id), { sessions: Number(r.sessions), tokens: Number(r.tokens) }]));
}

/** A plain text table with aligned columns. */
function textTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function asRefusal(err: unknown): never {
  if (err instanceof UserError) throw new RefusedError(err.message);
  throw err;
}

/**
 * Runs one command on the store. Writes what it did to `io.out`; a generated password or a new
 * token is printed once and never kept. Admin actions are written to the audit log as done by
 * the users CLI (with the operating-system user who ran it).
 */
export async function runCommand(store: Store, command: Command, io: CommandIO): Promise<void> {
  if (command.command === 'help') {
    for (const line of USAGE.split('\n')) io.out(line);
    return;
  }
  const audit = new AuditLog(store, 60_000);
  const record = (detail: string, rowCount: number | null = null) =>
    audit.record({
      username: null,
      action: 'admin',
      method: 'CLI',
      route: `users ${command.command}`,
      outcome: 'ok',
      status: null,
      rowCount,
      ip: 'local',
      detail: `users CLI (run by ${operator()}): ${detail}`,
    });
  try {
    await store.withConnection((conn) => run(conn, command, io, record));
  } finally {
    await audit.flush();
  }
}

async function run(conn: DuckDBConnection, command: Exclude<Command, { command: 'help' }>, io: CommandIO, record: (detail: string, rows?: number | null) => void): Promise<void> {
  switch (command.command) {
    case 'add': {
      // Checked before a password is asked for, so a typo is not found after typing it.
      if (await findUser(conn, command.username)) throw new RefusedError(`A user '${normaliseUsername(command.username)}' already exists.`);
      const given = command.passwordStdin ? await passwordFrom(io) : null;
      const password = given ?? newPassword();
      const user = await addUser(conn, { username: command.username, role: command.role, org: command.org, password, displayName: command.name }).catch(asRefusal);
      record(`added user ${user.username} (${user.role}, ${user.org})`);
      io.out(`Added ${user.username}: role ${user.role}, organisation ${user.org}${user.displayName ? `, name ${user.displayName}` : ''}.`);
      if (!given) {
        io.out('Password (shown this once; the store keeps only its Argon2id hash):');
        io.out(`  ${password}`);
      }
      return;
    }
    case 'token': {
      const user = await mustFind(conn, command.username);
      if (user.disabled) throw new RefusedError(`${user.username} is disabled: enable them first (npm run users -- enable ${user.username}).`);
      const { token, id } = await insertToken(conn, user.id, command.label);
      record(`created API token ${id} '${command.label}' for ${user.username}`);
      io.out(`API token ${id} '${command.label}' for ${user.username} (${user.role}, ${user.org}).`);
      io.out('Send it as "Authorization: Bearer <token>". It is shown this once; the store keeps only its hash:');
      io.out(token); // the last line, so scripts can take it with `tail -n 1`
      return;
    }
    case 'list': {
      const users = await listUsers(conn);
      if (!users.length) {
        io.out('No users yet. Add one: npm run users -- add <username> --role <role> --org <code>');
        return;
      }
      const counts = await credentialCounts(conn);
      const rows = users.map((u) => [
        u.username,
        u.role,
        u.org,
        u.source,
        u.disabled ? 'yes' : 'no',
        u.lastSignInAt ? u.lastSignInAt.replace('T', ' ').replace('Z', ' UTC') : 'never',
        String(counts.get(u.id)?.sessions ?? 0),
        String(counts.get(u.id)?.tokens ?? 0),
      ]);
      for (const line of textTable(['username', 'role', 'org', 'source', 'disabled', 'last sign-in', 'open sessions', 'tokens'], rows)) io.out(line);
      record('listed users', users.length);
      return;
    }
    case 'disable': {
      const user = await mustFind(conn, command.username);
      if (user.disabled) {
        io.out(`${user.username} is already disabled.`);
        return;
      }
      await updateUser(conn, user.username, { disabled: true }).catch(asRefusal);
      await revokeAllDirect(conn, user.id);
      record(`disabled user ${user.username} and revoked their sessions`);
      io.out(`Disabled ${user.username}: their sessions are revoked and their API tokens refused while disabled.`);
      if (user.role === 'admin') {
        const admins = (await listUsers(conn)).filter((u) => u.role === 'admin' && !u.disabled);
        if (!admins.length) io.err('Note: no enabled admin is left, so nobody can manage users in the browser; this CLI still can.');
      }
      return;
    }
    case 'enable': {
      const user = await mustFind(conn, command.username);
      if (!user.disabled) {
        io.out(`${user.username} is already enabled.`);
        return;
      }
      await updateUser(conn, user.username, { disabled: false }).catch(asRefusal);
      record(`enabled user ${user.username}`);
      io.out(`Enabled ${user.username}.`);
      return;
    }
    case 'reset': {
      const user = await mustFind(conn, command.username);
      if (user.source === 'oidc') throw new RefusedError(`${user.username} signs in through single sign-on: there is no local password to reset.`);
      const given = command.passwordStdin ? await passwordFrom(io) : null;
      const password = given ?? newPassword();
      await setPassword(conn, user.username, password).catch(asRefusal);
      await revokeAllDirect(conn, user.id);
      record(`reset the password of ${user.username} and revoked their sessions`);
      io.out(`New password set for ${user.username}; their sessions are revoked (API tokens stay valid).`);
      if (!given) {
        io.out('Password (shown this once):');
        io.out(`  ${password}`);
      }
      return;
    }
  }
}
