/**
 * The users CLI, worked examples on a temporary store: what each command prints, that what it
 * makes works against the API (a token is accepted; a disabled user's token and sessions are
 * not; a reset password replaces the old one), and the one-line messages for bad usage. The last
 * test runs the real CLI as a child process for the exit codes and standard input.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../server/store/store.js';
import { createApp } from '../../server/app.js';
import { Access } from '../../server/auth/access.js';
import { parseCommand, runCommand, RefusedError, UsageError, type CommandIO } from './commands.js';

const ROOT = join(import.meta.dirname, '../..');

class Captured implements CommandIO {
  lines: string[] = [];
  errors: string[] = [];
  constructor(private readonly stdin: string | null = null) {}
  out(line: string) {
    this.lines.push(line);
  }
  err(line: string) {
    this.errors.push(line);
  }
  async readPassword() {
    if (this.stdin === null) throw new Error('the command asked for a password it should not need');
    return this.stdin;
  }
}

const made: Access[] = [];
const access = (store: Store) => {
  const a = new Access(store, { sleep: async () => {}, oidc: null });
  made.push(a);
  return a;
};
/** Writes the apps' pending audit entries before their store is closed. */
const closeAccess = () => Promise.all(made.splice(0).map((a) => a.close()));
const client = { ip: '192.0.2.1', userAgent: 'spec' };

async function run(store: Store, argv: string[], stdin: string | null = null): Promise<Captured> {
  const io = new Captured(stdin);
  await runCommand(store, parseCommand(argv), io);
  return io;
}

async function insertOrganisations(store: Store): Promise<void> {
  await store.withConnection((c) =>
    c.run(`INSERT INTO organisations VALUES
      ('Q00', 'North West London ICB', 'icb', NULL, NULL, NULL, NULL, 'B'),
      ('C01', 'Central CCG', 'ccg', 'Q00', NULL, NULL, NULL, 'B'),
      ('P01', 'A Practice', 'practice', 'C01', 50, NULL, 40, 'B')`),
  );
}

/** The generated password printed under "Password …": the indented line after it. */
function printedPassword(io: Captured): string {
  const at = io.lines.findIndex((l) => l.startsWith('Password'));
  expect(at).toBeGreaterThanOrEqual(0);
  return io.lines[at + 1]!.trim();
}

describe('users CLI commands', () => {
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'users-cli-'));
    store = await openStore({ path: join(dir, 'store.duckdb') });
    await insertOrganisations(store);
  });
  afterAll(async () => {
    await closeAccess();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a user with a generated password, shown once, and lists them', async () => {
    const added = await run(store, ['add', 'Alice@Example.NHS.uk', '--role', 'analyst', '--org', 'C01', '--name', 'Alice Example']);
    expect(added.lines[0]).toBe('Added alice@example.nhs.uk: role analyst, organisation C01, name Alice Example.');
    const password = printedPassword(added);
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);

    const signIn = await access(store).signIn('alice@example.nhs.uk', password, client);
    expect(signIn.ok).toBe(true);

    const list = await run(store, ['list']);
    expect(list.lines[0]).toMatch(/^username\s+role\s+org\s+source\s+disabled\s+last sign-in\s+open sessions\s+tokens$/);
    const row = list.lines.find((l) => l.startsWith('alice@example.nhs.uk'))!;
    expect(row.split(/\s{2,}/)).toEqual(['alice@example.nhs.uk', 'analyst', 'C01', 'local', 'no', expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/), '1', '0']);
    // The password is printed nowhere else, and never in the listing.
    expect(list.lines.join('\n')).not.toContain(password);
  });

  it('adds a user with a password from standard input, printing nothing of it', async () => {
    const io = await run(store, ['add', 'bob', '--role=cio', '--org=P01', '--password-stdin'], 'correct horse battery');
    expect(io.lines).toEqual(['Added bob: role cio, organisation P01.']);
    expect((await access(store).signIn('bob', 'correct horse battery', client)).ok).toBe(true);
  });

  it('prints a new API token once, as its last line, and the API accepts it', async () => {
    const io = await run(store, ['token', 'alice@example.nhs.uk', '--label', 'notebook']);
    const token = io.lines.at(-1)!;
    expect(token).toMatch(/^pit_[A-Za-z0-9_-]{43}$/);
    expect(io.lines[0]).toMatch(/^API token \d+ 'notebook' for alice@example\.nhs\.uk \(analyst, C01\)\.$/);

    const app = createApp({ store, access: access(store) });
    const me = await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username: 'alice@example.nhs.uk', role: 'analyst', org: 'C01', via: 'token' });

    const list = await run(store, ['list']);
    expect(list.lines.find((l) => l.startsWith('alice'))!.split(/\s{2,}/).at(-1)).toBe('1');
  });

  it('disable stops the token and the sessions; enable lets the token work again', async () => {
    const added = await run(store, ['add', 'carol', '--role', 'commissioner', '--org', 'Q00']);
    const password = printedPassword(added);
    const token = (await run(store, ['token', 'carol'])).lines.at(-1)!;
    const session = await access(store).signIn('carol', password, client);
    if (!session.ok) throw new Error('carol could not sign in');

    const before = createApp({ store, access: access(store) });
    expect((await before.request('/api/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await before.request('/api/me', { headers: { cookie: `pi_session=${session.token}` } })).status).toBe(200);

    const io = await run(store, ['disable', 'carol']);
    expect(io.lines).toEqual(['Disabled carol: their sessions are revoked and their API tokens refused while disabled.']);

    // A fresh app: nothing remembered from before (as after the server's restart the CLI needs).
    const after = createApp({ store, access: access(store) });
    expect((await after.request('/api/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await after.request('/api/me', { headers: { cookie: `pi_session=${session.token}` } })).status).toBe(401);
    expect((await access(store).signIn('carol', password, client)).ok).toBe(false);
    expect((await run(store, ['list'])).lines.find((l) => l.startsWith('carol'))!.split(/\s{2,}/).slice(4)).toEqual(['yes', expect.any(String), '0', '1']);
    await expect(run(store, ['token', 'carol'])).rejects.toThrow('carol is disabled: enable them first (npm run users -- enable carol).');

    expect((await run(store, ['enable', 'carol'])).lines).toEqual(['Enabled carol.']);
    const again = createApp({ store, access: access(store) });
    expect((await again.request('/api/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // The revoked session stays revoked.
    expect((await again.request('/api/me', { headers: { cookie: `pi_session=${session.token}` } })).status).toBe(401);
  });

  it('reset replaces the password (old fails, new works) and signs the user out', async () => {
    const old = printedPassword(await run(store, ['add', 'dave', '--role', 'admin', '--org', 'Q00']));
    const session = await access(store).signIn('dave', old, client);
    if (!session.ok) throw new Error('dave could not sign in');

    const io = await run(store, ['reset', 'dave']);
    const fresh = printedPassword(io);
    expect(fresh).not.toBe(old);
    expect((await access(store).signIn('dave', old, client)).ok).toBe(false);
    expect((await access(store).signIn('dave', fresh, client)).ok).toBe(true);
    const app = createApp({ store, access: access(store) });
    expect((await app.request('/api/me', { headers: { cookie: `pi_session=${session.token}` } })).status).toBe(401);

    const given = await run(store, ['reset', 'dave', '--password-stdin'], 'a long passphrase here');
    expect(given.lines).toEqual(['New password set for dave; their sessions are revoked (API tokens stay valid).']);
    expect((await access(store).signIn('dave', 'a long passphrase here', client)).ok).toBe(true);
  });

  it('writes each admin action to the audit log, never a password or token', async () => {
    const rows = await store.withConnection(async (c) =>
      (await c.runAndReadAll(`SELECT route, action, detail FROM audit_log WHERE method = 'CLI' ORDER BY audit_id`)).getRowObjectsJS(),
    );
    expect(rows.map((r) => r.route)).toEqual(expect.arrayContaining(['users add', 'users token', 'users disable', 'users enable', 'users reset', 'users list']));
    expect(rows.every((r) => r.action === 'admin')).toBe(true);
    expect(rows.find((r) => r.route === 'users add')!.detail).toMatch(/^users CLI \(run by .+\): added user alice@example\.nhs\.uk \(analyst, C01\)$/);
    expect(JSON.stringify(rows)).not.toMatch(/pit_|pis_|passphrase/);
  });

  it('refuses a bad role, organisation, username or password with one line each', async () => {
    const refusal = async (argv: string[], stdin: string | null = null) => {
      const err = await run(store, argv, stdin).then(
        () => null,
        (e: Error) => e,
      );
      expect(err, argv.join(' ')).toBeInstanceOf(Error);
      expect(err!.message).not.toContain('\n');
      return err!;
    };
    const role = await refusal(['add', 'erin', '--role', 'superuser', '--org', 'Q00']);
    expect(role).toBeInstanceOf(UsageError);
    expect(role.message).toBe("Unknown role 'superuser': choose one of commissioner, cio, analyst, admin. Run 'npm run users -- help' for usage.");

    const org = await refusal(['add', 'erin', '--role', 'cio', '--org', 'ZZZ99']);
    expect(org).toBeInstanceOf(RefusedError);
    expect(org.message).toBe("Unknown organisation 'ZZZ99': a user must belong to an organisation in the store (GET /api/orgs lists them).");

    const name = await refusal(['add', 'no spaces please', '--role', 'cio', '--org', 'Q00']);
    expect(name).toBeInstanceOf(RefusedError);
    expect(name.message).toMatch(/^A username is 2 to 100 characters/);

    const taken = await refusal(['add', 'ALICE@example.nhs.uk', '--role', 'cio', '--org', 'Q00']);
    expect(taken.message).toBe("A user 'alice@example.nhs.uk' already exists.");

    const weak = await refusal(['add', 'erin', '--role', 'cio', '--org', 'Q00', '--password-stdin'], 'short');
    expect(weak).toBeInstanceOf(RefusedError);
    expect(weak.message).toBe('A password needs at least 12 characters.');
    expect((await run(store, ['list'])).lines.some((l) => l.startsWith('erin'))).toBe(false);
    expect((await refusal(['reset', 'dave', '--password-stdin'], 'aaaaaaaaaaaaaaa')).message).toBe('A password must not be one character repeated.');
    expect((await refusal(['add', 'erin', '--role', 'cio', '--org', 'Q00', '--password-stdin'], '')).message).toMatch(/^No password on standard input/);

    for (const cmd of ['token', 'disable', 'enable', 'reset']) {
      const unknown = await refusal([cmd, 'nobody']);
      expect(unknown).toBeInstanceOf(RefusedError);
      expect(unknown.message).toBe("No user 'nobody' (npm run users -- list shows them).");
    }
  });

  it('parses arguments strictly: unknown command, option, missing values are bad usage', () => {
    const usage = (argv: string[]) => {
      try {
        parseCommand(argv);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message.replace(/ Run 'npm run users -- help' for usage\.$/, '');
      }
      throw new Error(`accepted: ${argv.join(' ')}`);
    };
    expect(usage([])).toBe('No command given (add, token, list, disable, enable, reset).');
    expect(usage(['remove', 'x'])).toBe("Unknown command 'remove': the commands are add, token, list, disable, enable, reset.");
    expect(usage(['add', 'x', '--role', 'cio', '--org', 'Q00', '--password', 'secret'])).toBe("Unknown option --password for 'add' (it takes --role, --org, --password-stdin, --name).");
    expect(usage(['list', '--all'])).toBe("Unknown option --all for 'list' (it takes no options).");
    expect(usage(['list', 'x'])).toBe("'list' takes no arguments, not 'x'.");
    expect(usage(['add', 'x', 'y', '--role', 'cio', '--org', 'Q00'])).toBe("'add' takes one username, not 'y'.");
    expect(usage(['add', 'x', '--org', 'Q00'])).toBe('--role is needed (one of commissioner, cio, analyst, admin).');
    expect(usage(['add', 'x', '--role', 'cio'])).toMatch(/^--org is needed/);
    expect(usage(['add', '--role', 'cio', '--org', 'Q00'])).toBe('A username is needed.');
    expect(usage(['token', 'x', '--label'])).toBe('--label needs a value.');
    expect(usage(['reset', 'x', '--password-stdin=yes'])).toBe('--password-stdin takes no value.');
    expect(usage(['disable', 'x', '-f'])).toBe("Unknown option -f for 'disable'.");
    expect(usage(['add', 'x', '--role', 'cio', '--org', 'not a code'])).toBe('--org: an organisation code is 3 to 8 letters or digits.');

    expect(parseCommand(['--', 'add', 'x', '--role', 'cio', '--org', 'q00'])).toEqual({ command: 'add', username: 'x', role: 'cio', org: 'Q00', passwordStdin: false, name: null });
    expect(parseCommand(['token', 'x'])).toEqual({ command: 'token', username: 'x', label: 'users CLI' });
    expect(parseCommand(['help'])).toEqual({ command: 'help' });
  });
});

describe('the users CLI as a process', () => {
  let dir: string;
  let dbPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'users-cli-proc-'));
    dbPath = join(dir, 'store.duckdb');
    const store = await openStore({ path: dbPath });
    await insertOrganisations(store);
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[], stdin?: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('npx', ['tsx', 'scripts/users-cli.ts', ...args], { cwd: ROOT, env: { ...process.env, PORTAL_DB: dbPath }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(stdin ?? '');
    });

  it('adds a user from standard input and prints a token as the last line', async () => {
    const added = await cli(['add', 'frank', '--role', 'analyst', '--org', 'C01', '--password-stdin'], 'frank-long-password\nsecond line ignored\n');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toBe('Added frank: role analyst, organisation C01.\n');

    const token = await cli(['token', 'frank', '--label', 'ci']);
    expect(token.code).toBe(0);
    const lines = token.stdout.split('\n');
    expect(lines.at(-1)).toBe(''); // ends with a newline, and nothing after the token
    expect(lines.at(-2)).toMatch(/^pit_[A-Za-z0-9_-]{43}$/);

    const store = await openStore({ path: dbPath });
    try {
      const app = createApp({ store, access: access(store) });
      expect((await app.request('/api/me', { headers: { authorization: `Bearer ${lines.at(-2)}` } })).status).toBe(200);
      expect((await access(store).signIn('frank', 'frank-long-password', client)).ok).toBe(true);
    } finally {
      await closeAccess();
      await store.close();
    }
  });

  it('exits 2 for bad usage and 1 for a refusal, with one line and no stack trace', async () => {
    const usage = await cli(['add', 'gina', '--role', 'boss', '--org', 'Q00']);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toBe('');
    expect(usage.stderr).toBe("Unknown role 'boss': choose one of commissioner, cio, analyst, admin. Run 'npm run users -- help' for usage.\n");

    const weak = await cli(['add', 'gina', '--role', 'cio', '--org', 'Q00', '--password-stdin'], 'tooshort\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toBe('A password needs at least 12 characters.\n');

    const unknown = await cli(['disable', 'nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("No user 'nobody' (npm run users -- list shows them).\n");
  });

  it('says so when the store is held by another process (a running server)', async () => {
    const store = await openStore({ path: dbPath });
    try {
      const held = await cli(['list']);
      expect(held.code).toBe(1);
      expect(held.stderr).toMatch(/^The store .* is in use by another process \(PID \d+\)\. Only one process can write to it at a time: stop the other process/);
      expect(held.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
