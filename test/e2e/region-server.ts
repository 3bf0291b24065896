import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { build } from 'vite';
import { generateRegion } from '../../scripts/generate/index.js';
import { importLanding } from '../../server/ingest/index.js';
import { createApp } from '../../server/app.js';
import type { Role } from '../../server/auth/roles.js';
import { signedIn } from '../../server/auth/testing.js';
import { addUser, findUser } from '../../server/auth/users.js';
import { openStore, type Store } from '../../server/store/store.js';
import { mountDashboard } from '../../server/web-static.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** A user of the e2e region who signs in with a password, like a person. */
export interface E2eUser {
  username: string;
  password: string;
  role: Role;
  org: string;
}

export interface RegionServer {
  url: string;
  store: Store;
  /** People who sign in through the sign-in page: an admin, a commissioner, a CIO and an analyst at the ICB, a CIO at a CCG and one at a trust. */
  users: { admin: E2eUser; commissioner: E2eUser; cio: E2eUser; analyst: E2eUser; ccgCio: E2eUser; trustCio: E2eUser };
  /** The API as an admin's script would ask it (a Bearer token), for the tests' own look-ups. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** A fresh session cookie (name and value) for `user`, for a browser that should start signed in. */
  sessionCookie(user: E2eUser): Promise<{ name: string; value: string }>;
  /** The dashboard build being served. */
  distDir: string;
  /** Seconds spent generating, importing and building (for the test log). */
  setupSeconds: { generate: number; import: number; build: number };
  close(): Promise<void>;
}

/**
 * A small generated region (1% scale, a year of history, monthly batches) imported into a fresh
 * store, with the dashboard built into a temporary folder and served with the API on a free port:
 * the same pieces `npm start` puts together.
 */
export async function startRegionServer(options: { scale?: number; days?: number; seed?: number } = {}): Promise<RegionServer> {
  const dir = mkdtempSync(join(tmpdir(), 'portal-e2e-'));
  const landingDir = join(dir, 'landing');
  const distDir = join(dir, 'dist');

  let t = performance.now();
  await generateRegion({ out: landingDir, scale: options.scale ?? 0.01, days: options.days ?? 365, seed: options.seed ?? 20_190_401, batch: 'month', workers: 0 });
  const generate = (performance.now() - t) / 1000;

  t = performance.now();
  const store = await openStore({ path: join(dir, 'portal.duckdb') });
  const report = await importLanding({ store, landingDir, trigger: 'test', keyFile: join(dir, 'pseudonym.key'), log: () => {} });
  if (report.status !== 'succeeded') throw new Error(`The e2e region did not import: ${report.status}`);
  const imported = (performance.now() - t) / 1000;

  t = performance.now();
  await build({ configFile: join(REPO_ROOT, 'web/vite.config.ts'), logLevel: 'warn', build: { outDir: distDir, emptyOutDir: true } });
  const built = (performance.now() - t) / 1000;

  // No single sign-on here, whatever the environment says; the lockout is the default one.
  const app = createApp({ store });
  mountDashboard(app, distDir);

  // The people of the tests, with passwords (Argon2id, as for anyone), bound to organisations of
  // the generated region: its ICB, its first CCG and its first acute trust.
  const orgOf = async (type: string) =>
    store.withConnection(async (conn) => String((await conn.runAndReadAll(`SELECT min(org_code) FROM organisations WHERE org_type = '${type}'`)).getRows()[0]![0]));
  const [icb, ccg, trust] = [await orgOf('icb'), await orgOf('ccg'), await orgOf('trust')];
  const person = async (username: string, role: Role, org: string): Promise<E2eUser> => {
    const password = `e2e-${username}-correct-horse`;
    await store.withConnection((conn) => addUser(conn, { username, role, org, password, displayName: null }));
    return { username, password, role, org };
  };
  const users = {
    admin: await person('e2e-admin', 'admin', icb),
    commissioner: await person('e2e-commissioner', 'commissioner', icb),
    cio: await person('e2e-cio', 'cio', icb),
    analyst: await person('e2e-analyst', 'analyst', icb),
    ccgCio: await person('e2e-ccg-cio', 'cio', ccg),
    trustCio: await person('e2e-trust-cio', 'cio', trust),
  };
  const script = await signedIn(app, { role: 'admin', org: icb, username: 'e2e-script' });
  const sessionCookie = async (user: E2eUser) => {
    const found = await store.withConnection((conn) => findUser(conn, user.username));
    const session = await app.access.credentials.createSession(found!, 'password', { ip: '127.0.0.1', userAgent: 'e2e' });
    return { name: 'pi_session', value: session.token };
  };

  const server: ServerType = await new Promise((done) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => done(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    users,
    api: (path, init) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${script.token}`);
      return fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers });
    },
    sessionCookie,
    distDir,
    setupSeconds: { generate, import: imported, build: built },
    async close() {
      await new Promise<void>((done) => server.close(() => done()));
      await app.workbench.close();
      await app.access.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
