/**
 * Single sign-on end to end: the Portal app, served on a port of its own, signs people in through
 * a real OpenID Connect provider (`oidc-provider`, with its built-in development login and consent
 * forms) on another port. A small "browser" below follows redirects by hand, keeps cookies per
 * origin and path, and fills in the provider's forms, so every specification is a real round trip:
 * app → provider → app, with discovery, the code exchange, the ID token and userinfo.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import SwaggerParser from '@apidevtools/swagger-parser';
import { serve } from '@hono/node-server';
import Provider from 'oidc-provider';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../server/app.js';
import { Access } from '../../server/auth/access.js';
import { OidcError, identityFromClaims } from '../../server/auth/oidc.js';
import type { OidcSettings } from '../../server/auth/oidc-settings.js';
import { signedIn } from '../../server/auth/testing.js';
import { findUser, updateUser } from '../../server/auth/users.js';
import { openStore, type Store } from '../../server/store/store.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable } from '../../scripts/browser/chromium.js';

/** The provider's accounts: the dev login form takes any name, and that name is the account id. */
const ACCOUNTS: Record<string, Record<string, unknown>> = {
  alice: { email: 'Alice.Smith@nhs.net', email_verified: true, name: 'Alice Smith', portal_role: 'cio', portal_org: 'C01' },
  bob: { email: 'bob@nhs.net', email_verified: true, portal_role: 'analyst', portal_org: 'P01' },
  carol: { email: 'carol@nhs.net', email_verified: true, portal_role: 'superuser', portal_org: 'C01' },
  dave: { email: 'dave@nhs.net', email_verified: true, portal_role: 'commissioner', portal_org: 'ZZZ99' },
  erin: { email: 'erin@nhs.net', email_verified: true, portal_role: 'admin', portal_org: 'Q00' },
  frank: { email: 'frank@nhs.net', email_verified: true, portal_role: 'cio', portal_org: 'Q00' },
  gina: { email: 'gina@nhs.net', email_verified: true, portal_role: 'cio', portal_org: 'C02' },
  hana: { email: 'hana@nhs.net', email_verified: true, portal_role: 'analyst', portal_org: 'C02' },
};

/**
 * For the browser spec, the app is also reached as http://portal.test:<port> (Chromium maps the
 * name to 127.0.0.1): another site than the provider at 127.0.0.1, as in real life, so the
 * browser applies its SameSite rules to the trip back from the provider.
 */
const BROWSER_HOST = 'portal.test';

let store: Store;
let app: App;
/** The same app configured with the portal.test callback, answering requests for that host. */
let browserApp: App;
let browserOrigin: string;
let appServer: Server;
let providerServer: Server;
let appOrigin: string;
let issuer: string;
let settings: OidcSettings;
/** Every request the provider received (method and path): the browser's and the app's own. */
const providerRequests: string[] = [];

const listen = (server: Server) => new Promise<number>((done) => server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)));

beforeAll(async () => {
  store = await openStore({ path: ':memory:' });
  await store.withConnection((conn) =>
    conn.run(`INSERT INTO organisations VALUES
      ('Q00', 'Test ICB', 'icb', NULL, NULL, NULL, NULL, 'B1'),
      ('C01', 'North CCG', 'ccg', 'Q00', NULL, NULL, NULL, 'B1'),
      ('C02', 'South CCG', 'ccg', 'Q00', NULL, NULL, NULL, 'B1'),
      ('P01', 'Practice One', 'practice', 'C01', 100, NULL, NULL, 'B1')`),
  );

  // The app listens first (the provider must know its callback URL); it is built once both ports are known.
  let handler: (req: Request, env: unknown) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const appPort = await new Promise<number>((done) => {
    appServer = serve({ fetch: (req, env) => handler(req, env), port: 0, hostname: '127.0.0.1' }, (info) => done(info.port)) as Server;
  });
  appOrigin = `http://127.0.0.1:${appPort}`;
  browserOrigin = `http://${BROWSER_HOST}:${appPort}`;

  providerServer = createServer();
  issuer = `http://127.0.0.1:${await listen(providerServer)}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'portal-insights',
        client_secret: 'a-client-secret-for-the-tests-only',
        redirect_uris: [`${appOrigin}/api/auth/oidc/callback`, `${browserOrigin}/api/auth/oidc/callback`],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'], portal: ['portal_role', 'portal_org'] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, ...ACCOUNTS[id] }) }),
    cookies: { keys: ['cookie-key-for-the-tests-only'] },
  });
  providerServer.on('request', (req) => providerRequests.push(`${req.method} ${new URL(req.url!, issuer).pathname}`));
  providerServer.on('request', provider.callback());

  settings = {
    issuer,
    clientId: 'portal-insights',
    clientSecret: 'a-client-secret-for-the-tests-only',
    redirectUri: `${appOrigin}/api/auth/oidc/callback`,
    scope: 'openid email profile portal',
    roleClaim: 'portal_role',
    orgClaim: 'portal_org',
    usernameClaim: 'email',
    defaultRole: null,
    label: 'Sign in with the test provider',
    allowInsecure: true,
  };
  app = createApp({ store, access: new Access(store, { oidc: settings, sleep: async () => {} }) });
  browserApp = createApp({ store, access: new Access(store, { oidc: { ...settings, redirectUri: `${browserOrigin}/api/auth/oidc/callback` }, sleep: async () => {} }) });
  handler = (req, env) => (new URL(req.url).hostname === BROWSER_HOST ? browserApp : app).fetch(req, env as never);
});

afterAll(async () => {
  appServer?.closeAllConnections();
  providerServer?.closeAllConnections();
  await Promise.all([
    new Promise((done) => (appServer ? appServer.close(done) : done(null))),
    new Promise((done) => (providerServer ? providerServer.close(done) : done(null))),
  ]);
  await app?.access.close();
  await browserApp?.access.close();
  await store?.close();
});

// ---- a small browser: cookies per origin and path, redirects followed by hand ---------------------

interface Cookie {
  origin: string;
  path: string;
  name: string;
  value: string;
  attributes: string;
}

class Browser {
  cookies: Cookie[] = [];
  /** Every URL requested, in order. */
  trail: URL[] = [];

  cookieHeader(url: URL): string {
    return this.cookies
      .filter((k) => k.origin === url.origin && (url.pathname === k.path || url.pathname.startsWith(k.path.endsWith('/') ? k.path : `${k.path}/`)))
      .map((k) => `${k.name}=${k.value}`)
      .join('; ');
  }

  cookie(origin: string, name: string): Cookie | undefined {
    return this.cookies.find((k) => k.origin === origin && k.name === name);
  }

  private store(url: URL, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const attributes = attrs.map((a) => a.trim()).join('; ');
      const path = /(?:^|; )path=([^;]*)/i.exec(attributes)?.[1] ?? '/';
      this.cookies = this.cookies.filter((k) => !(k.origin === url.origin && k.name === name && k.path === path));
      const expired = /(?:^|; )max-age=(0|-\d+)\b/i.test(attributes) || (/(?:^|; )expires=([^;]*)/i.test(attributes) && Date.parse(/(?:^|; )expires=([^;]*)/i.exec(attributes)![1]!) < Date.now());
      if (!expired && value !== '') this.cookies.push({ origin: url.origin, path, name, value, attributes });
    }
  }

  async request(url: URL, init: { method?: string; body?: URLSearchParams } = {}): Promise<Response> {
    this.trail.push(url);
    const headers = new Headers();
    const cookie = this.cookieHeader(url);
    if (cookie) headers.set('cookie', cookie);
    if (init.body) headers.set('content-type', 'application/x-www-form-urlencoded');
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body, redirect: 'manual' });
    this.store(url, res);
    return res;
  }

  /**
   * Follows redirects from `start` and fills in the provider's forms (the login with `login`, then
   * consent) until an answer from the app that is not a redirect to the provider. `beforeCallback`
   * may change (or drop cookies before) the request to the app's callback.
   */
  async signIn(start: URL, login: string, beforeCallback?: (url: URL, browser: Browser) => URL): Promise<{ res: Response; url: URL; authorizationUrl: URL | null; callbackUrl: URL | null }> {
    let url = start;
    let init: { method?: string; body?: URLSearchParams } = {};
    let authorizationUrl: URL | null = null;
    let callbackUrl: URL | null = null;
    for (let step = 0; step < 20; step++) {
      if (url.origin === appOrigin && url.pathname === '/api/auth/oidc/callback') {
        if (beforeCallback) url = beforeCallback(url, this);
        callbackUrl = url;
      }
      const res = await this.request(url, init);
      init = {};
      if (url === callbackUrl) return { res, url, authorizationUrl, callbackUrl };
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const to = new URL(location, url);
        if (to.origin === issuer && to.pathname === '/auth' && !authorizationUrl) authorizationUrl = to;
        url = to;
        continue;
      }
      if (url.origin !== issuer) return { res, url, authorizationUrl, callbackUrl };
      // A page of the provider: its login or consent form.
      const html = await res.text();
      expect(res.status, html).toBe(200);
      const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(html)?.[1];
      expect(action, html).toBeDefined();
      const body = new URLSearchParams();
      for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) body.set(m[1]!, m[2]!);
      if (body.get('prompt') === 'login') {
        body.set('login', login);
        body.set('password', 'any');
      }
      url = new URL(action!.replace(/&amp;/g, '&'), url);
      init = { method: 'POST', body };
    }
    throw new Error(`Too many steps; trail: ${this.trail.map(String).join(' → ')}`);
  }
}

const loginUrl = (next = '/uptake?org=C01') => new URL(`/api/auth/oidc/login?next=${encodeURIComponent(next)}`, appOrigin);
const sessionCookie = (b: Browser) => b.cookie(appOrigin, 'pi_session');
const me = async (b: Browser) => {
  const url = new URL('/api/me', appOrigin);
  return fetch(url, { headers: { cookie: b.cookieHeader(url) } });
};
const userRow = (username: string) => store.withConnection((conn) => findUser(conn, username));
const signInAudit = async () => {
  await app.access.audit.flush();
  return app.access.audit.read({ action: 'sign_in', limit: 1000 });
};

describe('single sign-on with OpenID Connect', () => {
  it('signs a new user in: PKCE and nonce on the way out, a session with the claimed role and organisation on the way back', async () => {
    const b = new Browser();
    const { res, authorizationUrl, url } = await b.signIn(loginUrl(), 'alice');

    // The app discovered the provider, swapped the code at the token endpoint and, the ID token
    // carrying only what OIDC Core puts there for a code flow, read the rest from userinfo.
    expect(providerRequests).toEqual(expect.arrayContaining(['GET /.well-known/openid-configuration', 'POST /token', 'GET /me']));

    // The authorization request: code flow, PKCE S256, state and nonce.
    expect(authorizationUrl).not.toBeNull();
    const q = authorizationUrl!.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe('portal-insights');
    expect(q.get('redirect_uri')).toBe(`${appOrigin}/api/auth/oidc/callback`);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    // The callback answers with a page (not a redirect) that moves on to `next`, and sets the session cookie.
    expect(url.pathname).toBe('/api/auth/oidc/callback');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<meta http-equiv="refresh" content="0;url=/uptake?org=C01">');
    expect(html).toContain('href="/uptake?org=C01"');
    const session = sessionCookie(b);
    expect(session?.attributes).toMatch(/HttpOnly/i);
    expect(session?.attributes).toMatch(/SameSite=Strict/i);
    // The sign-in's own cookie is gone.
    expect(b.cookie(appOrigin, 'pi_oidc')).toBeUndefined();

    const who = await me(b);
    expect(who.status).toBe(200);
    expect(await who.json()).toMatchObject({ username: 'alice.smith@nhs.net', displayName: 'Alice Smith', role: 'cio', org: 'C01', orgName: 'North CCG', via: 'session' });

    const user = await userRow('alice.smith@nhs.net');
    expect(user).toMatchObject({ source: 'oidc', role: 'cio', org: 'C01', disabled: false });
    expect(user!.lastSignInAt).not.toBeNull();
    const hash = await store.withConnection(async (conn) => (await conn.runAndReadAll(`SELECT password_hash FROM users WHERE username = 'alice.smith@nhs.net'`)).getRows()[0]![0]);
    expect(hash).toBeNull();
  });

  it('keeps the sign-in state in a short-lived, httpOnly, SameSite=Lax cookie scoped to the sign-on routes', async () => {
    const b = new Browser();
    const res = await b.request(loginUrl());
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).origin).toBe(issuer);
    const cookie = b.cookie(appOrigin, 'pi_oidc');
    expect(cookie).toBeDefined();
    expect(cookie!.attributes).toMatch(/(^|; )Path=\/api\/auth\/oidc(;|$)/i);
    expect(cookie!.attributes).toMatch(/HttpOnly/i);
    expect(cookie!.attributes).toMatch(/SameSite=Lax/i);
    expect(cookie!.attributes).toMatch(/Max-Age=600\b/i);
    // Neither state, nonce nor the PKCE verifier is in it: only a random handle.
    expect(cookie!.value).not.toContain(new URL(res.headers.get('location')!).searchParams.get('state')!);
  });

  it('goes only to a path on this site after signing in', async () => {
    const b = new Browser();
    const { res } = await b.signIn(loginUrl('//evil.example/phish'), 'frank');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('content="0;url=/"');
  });

  it('updates a known user whose organisation (or role) the provider now gives differently', async () => {
    const first = new Browser();
    await first.signIn(loginUrl(), 'bob');
    expect(await userRow('bob@nhs.net')).toMatchObject({ role: 'analyst', org: 'P01', source: 'oidc' });
    expect(await (await me(first)).json()).toMatchObject({ org: 'P01' });

    ACCOUNTS.bob = { ...ACCOUNTS.bob, portal_org: 'C02', portal_role: 'commissioner' };
    const second = new Browser();
    const { res } = await second.signIn(loginUrl(), 'bob');
    expect(res.status).toBe(200);
    expect(await userRow('bob@nhs.net')).toMatchObject({ role: 'commissioner', org: 'C02' });
    expect(await (await me(second)).json()).toMatchObject({ username: 'bob@nhs.net', role: 'commissioner', org: 'C02' });
    // The earlier session now answers with the new scope too (what was remembered was dropped).
    expect(await (await me(first)).json()).toMatchObject({ role: 'commissioner', org: 'C02' });
  });

  it('refuses a role claim that names no role (with no default role), and opens no session', async () => {
    const b = new Browser();
    const { res, url } = await b.signIn(loginUrl(), 'carol');
    expect(url.pathname).toBe('/api/auth/oidc/callback');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/signin\?error=oidc_denied&next=/);
    expect(sessionCookie(b)).toBeUndefined();
    expect((await me(b)).status).toBe(401);
    expect(await userRow('carol@nhs.net')).toBeNull();
  });

  it('refuses an organisation claim that is not an organisation in the store', async () => {
    const b = new Browser();
    const { res } = await b.signIn(loginUrl(), 'dave');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/signin\?error=oidc_denied/);
    expect(sessionCookie(b)).toBeUndefined();
    expect(await userRow('dave@nhs.net')).toBeNull();
  });

  it('refuses a callback whose state was tampered with', async () => {
    const b = new Browser();
    const { res } = await b.signIn(loginUrl(), 'erin', (url) => {
      const forged = new URL(url);
      forged.searchParams.set('state', `${url.searchParams.get('state')}x`);
      return forged;
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/signin\?error=oidc&next=/);
    expect(sessionCookie(b)).toBeUndefined();
    expect(await userRow('erin@nhs.net')).toBeNull();
  });

  it('refuses a callback without the state cookie (a sign-in begun in another browser)', async () => {
    const b = new Browser();
    const { res } = await b.signIn(loginUrl(), 'erin', (url, browser) => {
      browser.cookies = browser.cookies.filter((k) => k.name !== 'pi_oidc');
      return url;
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/signin\?error=oidc&/);
    expect(sessionCookie(b)).toBeUndefined();
  });

  it('refuses a callback replayed with the same state cookie (each sign-in is used once)', async () => {
    const b = new Browser();
    let stateCookie = '';
    const { res, callbackUrl } = await b.signIn(loginUrl(), 'frank', (url, browser) => {
      stateCookie = browser.cookie(appOrigin, 'pi_oidc')!.value;
      return url;
    });
    expect(res.status).toBe(200);
    const replay = await fetch(callbackUrl!, { headers: { cookie: `pi_oidc=${stateCookie}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toMatch(/^\/signin\?error=oidc&/);
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('pi_session='))).toBe(false);
  });

  it('refuses a disabled user', async () => {
    const b = new Browser();
    expect((await b.signIn(loginUrl(), 'gina')).res.status).toBe(200);
    await store.withConnection((conn) => updateUser(conn, 'gina@nhs.net', { disabled: true }));

    const again = new Browser();
    const { res } = await again.signIn(loginUrl(), 'gina');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/signin\?error=oidc_denied/);
    expect(sessionCookie(again)).toBeUndefined();
  });

  it('does not sign into a local (password) account of the same name', async () => {
    await store.withConnection((conn) => conn.run(`INSERT INTO users (username, role, org_code) VALUES ('erin@nhs.net', 'commissioner', 'P01')`));
    const b = new Browser();
    const { res } = await b.signIn(loginUrl(), 'erin');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/signin\?error=oidc_denied/);
    expect(await userRow('erin@nhs.net')).toMatchObject({ source: 'local', role: 'commissioner', org: 'P01' });
  });

  it('writes an audit entry for each sign-in, successful or not', async () => {
    const rows = await signInAudit();
    const ok = rows.filter((r) => r.outcome === 'ok');
    expect(ok.map((r) => r.username)).toEqual(expect.arrayContaining(['alice.smith@nhs.net', 'bob@nhs.net', 'frank@nhs.net', 'gina@nhs.net']));
    for (const r of ok) expect(r).toMatchObject({ action: 'sign_in', detail: 'oidc', route: '/api/auth/oidc/callback', status: 200 });
    expect(ok.find((r) => r.username === 'alice.smith@nhs.net')).toMatchObject({ role: 'cio', userOrg: 'C01' });

    const denied = rows.filter((r) => r.outcome === 'denied');
    expect(denied.find((r) => r.username === 'carol@nhs.net')?.detail).toMatch(/^oidc: No role: .*superuser/);
    expect(denied.find((r) => r.username === 'dave@nhs.net')?.detail).toMatch(/ZZZ99.*not in the store/);
    expect(denied.find((r) => r.username === 'gina@nhs.net')?.detail).toMatch(/disabled/);
    expect(denied.find((r) => r.username === 'erin@nhs.net')?.detail).toMatch(/local account/);

    const failed = rows.filter((r) => r.outcome === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(3); // tampered state, missing cookie, replay
    expect(failed.some((r) => /state/i.test(r.detail ?? ''))).toBe(true);
    for (const r of rows) expect(JSON.stringify(r)).not.toContain('a-client-secret-for-the-tests-only');
  });

  it('sends people back to the sign-in page with a message when the provider cannot be reached', async () => {
    // A port that was free a moment ago: nothing answers there.
    const probe = createServer();
    const closedPort = await listen(probe);
    await new Promise((done) => probe.close(done));
    const nowhere = `http://127.0.0.1:${closedPort}`;
    const unreachable = createApp({ store, access: new Access(store, { oidc: { ...settings, issuer: nowhere }, sleep: async () => {} }) });
    const res = await unreachable.request('/api/auth/oidc/login?next=/rollout');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/signin?error=oidc&next=%2Frollout');
    await unreachable.access.audit.flush();
    const [entry] = await unreachable.access.audit.read({ action: 'sign_in', outcome: 'failed', limit: 1 });
    expect(entry?.detail).toContain(`Could not read the single sign-on provider's configuration from ${nowhere}`);
    await unreachable.access.close();
  });

  it('offers the button on the sign-in page and documents both routes', async () => {
    const page = await (await fetch(new URL('/signin?next=/uptake', appOrigin))).text();
    expect(page).toContain('href="/api/auth/oidc/login?next=%2Fuptake"');
    expect(page).toContain('Sign in with the test provider');
    const admin = await signedIn(app, { role: 'admin' });
    const doc = (await admin.request('/api/openapi.json').then((r) => r.json())) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/auth/oidc/login', '/api/auth/oidc/callback']));
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });
});

describe('in a browser', () => {
  it.skipIf(!chromiumAvailable())('lands signed in on the page asked for, though the way back came from another site', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${BROWSER_HOST} 127.0.0.1`],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${browserOrigin}/rollout`);
      expect(new URL(page.url()).pathname).toBe('/signin'); // signed out: sent to sign in first
      await page.getByRole('link', { name: 'Sign in with the test provider' }).click();
      await page.waitForURL((u) => u.origin === issuer);
      await page.fill('input[name=login]', 'hana');
      await page.fill('input[name=password]', 'any');
      await page.click('button[type=submit]');
      await page.getByRole('button', { name: 'Continue' }).click(); // consent
      // The callback's page moves on by itself; the SameSite=Strict session cookie goes with it,
      // so the gate lets /rollout through (it has no page in this API-only app: 404, not /signin).
      await page.waitForURL(`${browserOrigin}/rollout`, { timeout: 10_000 });
      const cookies = await page.context().cookies(browserOrigin);
      expect(cookies.find((k) => k.name === 'pi_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(cookies.find((k) => k.name === 'pi_oidc')).toBeUndefined();
      await page.goto(`${browserOrigin}/api/me`);
      expect(JSON.parse((await page.textContent('body'))!)).toMatchObject({ username: 'hana@nhs.net', role: 'analyst', org: 'C02' });
    } finally {
      await browser.close();
    }
  });
});

describe('reading a person from the claims', () => {
  const base = (): OidcSettings => ({ ...settings, defaultRole: null });
  const claims = (extra: Record<string, unknown>) => ({ sub: 'abc123', email: 'Pat@NHS.net', email_verified: true, portal_role: 'cio', portal_org: 'C01', ...extra });

  it('takes the username from the configured claim, in lower case, else preferred_username, else sub', () => {
    expect(identityFromClaims(base(), claims({})).username).toBe('pat@nhs.net');
    expect(identityFromClaims({ ...base(), usernameClaim: 'upn' }, claims({ upn: 'P.Jones@nhs.net' })).username).toBe('p.jones@nhs.net');
    expect(identityFromClaims(base(), claims({ email: undefined, preferred_username: 'PJones' })).username).toBe('pjones');
    expect(identityFromClaims(base(), claims({ email: undefined })).username).toBe('abc123');
    // An address the provider has not verified names nobody in particular.
    expect(identityFromClaims(base(), claims({ email_verified: false, preferred_username: 'pjones' })).username).toBe('pjones');
  });

  it('takes the most capable role from a list (Entra ID app roles), the default role when none is given, and refuses otherwise', () => {
    expect(identityFromClaims(base(), claims({ portal_role: ['Commissioner', 'Analyst', 'other'] })).role).toBe('analyst');
    expect(identityFromClaims({ ...base(), defaultRole: 'commissioner' }, claims({ portal_role: undefined })).role).toBe('commissioner');
    expect(identityFromClaims({ ...base(), defaultRole: 'commissioner' }, claims({ portal_role: 'superuser' })).role).toBe('commissioner');
    expect(() => identityFromClaims(base(), claims({ portal_role: undefined }))).toThrow(/sent no 'portal_role' claim/);
    expect(() => identityFromClaims(base(), claims({ portal_role: ['superuser'] }))).toThrow(OidcError);
  });

  it('needs one organisation code', () => {
    expect(identityFromClaims(base(), claims({ portal_org: ['P01'] })).org).toBe('P01');
    for (const portal_org of [undefined, '', ['C01', 'C02'], 'C01; DROP TABLE users']) {
      const err = (() => {
        try {
          identityFromClaims(base(), claims({ portal_org }));
        } catch (e) {
          return e as OidcError;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(OidcError);
      expect(err).toMatchObject({ kind: 'denied', username: 'pat@nhs.net' });
    }
  });
});
