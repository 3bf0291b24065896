/**
 * Who sees what, end to end through the HTTP API: every role against every route, signed out,
 * organisation scope (and the ways one might try to widen it), sign-in and lockout, session
 * expiry and revocation, CSRF, and the audit rows each kind of action leaves.
 *
 * The region is the hand-built one of the metric known-answer tests (test/fixtures/metrics/
 * small-region.ts): ICB Q00 > CCG C01 > practices P01, P02; ICB > CCG C02 > practice P03; trust
 * T01 and community service K01 under the ICB. The clock is fake, so timeouts are exact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workbench, workbenchSettingsFromEnv } from '../../server/sql/workbench.js';
import { openStore, type Store } from '../../server/store/store.js';
import { createApp, type App } from '../../server/app.js';
import { Access } from '../../server/auth/access.js';
import { signedIn, type SignedInClient } from '../../server/auth/testing.js';
import { addUser } from '../../server/auth/users.js';
import { ROLES, type Role } from '../../server/auth/roles.js';
import { buildSmallRegion } from '../fixtures/metrics/small-region.js';

const START = Date.parse('2026-03-01T08:00:00Z');
const MINUTE = 60_000;
const PASSWORD = 'correct horse battery staple';
const ORIGIN = 'http://localhost';

let store: Store;
let app: App;
let clock = START;
const byRole = {} as Record<Role, SignedInClient>;

let extracts: string;

beforeAll(async () => {
  extracts = mkdtempSync(join(tmpdir(), 'portal-access-'));
  store = await openStore({ path: ':memory:' });
  await buildSmallRegion(store);
  const access = new Access(store, {
    now: () => clock,
    sleep: async () => {},
    oidc: null,
    edge: { trustProxyHops: 0 },
    sessions: { idleMs: 30 * MINUTE, absoluteMs: 12 * 60 * MINUTE },
  });
  const workbench = new Workbench(store, { ...workbenchSettingsFromEnv({}), extractDir: join(extracts, 'extracts') });
  app = createApp({ store, access, workbench, now: () => new Date('2026-03-01T08:00:00Z'), versionTtlMs: 0 });
  for (const role of ROLES) byRole[role] = await signedIn(app, { role, username: `region-${role}` });
  await store.withConnection(async (conn) => {
    await addUser(conn, { username: 'Alice', role: 'cio', org: 'C01', password: PASSWORD });
    await addUser(conn, { username: 'bob', role: 'admin', org: 'Q00', password: PASSWORD });
    await addUser(conn, { username: 'trudy', role: 'commissioner', org: 'T01', password: PASSWORD });
  });
});
afterAll(async () => {
  await app.workbench.close();
  await app.access.close();
  await store.close();
  rmSync(extracts, { recursive: true, force: true });
});

async function signIn(username: string, password = PASSWORD, headers: Record<string, string> = { origin: ORIGIN }) {
  const res = await app.request('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password }),
  });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { res, cookie: /^(pi_session=[^;]+)/.exec(setCookie)?.[1] ?? null, setCookie };
}

const withCookie = (cookie: string, init: RequestInit = {}) => ({ ...init, headers: { ...(init.headers as Record<string, string>), cookie } });
const body = async (res: Response) => (await res.json()) as Record<string, unknown> & { error?: string };

async function auditRows(where = 'true'): Promise<Record<string, unknown>[]> {
  await app.access.audit.flush();
  return store.withConnection(async (conn) => (await conn.runAndReadAll(`SELECT * FROM audit_log WHERE ${where} ORDER BY audit_id`)).getRowObjectsJson() as Record<string, unknown>[]);
}

describe('every role against every route', () => {
  type Route = { method: string; path: string; body?: unknown; roles: readonly Role[] };
  const everyone = ROLES;
  const admin = ['admin'] as const;
  const workbench = ['analyst', 'admin'] as const;
  const routes: Route[] = [
    { method: 'GET', path: '/api/metrics', roles: everyone },
    { method: 'GET', path: '/api/metrics/uptake', roles: everyone },
    { method: 'GET', path: '/api/metrics/uptake?format=csv', roles: everyone },
    { method: 'GET', path: '/api/metrics/roi?format=parquet', roles: everyone },
    { method: 'GET', path: '/api/orgs', roles: everyone },
    { method: 'GET', path: '/api/health', roles: everyone },
    { method: 'GET', path: '/api/import-runs', roles: everyone },
    { method: 'GET', path: '/api/savings-model', roles: everyone },
    { method: 'GET', path: '/api/openapi.json', roles: everyone },
    { method: 'GET', path: '/api/docs', roles: everyone },
    { method: 'GET', path: '/api/me', roles: everyone },
    { method: 'GET', path: '/api/sessions', roles: everyone },
    { method: 'GET', path: '/api/sessions?all=true', roles: admin },
    { method: 'GET', path: '/api/tokens', roles: everyone },
    { method: 'GET', path: '/api/tokens?user=*', roles: admin },
    { method: 'POST', path: '/api/tokens', body: { label: 'notebook' }, roles: everyone },
    { method: 'POST', path: '/api/tokens', body: { label: 'for alice', user: 'alice' }, roles: admin },
    { method: 'GET', path: '/api/users', roles: admin },
    { method: 'POST', path: '/api/users', body: { username: 'new-user', role: 'cio', org: 'C02' }, roles: admin },
    { method: 'PATCH', path: '/api/users/trudy', body: { displayName: 'Trudy' }, roles: admin },
    { method: 'POST', path: '/api/users/bob/password', body: { password: PASSWORD }, roles: admin },
    { method: 'GET', path: '/api/audit', roles: admin },
    { method: 'GET', path: '/api/audit?format=csv', roles: admin },
    { method: 'GET', path: '/api/sql/schema', roles: workbench },
    { method: 'GET', path: '/api/sql/examples', roles: workbench },
    { method: 'POST', path: '/api/sql', body: { sql: 'SELECT count(*) FROM patients' }, roles: workbench },
    { method: 'POST', path: '/api/sql/export?format=csv', body: { sql: 'SELECT 1 AS one' }, roles: workbench },
    { method: 'GET', path: '/api/sql/saved', roles: workbench },
    { method: 'POST', path: '/api/sql/saved', body: { name: 'q', sql: 'SELECT 1' }, roles: workbench },
    { method: 'GET', path: '/api/sql/history', roles: workbench },
  ];
  const send = (client: { request: SignedInClient['request'] } | App, r: Route) =>
    client.request(r.path, {
      method: r.method,
      ...(r.body ? { body: JSON.stringify(r.body), headers: { 'content-type': 'application/json' } } : {}),
    });

  for (const r of routes) {
    it(`${r.method} ${r.path}: ${r.roles.length === ROLES.length ? 'every role' : r.roles.join(', ')}; 401 signed out`, async () => {
      const stranger = await send(app, r);
      expect(stranger.status).toBe(401);
      expect((await body(stranger)).error).toMatch(/Sign in first/);
      for (const role of ROLES) {
        const res = await send(byRole[role], r);
        if (r.roles.includes(role)) {
          expect([200, 201], `${role}: ${await res.clone().text()}`).toContain(res.status);
        } else {
          expect(res.status, role).toBe(403);
          expect((await body(res)).error).toMatch(new RegExp(`Your role \\(${role}\\) may not`));
        }
        // An admin-only route answered once per test is enough for the changes not to pile up.
        if (r.method === 'POST' && r.path === '/api/users' && res.status === 201) {
          await byRole.admin.request('/api/users/new-user', { method: 'PATCH', body: JSON.stringify({ disabled: true }), headers: { 'content-type': 'application/json' } });
          await store.withConnection((conn) => conn.run(`DELETE FROM users WHERE username = 'new-user'`));
        }
      }
    });
  }

  it('the sign-in route and the liveness check are the only API routes a stranger reaches', async () => {
    expect((await app.request('/api/live')).status).toBe(200);
    expect((await signIn('nobody', 'wrong password')).res.status).toBe(401);
    expect((await app.request('/api/no-such-route')).status).toBe(401);
  });

  it('a dashboard page sends a stranger to the sign-in page, keeping where they were going', async () => {
    const res = await app.request('/rollout?org=C01');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/signin?next=%2Frollout%3Forg%3DC01');
    const page = await app.request('/signin?next=/rollout');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="/api/session"');
  });
});

describe('organisation scope', () => {
  const cio = () => signedIn(app, { role: 'cio', org: 'C01' });

  it('a CCG user sees their own CCG by default, the same answer as asking for it by name', async () => {
    const client = await cio();
    const mine = await body(await client.request('/api/metrics/uptake?to=2026-02-28'));
    const named = await body(await byRole.admin.request('/api/metrics/uptake?org=C01&to=2026-02-28'));
    expect((mine.params as { org: string }).org).toBe('C01');
    expect(mine.rows).toEqual(named.rows);
  });

  it('a CCG user reads its practices, and only its practices', async () => {
    const client = await cio();
    const res = await body(await client.request('/api/metrics/rollout?level=practice&to=2026-02-28'));
    expect((res.rows as { org_code: string }[]).map((r) => r.org_code).sort()).toEqual(['P01', 'P02']);
    expect((await client.request('/api/metrics/uptake?org=P02')).status).toBe(200);
  });

  it('refuses an organisation outside the scope with 403 naming both, in JSON and in exports', async () => {
    const client = await cio();
    for (const path of [
      '/api/metrics/uptake?org=C02',
      '/api/metrics/uptake?org=P03&format=csv',
      '/api/metrics/uptake?org=Q00&format=parquet',
      '/api/metrics/rollout?org=Q00&level=practice',
      '/api/metrics/savings?org=T01',
    ]) {
      const res = await client.request(path);
      expect(res.status, path).toBe(403);
      expect(res.headers.get('content-type'), path).toMatch(/json/);
      expect((await body(res)).error, path).toMatch(/^Organisation .+ is outside your scope: you see North CCG \(C01\) and the organisations within it\.$/);
    }
  });

  it('cannot be widened by a level, a repeated or differently written parameter', async () => {
    const client = await cio();
    // level groups within org: the ICB's CCGs are not inside C01
    expect((await client.request('/api/metrics/uptake?level=icb')).status).toBe(400);
    expect((await client.request('/api/metrics/uptake?level=ccg')).status).toBe(200);
    const ccgs = await body(await client.request('/api/metrics/uptake?level=ccg&to=2026-02-28'));
    expect([...new Set((ccgs.rows as { org_code: string }[]).map((r) => r.org_code))]).toEqual(['C01']);
    expect((await client.request('/api/metrics/uptake?org=C01&org=Q00')).status).toBe(400);
    expect((await client.request('/api/metrics/uptake?org=Q00&org=C01')).status).toBe(400);
    expect((await client.request('/api/metrics/uptake?ORG=Q00')).status).toBe(400);
    expect((await client.request('/api/metrics/uptake?org=q00')).status).toBe(404);
    expect((await client.request('/api/metrics/uptake?org=C01%26org%3DQ00')).status).toBe(400);
  });

  it('lists only the subtree as organisations, with the user\'s organisation as root', async () => {
    const client = await cio();
    const orgs = await body(await client.request('/api/orgs'));
    expect(orgs.root).toBe('C01');
    expect((orgs.orgs as { code: string; parent: string | null }[]).map((o) => [o.code, o.parent])).toEqual([
      ['C01', null],
      ['P01', 'C01'],
      ['P02', 'C01'],
    ]);
    const all = await body(await byRole.cio.request('/api/orgs'));
    expect((all.orgs as unknown[]).length).toBe(8);
  });

  it('keeps region-wide views (import runs, data quality) to users whose scope is the region', async () => {
    const client = await cio();
    const runs = await client.request('/api/import-runs');
    expect(runs.status).toBe(403);
    expect((await body(runs)).error).toMatch(/whole region/);
    expect((await client.request('/api/metrics/data_quality')).status).toBe(403);
    expect((await byRole.commissioner.request('/api/metrics/data_quality')).status).toBe(200);
  });

  it('a trust user sees their trust, not another organisation', async () => {
    const trust = await signedIn(app, { role: 'commissioner', org: 'T01' });
    const mine = await body(await trust.request('/api/metrics/savings?grain=month&from=2026-01-01&to=2026-02-28'));
    expect((mine.params as { org: string }).org).toBe('T01');
    expect((await trust.request('/api/metrics/savings?org=K01')).status).toBe(403);
    expect((await trust.request('/api/metrics/savings?org=Q00&format=csv')).status).toBe(403);
  });

  it('GET /api/me says who is asking', async () => {
    const { cookie } = await signIn('alice');
    expect(await body(await app.request('/api/me', withCookie(cookie!)))).toEqual({
      username: 'alice',
      displayName: null,
      role: 'cio',
      org: 'C01',
      orgName: 'North CCG',
      permissions: ['metrics'],
      via: 'session',
    });
  });
});

describe('signing in', () => {
  it('opens a session with an httpOnly, SameSite=Strict cookie; the username is not case-sensitive', async () => {
    const { res, cookie, setCookie } = await signIn('ALICE');
    expect(res.status).toBe(200);
    expect(await body(res)).toMatchObject({ username: 'alice', role: 'cio', org: 'C01' });
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect((await app.request('/api/metrics/uptake', withCookie(cookie!))).status).toBe(200);
  });

  it('over TLS the cookie is __Host- prefixed and Secure', async () => {
    const res = await app.request('https://insights.example/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://insights.example' },
      body: JSON.stringify({ username: 'alice', password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^__Host-pi_session=pis_[^;]+;.*Secure/);
  });

  it('says the same for a wrong password and an unknown name', async () => {
    const wrong = await signIn('alice', 'not the password', { origin: ORIGIN, 'x-test-ip': '1' });
    const unknown = await signIn('zed', PASSWORD);
    expect(wrong.res.status).toBe(401);
    expect(unknown.res.status).toBe(401);
    expect(await body(wrong.res)).toEqual(await body(unknown.res));
    expect(wrong.cookie).toBeNull();
  });

  it('locks a name out after 5 failures in 15 minutes — existing or not — then lets it in after 15 minutes', async () => {
    await store.withConnection((conn) => addUser(conn, { username: 'locky', role: 'cio', org: 'C02', password: PASSWORD }));
    for (const name of ['locky', 'ghost']) {
      for (let i = 0; i < 5; i++) expect((await signIn(name, `wrong ${i}`)).res.status).toBe(401);
      const locked = await signIn(name, PASSWORD);
      expect(locked.res.status).toBe(429);
      expect(locked.res.headers.get('retry-after')).toBe('900');
      expect((await body(locked.res)).error).toMatch(/Too many failed sign-ins/);
    }
    clock += 15 * MINUTE;
    expect((await signIn('locky')).res.status).toBe(200);
    expect((await signIn('ghost')).res.status).toBe(401);
  });

  it('accepts the sign-in page\'s form and goes where the reader was going (on this site only)', async () => {
    const form = (next: string, password = PASSWORD) =>
      app.request('/api/session', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
        body: new URLSearchParams({ username: 'bob', password, next }).toString(),
      });
    const ok = await form('/rollout?org=C01');
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/rollout?org=C01');
    expect(ok.headers.get('set-cookie')).toMatch(/^pi_session=/);
    expect((await form('//evil.example/')).headers.get('location')).toBe('/');
    expect((await form('https://evil.example/')).headers.get('location')).toBe('/');
    const bad = await form('/equity', 'nope');
    expect(bad.headers.get('location')).toBe('/signin?error=invalid&next=%2Fequity');
  });
});

describe('sessions and tokens end', () => {
  it('after 30 minutes idle, and after 12 hours however active', async () => {
    const { cookie } = await signIn('alice');
    clock += 29 * MINUTE;
    expect((await app.request('/api/me', withCookie(cookie!))).status).toBe(200);
    clock += 29 * MINUTE;
    expect((await app.request('/api/me', withCookie(cookie!))).status).toBe(200);
    clock += 31 * MINUTE;
    const idle = await app.request('/api/me', withCookie(cookie!));
    expect(idle.status).toBe(401);
    expect(idle.headers.get('set-cookie')).toMatch(/pi_session=;/);

    const second = (await signIn('alice')).cookie!;
    for (let t = 0; t < 12 * 60; t += 20) {
      clock += 20 * MINUTE;
      const res = await app.request('/api/me', withCookie(second));
      if (t + 20 < 12 * 60) expect(res.status, `after ${t + 20} minutes`).toBe(200);
      else expect(res.status).toBe(401);
    }
  });

  it('signing out revokes the session on the server, not only the cookie', async () => {
    const { cookie } = await signIn('alice');
    const out = await app.request('/api/session', withCookie(cookie!, { method: 'DELETE', headers: { origin: ORIGIN } }));
    expect(out.status).toBe(200);
    expect((await app.request('/api/me', withCookie(cookie!))).status).toBe(401);
    const stored = await store.withConnection(async (conn) => (await conn.runAndReadAll(`SELECT count(*) FROM sessions WHERE revoked_at IS NOT NULL`)).getRows()[0]![0]);
    expect(Number(stored)).toBeGreaterThan(0);
  });

  it("an admin revokes another user's session; a user lists and revokes their own", async () => {
    const { cookie } = await signIn('alice');
    const mine = await body(await app.request('/api/sessions', withCookie(cookie!)));
    const current = (mine.sessions as { id: string; current: boolean }[]).find((s) => s.current)!;
    expect(current).toBeDefined();
    const res = await byRole.admin.request(`/api/sessions/${current.id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect((await app.request('/api/me', withCookie(cookie!))).status).toBe(401);
    // not someone else's, unless admin
    const other = (await signIn('alice')).cookie!;
    const bobs = (await signIn('bob')).cookie!;
    const bobSession = ((await body(await app.request('/api/sessions', withCookie(bobs)))).sessions as { id: string }[])[0]!.id;
    expect((await app.request(`/api/sessions/${bobSession}`, withCookie(other, { method: 'DELETE', headers: { origin: ORIGIN } }))).status).toBe(404);
  });

  it('disabling a user ends their sessions and stops their tokens at once; enabling lets them sign in again', async () => {
    await store.withConnection((conn) => addUser(conn, { username: 'dora', role: 'analyst', org: 'Q00', password: PASSWORD }));
    const { cookie } = await signIn('dora');
    const dora = await signIn('dora');
    const token = (await body(await app.request('/api/tokens', withCookie(dora.cookie!, { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body: JSON.stringify({ label: 'notebook' }) })))).token as string;
    expect((await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    const off = await byRole.admin.request('/api/users/dora', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ disabled: true }) });
    expect(off.status).toBe(200);
    expect((await app.request('/api/me', withCookie(cookie!))).status).toBe(401);
    expect((await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await signIn('dora')).res.status).toBe(401);

    await byRole.admin.request('/api/users/dora', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ disabled: false }) });
    expect((await signIn('dora')).res.status).toBe(200);
  });

  it('a revoked API token stops working; the secret is shown once and stored only as a hash', async () => {
    const created = await body(await byRole.analyst.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label: 'jupyter' }) }));
    const token = created.token as string;
    expect(token).toMatch(/^pit_[A-Za-z0-9_-]{43}$/);
    const listed = await body(await byRole.analyst.request('/api/tokens'));
    expect(JSON.stringify(listed)).not.toContain(token);
    const inStore = await store.withConnection(async (conn) => (await conn.runAndReadAll(`SELECT count(*) FROM api_tokens WHERE token_hash = $t`, { t: token })).getRows()[0]![0]);
    expect(Number(inStore)).toBe(0);
    expect((await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await byRole.analyst.request(`/api/tokens/${created.id}`, { method: 'DELETE' })).status).toBe(200);
    const after = await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } });
    expect(after.status).toBe(401);
    expect((await body(after)).error).toMatch(/API token is not valid/);
  });

  it('resetting a password signs the user out everywhere; the old password stops working', async () => {
    const { cookie } = await signIn('trudy');
    const reset = await body(await byRole.admin.request('/api/users/trudy/password', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    expect(reset.password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect((await app.request('/api/me', withCookie(cookie!))).status).toBe(401);
    expect((await signIn('trudy')).res.status).toBe(401);
    expect((await signIn('trudy', reset.password as string)).res.status).toBe(200);
  });

  it('refuses to disable or demote the last enabled admin', async () => {
    const admins = await body(await byRole.admin.request('/api/users'));
    const others = (admins.users as { username: string; role: string; disabled: boolean }[]).filter((u) => u.role === 'admin' && !u.disabled && u.username !== 'bob');
    for (const u of others) await store.withConnection((conn) => conn.run(`UPDATE users SET disabled = true WHERE username = $u`, { u: u.username }));
    const bob = (await signIn('bob')).cookie!;
    const res = await app.request('/api/users/bob', withCookie(bob, { method: 'PATCH', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'cio' }) }));
    expect(res.status).toBe(409);
    expect((await body(res)).error).toMatch(/last enabled admin/);
    for (const u of others) await store.withConnection((conn) => conn.run(`UPDATE users SET disabled = false WHERE username = $u`, { u: u.username }));
  });
});

describe('cross-site requests', () => {
  const post = (headers: Record<string, string>) =>
    app.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ label: 'x' }) });

  it('refuses a state change carried by the cookie alone, without proof it came from this site', async () => {
    const { cookie } = await signIn('alice');
    expect((await post({ cookie: cookie! })).status).toBe(403);
    expect((await post({ cookie: cookie!, origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ cookie: cookie!, 'sec-fetch-site': 'cross-site', origin: ORIGIN })).status).toBe(403);
    expect((await post({ cookie: cookie!, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await post({ cookie: cookie!, origin: ORIGIN })).status).toBe(201);
    expect((await post({ cookie: cookie!, 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    // signing in is a state change too (login CSRF)
    expect((await signIn('alice', PASSWORD, { origin: 'https://evil.example' })).res.status).toBe(403);
  });

  it('accepts a bearer token without an Origin (a script, which no other site can make a browser send)', async () => {
    expect((await byRole.analyst.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label: 'cron' }) })).status).toBe(201);
  });

  it('sends no CORS permission to another origin', async () => {
    const preflight = await app.request('/api/metrics/uptake', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const get = await byRole.cio.request('/api/metrics/uptake', { headers: { origin: 'https://evil.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('security headers on every answer', () => {
  for (const [what, path] of [
    ['an API answer', '/api/metrics'],
    ['a refusal', '/api/users'],
    ['the sign-in page', '/signin'],
  ] as const) {
    it(what, async () => {
      const res = await (path === '/signin' ? app.request(path) : byRole.cio.request(path));
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).toMatch(/script-src 'self'/);
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    });
  }
});

describe('the audit log', () => {
  it('records sign-ins (success and failure), metric reads with organisation and rows, exports, refusals and admin actions — never a password or token', async () => {
    const before = Number((await auditRows()).at(-1)?.audit_id ?? 0);
    await signIn('alice');
    await signIn('alice', 'a wrong password typed here');
    const client = await signedIn(app, { role: 'cio', org: 'C01', username: 'auditee' });
    await client.request('/api/metrics/rollout?level=practice&to=2026-02-28');
    await client.request('/api/metrics/uptake?format=csv');
    await client.request('/api/metrics/uptake?org=C02');
    await byRole.admin.request('/api/users/trudy', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ displayName: 'Trudy T' }) });
    await app.request('/api/metrics/uptake');

    const rows = await auditRows(`audit_id > ${before}`);
    const pick = (r: Record<string, unknown>) => [r.username, r.action, r.outcome, r.status, r.org_code, r.row_count];
    expect(rows.map(pick)).toEqual([
      ['alice', 'sign_in', 'ok', 200, null, null],
      ['alice', 'sign_in', 'failed', 401, null, null],
      ['auditee', 'metric_read', 'ok', 200, 'C01', '2'],
      ['auditee', 'export', 'ok', 200, 'C01', '12'], // a row a month, March 2025 to February 2026
      ['auditee', 'denied', 'denied', 403, null, null],
      [byRole.admin.user.username, 'admin', 'ok', 200, null, null],
      [null, 'denied', 'denied', 401, null, null],
    ]);
    expect(rows[2]).toMatchObject({ role: 'cio', user_org: 'C01', route: '/api/metrics/rollout', params: '{"level":"practice","to":"2026-02-28"}' });
    expect(rows[5]!.detail).toBe('changed user trudy: displayName=Trudy T');
    const everything = JSON.stringify(await auditRows());
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain('a wrong password typed here');
    expect(everything).not.toContain(byRole.admin.token);
  });

  it('is read and exported by admins, filtered', async () => {
    const res = await byRole.admin.request('/api/audit?username=alice&action=sign_in&outcome=failed&limit=5');
    const records = (await body(res)).records as { username: string; action: string; outcome: string }[];
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.username === 'alice' && r.action === 'sign_in' && r.outcome === 'failed')).toBe(true);
    const csv = await byRole.admin.request('/api/audit?format=csv&limit=3');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect((await csv.text()).split('\r\n')[0]).toBe('id,at,username,role,userOrg,action,method,route,params,org,rowCount,status,outcome,ip,detail');
    expect((await byRole.admin.request('/api/audit?action=nonsense')).status).toBe(400);
  });

  it("quotes a typed name that a spreadsheet would run as a formula", async () => {
    await signIn('=HYPERLINK("x")', 'whatever');
    const csv = await (await byRole.admin.request('/api/audit?format=csv&limit=1&action=sign_in')).text();
    expect(csv).toContain(`"'=hyperlink(""x"")"`);
  });
});

describe('the OpenAPI document', () => {
  it('describes every access route', async () => {
    const doc = (await body(await byRole.admin.request('/api/openapi.json'))) as { paths: Record<string, Record<string, unknown>> };
    const expected: [string, string][] = [
      ['/api/session', 'post'], ['/api/session', 'delete'], ['/api/me', 'get'], ['/api/sessions', 'get'], ['/api/sessions/{id}', 'delete'],
      ['/api/tokens', 'get'], ['/api/tokens', 'post'], ['/api/tokens/{id}', 'delete'], ['/api/users', 'get'], ['/api/users', 'post'],
      ['/api/users/{username}', 'patch'], ['/api/users/{username}/password', 'post'], ['/api/audit', 'get'],
      ['/api/sql/schema', 'get'], ['/api/sql/examples', 'get'], ['/api/sql', 'post'], ['/api/sql/queries/{queryId}', 'delete'],
      ['/api/sql/export', 'post'], ['/api/sql/saved', 'get'], ['/api/sql/saved', 'post'], ['/api/sql/saved/{id}', 'patch'],
      ['/api/sql/saved/{id}', 'delete'], ['/api/sql/history', 'get'],
    ];
    for (const [path, method] of expected) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    expect(doc.paths['/api/metrics/{name}']!.get).toMatchObject({ responses: { 401: {}, 403: {} } });
  });
});
