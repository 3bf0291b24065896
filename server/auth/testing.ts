/**
 * For specifications: a user of a given role and scope with an API token, and a `request` that
 * sends it, so a spec reads `const admin = await signedIn(app, { role: 'admin' })` and then
 * `admin.request('/api/metrics/uptake')` as it would `app.request(...)`.
 */
import type { App } from '../app.js';
import type { Role } from './roles.js';
import { insertToken } from './sessions.js';
import { findUser, type User } from './users.js';

export interface SignedInClient {
  user: User;
  token: string;
  request(path: string, init?: RequestInit): Promise<Response>;
}

let counter = 0;

/**
 * A user bound to `org` (default: the region's root, or a placeholder in a store without
 * organisations) with role `role` (default admin), written straight into the store.
 */
export async function signedIn(app: App, options: { role?: Role; org?: string; username?: string } = {}): Promise<SignedInClient> {
  const store = app.access.store;
  const role = options.role ?? 'admin';
  const username = options.username ?? `${role}-${process.pid}-${++counter}`;
  const { user, token } = await store.withConnection(async (conn) => {
    const root = (
      await conn.runAndReadAll(`SELECT org_code FROM organisations ORDER BY (org_type = 'icb') DESC, (parent_code IS NULL) DESC, org_code LIMIT 1`)
    ).getRows()[0]?.[0];
    const org = options.org ?? (root === undefined ? 'NONE' : String(root));
    await conn.run(`INSERT INTO users (username, role, org_code) VALUES ($u, $r, $o)`, { u: username, r: role, o: org } as never);
    const user = (await findUser(conn, username))!;
    const { token } = await insertToken(conn, user.id, 'spec');
    return { user, token };
  });
  return {
    user,
    token,
    request: (path, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      return Promise.resolve(app.request(path, { ...init, headers }));
    },
  };
}
