/**
 * Metric API benchmark: each metric's route run in-process (app.request) next to the same SQL run
 * directly on DuckDB with the same parameters, in the same run. Reports p50/p95 of both, their
 * ratio (the API's overhead: parameter checks, facts, disclosure control, JSON; target <= 1.3x)
 * and the hot (cached by data version) route's p50/p95 (target < 50 ms p95). Every request is
 * signed, as the server requires: by a bench user's API token (Authorization: Bearer), and the hot
 * route also by a session cookie; benchSignedRequests() measures what signing itself costs.
 * `npm run bench` wires this in; it can also be run alone:
 *   npx tsx scripts/bench/metrics.ts [path/to/store.duckdb]
 */
import type { Store } from '../../server/store/store.js';
import { createApp, type App } from '../../server/app.js';
import { Access } from '../../server/auth/access.js';
import { Credentials, revokeAllDirect } from '../../server/auth/sessions.js';
import { addUser, findUser, updateUser } from '../../server/auth/users.js';
import { CATALOGUE, METRIC_NAMES, type MetricName } from '../../server/metrics/catalogue.js';
import { bindValues, loadMetricSql, type ResolvedParams } from '../../server/metrics/query.js';
import { loadSavingsModel } from '../../server/metrics/savings-model.js';
import { percentile, time, timePair, warmResponseReading } from './timing.js';

export interface MetricBenchRow {
  metric: MetricName;
  path: string;
  rows: number;
  sqlP50Ms: number;
  sqlP95Ms: number;
  routeP50Ms: number;
  routeP95Ms: number;
  /** routeP50 / sqlP50: the API's overhead over the bare query. */
  ratio: number;
  /** The hot route signed with an API token (Authorization: Bearer). */
  hotP50Ms: number;
  hotP95Ms: number;
  /** The same hot request signed with a session cookie instead. */
  hotCookieP50Ms: number;
  hotCookieP95Ms: number;
}

export interface BenchMetricsOptions {
  /** Timed runs per measurement (after one warm-up). */
  iterations?: number;
  /** Requests to time; default: each metric with its defaults, plus a few common variants. */
  paths?: string[];
}

const DEFAULT_PATHS: string[] = [
  ...METRIC_NAMES.map((name) => `/api/metrics/${name}`),
  '/api/metrics/uptake?level=practice',
  '/api/metrics/uptake?by=imd_decile',
  '/api/metrics/active_users?grain=week',
  '/api/metrics/active_users?by=age_band',
  '/api/metrics/rollout?level=practice',
];

/** The latest reporting day, as the API binds it ($latest). */
async function latestDay(store: Store, latestEventAt: string | null): Promise<string | null> {
  if (!latestEventAt) return null;
  return store.withConnection(async (conn) => {
    const row = (await conn.runAndReadAll(`SELECT latest_day::VARCHAR FROM rollup_facts LIMIT 1`)).getRows()[0];
    return row ? String(row[0]) : null;
  });
}

/** The bench's own user: an analyst bound to the region's root, so every request is in scope. */
const BENCH_USER = 'bench-analyst';

export interface BenchCredentials {
  username: string;
  /** Headers of a request signed with an API token, and of one signed with a session cookie. */
  token: Record<string, string>;
  cookie: Record<string, string>;
  tokenSecret: string;
}

/**
 * Creates (or reuses) the bench user and gives it a fresh API token and session. The user's
 * earlier tokens and sessions are revoked first, so repeated runs do not pile them up.
 */
export async function benchCredentials(access: Access): Promise<BenchCredentials> {
  const user = await access.store.withConnection(async (conn) => {
    const existing = await findUser(conn, BENCH_USER);
    if (existing) {
      await conn.run(`UPDATE api_tokens SET revoked_at = now() WHERE user_id = $u AND revoked_at IS NULL`, { u: existing.id } as never);
      await revokeAllDirect(conn, existing.id);
      return existing.disabled || existing.role !== 'analyst' ? updateUser(conn, BENCH_USER, { disabled: false, role: 'analyst' }) : existing;
    }
    const root = (
      await conn.runAndReadAll(`SELECT org_code FROM organisations WHERE parent_code IS NULL ORDER BY (org_type = 'icb') DESC, org_code LIMIT 1`)
    ).getRows()[0]?.[0];
    if (root === undefined) throw new Error('The bench store has no organisations: nothing to measure.');
    return addUser(conn, { username: BENCH_USER, role: 'analyst', org: String(root), password: null, displayName: 'npm run bench' });
  });
  const { token } = await access.credentials.createToken(user, 'npm run bench');
  const session = await access.credentials.createSession(user, 'password', { ip: 'bench', userAgent: 'npm run bench' });
  return {
    username: user.username,
    token: { authorization: `Bearer ${token}` },
    cookie: { cookie: `pi_session=${session.token}` },
    tokenSecret: token,
  };
}

/** One Access for the bench's apps: the environment's sign-in settings do not matter here. */
export function benchAccess(store: Store): Access {
  return new Access(store, { oidc: null });
}

export async function benchMetrics(store: Store, options: BenchMetricsOptions = {}): Promise<MetricBenchRow[]> {
  // 60 interleaved pairs: with 20, the p50 of a 20 ms request moved by ±15% between runs on a
  // shared 2-core machine, more than the overhead being measured.
  const iterations = options.iterations ?? 60;
  const access = benchAccess(store);
  try {
    return await benchMetricsWith(store, access, iterations, options.paths ?? DEFAULT_PATHS);
  } finally {
    await access.close(); // the audit entries of every timed request, written before the store closes
  }
}

async function benchMetricsWith(store: Store, access: Access, iterations: number, paths: string[]): Promise<MetricBenchRow[]> {
  const cold = createApp({ store, cacheEntries: 0, access });
  const hot = createApp({ store, access });
  const signed = await benchCredentials(access);
  const get = (app: App, path: string, headers: Record<string, string> = signed.token) => Promise.resolve(app.request(path, { headers }));
  const sql = loadMetricSql();
  const model = loadSavingsModel().sqlParam;
  const results: MetricBenchRow[] = [];
  await warmResponseReading();

  for (const path of paths) {
    const name = decodeURIComponent(path.split('?')[0]!.split('/').pop()!) as MetricName;
    const first = await get(cold, path);
    if (first.status !== 200) throw new Error(`${path} answered ${first.status}: ${await first.text()}`);
    const body = (await first.json()) as { params: ResolvedParams; rows: unknown[] };
    const latest = (body as unknown as { asOf: { latestEventAt: string | null } }).asOf.latestEventAt;
    const values = bindValues(name, body.params, { model: CATALOGUE[name].needsModel ? model : null, latest: await latestDay(store, latest) });

    // The bare SQL: the same statement text and bound values the route runs, with its result read
    // into JavaScript values by DuckDB's own reader (what any Node client of the store must do), so
    // the ratio is what the API adds: validation, disclosure control, JSON and HTTP.
    const [sqlSamples, routeSamples] = await timePair(
      iterations,
      () => store.withConnection(async (conn) => (await conn.runAndReadAll(sql[name].text, values)).getColumnsJS()),
      async () => (await get(cold, path)).arrayBuffer(),
    );
    // The hot request signed both ways, interleaved.
    const [hotSamples, hotCookieSamples] = await timePair(
      iterations,
      async () => (await get(hot, path, signed.token)).arrayBuffer(),
      async () => (await get(hot, path, signed.cookie)).arrayBuffer(),
    );

    const sqlP50 = percentile(sqlSamples, 50);
    const routeP50 = percentile(routeSamples, 50);
    results.push({
      metric: name,
      path,
      rows: body.rows.length,
      sqlP50Ms: sqlP50,
      sqlP95Ms: percentile(sqlSamples, 95),
      routeP50Ms: routeP50,
      routeP95Ms: percentile(routeSamples, 95),
      ratio: Math.round((routeP50 / Math.max(sqlP50, 0.01)) * 100) / 100,
      hotP50Ms: percentile(hotSamples, 50),
      hotP95Ms: percentile(hotSamples, 95),
      hotCookieP50Ms: percentile(hotCookieSamples, 50),
      hotCookieP95Ms: percentile(hotCookieSamples, 95),
    });
  }
  return results;
}

export interface SignedRequestRow {
  what: string;
  p50Ms: number;
  p95Ms: number;
}

/**
 * What signing a request costs, apart from the route: the smallest route (`/api/live`, which a
 * stranger may call too) sent unsigned, with a token and with a cookie, interleaved, so the
 * differences are the gate's work for a signed request (finding the principal, remembered for
 * 15 s per credential); and a credential's first use (a store lookup, then remembered), timed
 * on fresh credential caches. The hot metric rows above include the gate and the audit entry.
 */
export async function benchSignedRequests(store: Store, options: { iterations?: number } = {}): Promise<SignedRequestRow[]> {
  const iterations = options.iterations ?? 600;
  const access = benchAccess(store);
  try {
    const app = createApp({ store, access });
    const signed = await benchCredentials(access);
    const live = (headers: Record<string, string>) => async () => (await app.request('/api/live', { headers })).arrayBuffer();
    const [unsigned, token] = await timePair(iterations, live({}), live(signed.token));
    const [unsigned2, cookie] = await timePair(iterations, live({}), live(signed.cookie));
    const firstUse = await time(Math.min(iterations, 100), async () => {
      const fresh = new Credentials(store, access.credentials.policy);
      if (!(await fresh.resolveToken(signed.tokenSecret))) throw new Error('the bench token was not accepted');
    });
    // Each fresh cache also records the token's use, off the request's path: let those writes land.
    await new Promise((done) => setTimeout(done, 300));
    // In microseconds' precision: the differences are that small.
    const row = (what: string, samples: number[]): SignedRequestRow => ({ what, p50Ms: percentile(samples, 50, 3), p95Ms: percentile(samples, 95, 3) });
    return [
      row('GET /api/live, not signed', [...unsigned, ...unsigned2]),
      row('GET /api/live, API token (Bearer)', token),
      row('GET /api/live, session cookie', cookie),
      row("a credential's first use (store lookup; then remembered 15 s)", firstUse),
    ];
  } finally {
    await access.close();
  }
}

// Run alone: npx tsx scripts/bench/metrics.ts [store path] [request path …]
// The store is opened for writing so that pending migrations are applied and stale rollups rebuilt
// (a read-only open of a store from older code fails on the missing tables); point it at a copy of
// data/bench/base.duckdb, never at the original, when the layout changed.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { openStore, storePath } = await import('../../server/store/store.js');
  const [path, ...paths] = process.argv.slice(2);
  const store = await openStore({ path: path ?? process.env.PORTAL_BENCH_BASE ?? storePath() });
  try {
    const started = performance.now();
    if (await store.withConnection(async (conn) => (await import('../../server/metrics/rollups.js')).refreshRollupsIfStale(conn))) {
      console.log(`rollups rebuilt for this code in ${Math.round(performance.now() - started)} ms`);
    }
    console.table(await benchMetrics(store, paths.length > 0 ? { paths } : {}));
    console.table(await benchSignedRequests(store));
  } finally {
    await store.close();
  }
}
