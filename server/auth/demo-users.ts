/**
 * First start: a store without users gets one demo user per role, all bound to the region's root
 * (the ICB), and one CIO bound to a CCG to show what organisation scope does. Their passwords are
 * generated, returned once to be printed on the terminal, and kept only as Argon2id hashes.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ROLES, type Role } from './roles.js';
import { newPassword } from './hashing.js';
import { addUser, countUsers } from './users.js';

export interface DemoUser {
  username: string;
  role: Role;
  org: string;
  orgName: string;
  password: string;
}

export type DemoUsersOutcome =
  | { created: DemoUser[] }
  /** Users exist already: nothing was made. */
  | { created: null; reason: 'users exist' }
  /** No organisations to bind users to (nothing imported yet). */
  | { created: null; reason: 'no organisations' };

interface Org {
  code: string;
  name: string;
}

async function orgs(conn: DuckDBConnection, sql: string, params: Record<string, string> = {}): Promise<Org[]> {
  return ((await conn.runAndReadAll(sql, params)).getRows() as unknown[][]).map((r) => ({ code: String(r[0]), name: String(r[1]) }));
}

/** Creates the demo users when the store has none. */
export async function createDemoUsersIfNone(conn: DuckDBConnection, password: () => string = newPassword): Promise<DemoUsersOutcome> {
  if ((await countUsers(conn)) > 0) return { created: null, reason: 'users exist' };
  // The root as the API sees it: the ICB with no parent (or any organisation with none).
  const [root] = await orgs(conn, `SELECT org_code, name FROM organisations WHERE parent_code IS NULL ORDER BY (org_type = 'icb') DESC, org_code LIMIT 1`);
  if (!root) return { created: null, reason: 'no organisations' };
  const [ccg] = await orgs(conn, `SELECT org_code, name FROM organisations WHERE org_type = 'ccg' AND parent_code = $root ORDER BY org_code LIMIT 1`, { root: root.code });

  const wanted: Array<{ username: string; role: Role; org: Org }> = ROLES.map((role) => ({ username: role, role, org: root }));
  if (ccg) wanted.splice(2, 0, { username: `cio-${ccg.code.toLowerCase()}`, role: 'cio', org: ccg });

  const created: DemoUser[] = [];
  for (const w of wanted) {
    const pw = password();
    await addUser(conn, { username: w.username, role: w.role, org: w.org.code, password: pw, displayName: `Demo ${w.role}${w.org === root ? '' : ` (${w.org.name})`}` });
    created.push({ username: w.username, role: w.role, org: w.org.code, orgName: w.org.name, password: pw });
  }
  return { created };
}

/** The box printed once on the terminal: who, what, where, the password, and how to change it. */
export function demoUsersBox(users: DemoUser[]): string {
  const header = ['username', 'role', 'organisation', 'password'];
  const rows = users.map((u) => [u.username, u.role, `${u.org} ${u.orgName}`, u.password]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const text = [
    'Demo users created (first start). The passwords are shown this once:',
    '',
    row(header),
    row(widths.map((w) => '-'.repeat(w))),
    ...rows.map(row),
    '',
    'Every page and API route needs a sign-in. Each user sees their organisation and everything',
    'below it; the CCG-scoped CIO shows what that scope hides.',
    'Change a password: npm run users -- reset <username>  (with the server stopped),',
    'or on the Admin page signed in as admin. Add your own users with npm run users -- add,',
    'and disable the demo ones (npm run users -- disable <username>) before real use.',
  ];
  const width = Math.max(...text.map((l) => l.length));
  const line = '─'.repeat(width + 2);
  return [`┌${line}┐`, ...text.map((l) => `│ ${l.padEnd(width)} │`), `└${line}┘`].join('\n');
}
