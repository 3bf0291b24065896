/**
 * The users table: one role and one organisation each. Usernames are kept in lower case (people
 * type them in any case; an e-mail address from single sign-on is case-insensitive too).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { PublicUser } from '../api/access-shapes.js';
import { isRole, type Role } from './roles.js';
import { hashPassword, passwordProblem } from './hashing.js';

/** A user as the server holds one: what the admin's routes show, and the store's id. */
export interface User extends PublicUser {
  id: number;
}

/** A request the person can correct (unknown organisation, taken username, weak password). */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

const USERNAME = /^[a-z0-9][a-z0-9._@+-]{1,99}$/;

export function normaliseUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

export function usernameProblem(username: string): string | null {
  return USERNAME.test(username)
    ? null
    : 'A username is 2 to 100 characters: letters, digits and . _ @ + - (an e-mail address works), starting with a letter or digit.';
}

const COLUMNS = `user_id, username, display_name, role, org_code, source, disabled,
  strftime(created_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS created_at,
  strftime(last_sign_in_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS last_sign_in_at`;

function toUser(r: Record<string, unknown>): User {
  const role = String(r.role);
  if (!isRole(role)) throw new Error(`User ${String(r.username)} has an unknown role '${role}' in the store`);
  return {
    id: Number(r.user_id),
    username: String(r.username),
    displayName: r.display_name === null ? null : String(r.display_name),
    role,
    org: String(r.org_code),
    source: r.source === 'oidc' ? 'oidc' : 'local',
    disabled: r.disabled === true,
    createdAt: String(r.created_at),
    lastSignInAt: r.last_sign_in_at === null ? null : String(r.last_sign_in_at),
  };
}

async function rows(conn: DuckDBConnection, sql: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql, params as never)).getRowObjectsJS() as Record<string, unknown>[];
}

export async function listUsers(conn: DuckDBConnection): Promise<User[]> {
  return (await rows(conn, `SELECT ${COLUMNS} FROM users ORDER BY username`)).map(toUser);
}

export async function countUsers(conn: DuckDBConnection): Promise<number> {
  return Number((await rows(conn, `SELECT count(*) AS n FROM users`))[0]!.n);
}

export async function findUser(conn: DuckDBConnection, username: string): Promise<User | null> {
  const found = await rows(conn, `SELECT ${COLUMNS} FROM users WHERE username = $u`, { u: normaliseUsername(username) });
  return found[0] ? toUser(found[0]) : null;
}

export async function findUserById(conn: DuckDBConnection, id: number): Promise<User | null> {
  const found = await rows(conn, `SELECT ${COLUMNS} FROM users WHERE user_id = $id`, { id });
  return found[0] ? toUser(found[0]) : null;
}

/** The stored password hash, for sign-in only (never part of a User). */
export async function passwordHashOf(conn: DuckDBConnection, username: string): Promise<string | null> {
  const found = await rows(conn, `SELECT password_hash FROM users WHERE username = $u`, { u: normaliseUsername(username) });
  return (found[0]?.password_hash as string | null | undefined) ?? null;
}

async function checkOrg(conn: DuckDBConnection, org: string): Promise<void> {
  const found = await rows(conn, `SELECT 1 AS ok FROM organisations WHERE org_code = $o`, { o: org });
  if (!found.length) throw new UserError(`Unknown organisation '${org}': a user must belong to an organisation in the store (GET /api/orgs lists them).`, 404);
}

export interface NewUser {
  username: string;
  role: Role;
  org: string;
  password?: string | null;
  displayName?: string | null;
  source?: 'local' | 'oidc';
}

export async function addUser(conn: DuckDBConnection, input: NewUser): Promise<User> {
  const username = normaliseUsername(input.username);
  const bad = usernameProblem(username);
  if (bad) throw new UserError(bad);
  if (!isRole(input.role)) throw new UserError(`Unknown role '${String(input.role)}'.`);
  await checkOrg(conn, input.org);
  if (input.password != null) {
    const weak = passwordProblem(input.password);
    if (weak) throw new UserError(weak);
  }
  if (await findUser(conn, username)) throw new UserError(`A user '${username}' already exists.`, 409);
  const hash = input.password != null ? await hashPassword(input.password) : null;
  await conn.run(
    `INSERT INTO users (username, display_name, role, org_code, password_hash, source) VALUES ($u, $d, $r, $o, $h, $s)`,
    { u: username, d: input.displayName ?? null, r: input.role, o: input.org, h: hash, s: input.source ?? 'local' } as never,
  );
  return (await findUser(conn, username))!;
}

export interface UserChanges {
  role?: Role;
  org?: string;
  disabled?: boolean;
  displayName?: string | null;
}

export async function updateUser(conn: DuckDBConnection, username: string, changes: UserChanges): Promise<User> {
  const user = await findUser(conn, username);
  if (!user) throw new UserError(`No user '${normaliseUsername(username)}'.`, 404);
  if (changes.role !== undefined && !isRole(changes.role)) throw new UserError(`Unknown role '${String(changes.role)}'.`);
  if (changes.org !== undefined) await checkOrg(conn, changes.org);
  await conn.run(
    `UPDATE users SET role = $r, org_code = $o, disabled = $x, display_name = $d, updated_at = now() WHERE user_id = $id`,
    {
      r: changes.role ?? user.role,
      o: changes.org ?? user.org,
      x: changes.disabled ?? user.disabled,
      d: changes.displayName === undefined ? user.displayName : changes.displayName,
      id: user.id,
    } as never,
  );
  return (await findUserById(conn, user.id))!;
}

export async function setPassword(conn: DuckDBConnection, username: string, password: string): Promise<User> {
  const user = await findUser(conn, username);
  if (!user) throw new UserError(`No user '${normaliseUsername(username)}'.`, 404);
  const weak = passwordProblem(password);
  if (weak) throw new UserError(weak);
  await conn.run(`UPDATE users SET password_hash = $h, updated_at = now() WHERE user_id = $id`, { h: await hashPassword(password), id: user.id } as never);
  return user;
}

export async function markSignedIn(conn: DuckDBConnection, userId: number): Promise<void> {
  await conn.run(`UPDATE users SET last_sign_in_at = now() WHERE user_id = $id`, { id: userId } as never);
}
