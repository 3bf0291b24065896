/**
 * npm run bench [-- --only generate,ingest,metrics,sql,web] [--scale 1]
 *
 * Measures the speed targets at North West London scale and writes data/bench/report.md:
 *  - generate + import of the whole region (target: under 10 minutes on 2 cores, < 4 GB);
 *  - ingest rows/s of a 5M-event batch into a store already holding 20M+ events, next to DuckDB's
 *    own read_csv → new table load of the same files in the same run (target ≥ 0.5×), with where
 *    the time goes;
 *  - every metric route in-process next to its bare SQL (target ≤ 1.3×, < 50 ms p95 hot), every
 *    request signed by the bench's own user (API token; the hot one also by session cookie), and
 *    what signing a request costs;
 *  - the SQL workbench: building the ICB's extract after an import, and three example queries
 *    through POST /api/sql next to the same SQL run directly on the extract (target ≤ 1.3×);
 *  - the dashboard's first view of Overview in headless Chromium, signed in (target < 1.5 s).
 * The region and its store are kept in data/bench/ and reused by later runs.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openStore, type Store } from '../../server/store/store.js';
import { generateRegion } from '../generate/index.js';
import { importLanding, refreshRollupsIfStale } from '../ingest/index.js';
import { writeSyntheticBatch } from './synthetic-batch.js';
import { benchAccess, benchCredentials, benchMetrics, benchSignedRequests } from './metrics.js';
import { sqlLiteral } from '../../server/store/sql-literal.js';
import { benchSql } from './sql.js';

const BENCH_DIR = resolve('data/bench');
const LANDING = join(BENCH_DIR, 'landing');
/**
 * PORTAL_BENCH_BASE points the API and dashboard measurements at a copy of a built base store, so
 * several people can measure at once without fighting over the store's write lock.
 */
const BASE_OVERRIDE = process.env.PORTAL_BENCH_BASE;
const BASE_DB = BASE_OVERRIDE ? resolve(BASE_OVERRIDE) : join(BENCH_DIR, 'base.duckdb');
/** Written once the base store holds the whole region; an interrupted import resumes. */
const BASE_READY = join(BENCH_DIR, 'base.ready');
const WORK_DB = join(BENCH_DIR, 'work.duckdb');
const BIG_BATCH_LANDING = join(BENCH_DIR, 'landing-5m');
const BIG_BATCH_EVENTS = 5_000_000;
const KEY = process.env.PORTAL_PSEUDO_KEY ?? 'portal-insights-benchmark-key-0001';

const report: string[] = [];
const say = (line = '') => {
  console.log(line);
  report.push(line);
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rss = () => `${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)} GB`;

function parseArgs() {
  const argv = process.argv.slice(2).filter((a) => a !== '--');
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = value('only')?.split(',') ?? ['generate', 'ingest', 'metrics', 'sql', 'web'];
  const scale = Number(value('scale') ?? 1);
  if (!(scale > 0)) throw new Error('--scale must be a positive number');
  return { only, scale };
}

async function count(store: Store, sql: string): Promise<number> {
  return store.withConnection(async (conn) => Number((await conn.runAndReadAll(sql)).getRows()[0]![0]));
}

/** The region at NWL scale, generated and imported once; timings reported when it is built. */
async function ensureBaseStore(scale: number): Promise<void> {
  if (BASE_OVERRIDE || existsSync(BASE_READY)) {
    say(`Base store: reusing ${BASE_DB} (delete data/bench/ to rebuild and re-time generation + import).`);
    return;
  }
  mkdirSync(BENCH_DIR, { recursive: true });
  say(`## Generate + import the region (scale ${scale})`);
  let genMs = 0;
  if (existsSync(join(LANDING, '_manifest.json'))) {
    say('- reusing the generated landing directory');
  } else {
    rmSync(LANDING, { recursive: true, force: true });
    rmSync(BASE_DB, { force: true });
    rmSync(`${BASE_DB}.wal`, { force: true });
    const genStart = Date.now();
    const summary = await generateRegion({ out: LANDING, scale });
    genMs = Date.now() - genStart;
    say(`- generated ${summary.patients.toLocaleString('en-GB')} patients, ${summary.batches} batches, ` +
        `${Object.values(summary.events).reduce((a, b) => a + b, 0).toLocaleString('en-GB')} event rows in ${seconds(genMs)} (peak RSS so far ${rss()})`);
  }
  if (existsSync(BASE_DB)) say('- resuming an interrupted import (batches commit one by one)');
  const store = await openStore({ path: BASE_DB });
  try {
    const importStart = Date.now();
    const result = await importLanding({ store, landingDir: LANDING, trigger: 'bench', key: KEY, log: (line) => console.log(`  ${line}`) });
    const importMs = Date.now() - importStart;
    const rows = result.batches.reduce((n, b) => n + b.rowsIn, 0);
    say(`- imported ${rows.toLocaleString('en-GB')} rows in ${seconds(importMs)} (${Math.round(rows / (importMs / 1000)).toLocaleString('en-GB')} rows/s), status ${result.status}`);
    say(`- **generate + import: ${seconds(genMs + importMs)}** (target < 600 s); peak RSS ${rss()} (target < 4 GB)`);
    if (result.status !== 'failed') writeFileSync(BASE_READY, new Date().toISOString());
  } finally {
    await store.close();
  }
  say();
}

async function benchIngest(): Promise<void> {
  say('## Ingest: a 5M-event batch into a store holding 20M+ events');
  copyFileSync(BASE_DB, WORK_DB);
  rmSync(`${WORK_DB}.wal`, { force: true });
  // The copy's hundreds of megabytes are written out now, not by the kernel during the timed loads.
  const copied = openSync(WORK_DB, 'r+');
  fsyncSync(copied);
  closeSync(copied);
  const store = await openStore({ path: WORK_DB });
  try {
    const held = await count(store, `SELECT (SELECT count(*) FROM usage_events) + (SELECT count(*) FROM enrolment_events) + (SELECT count(*) FROM record_feeds) + (SELECT count(*) FROM consent_events)`);
    say(`- store holds ${held.toLocaleString('en-GB')} events`);

    const batchDir = join(BIG_BATCH_LANDING, '2999-01-01T02-00Z');
    if (!existsSync(batchDir)) {
      // Real patients of the region (their NHS numbers from the generated patients file) using
      // real organisations, so lookups hit existing pseudonyms as in production.
      const patientsFile = readdirSync(join(LANDING, readdirSync(LANDING).filter((d) => !d.startsWith('.') && !d.startsWith('_')).sort()[0]!))
        .find((f) => f.startsWith('patients'));
      const firstBatch = readdirSync(LANDING).filter((d) => !d.startsWith('.') && !d.startsWith('_')).sort()[0]!;
      const orgs = await store.withConnection(async (conn) =>
        (await conn.runAndReadAll(`SELECT org_code FROM organisations WHERE org_type IN ('practice', 'trust', 'community') ORDER BY org_code`)).getRows().map((r) => String(r[0])),
      );
      await store.withConnection((conn) =>
        writeSyntheticBatch(conn, {
          dir: batchDir,
          events: BIG_BATCH_EVENTS,
          patients: 0,
          nhsNumbersFrom: patientsFile ? join(LANDING, firstBatch, patientsFile) : undefined,
          orgCodes: orgs,
          start: new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 19).replace('T', ' '),
          days: 29,
        }),
      );
    }
    const files = readdirSync(batchDir).map((f) => join(batchDir, f));

    // DuckDB's own plain load of the same files into a new table of the same store (what the
    // importer does, minus every rule), and into a TEMP table in memory for reference.
    const nativeLoad = (table: string) =>
      store.withConnection(async (conn) => {
        const started = Date.now();
        await conn.run(`CREATE ${table} native_load AS SELECT * FROM read_csv([${files.map(sqlLiteral).join(', ')}])`);
        const ms = Date.now() - started;
        await conn.run(`DROP TABLE native_load`);
        await conn.run(`CHECKPOINT`);
        return ms;
      });
    const tempMs = await nativeLoad('TEMP TABLE');
    const nativeMs = await nativeLoad('TABLE');
    const nativeRate = BIG_BATCH_EVENTS / (nativeMs / 1000);
    say(`- DuckDB read_csv → new table in the store: ${seconds(nativeMs)} (${Math.round(nativeRate).toLocaleString('en-GB')} rows/s); ` +
        `→ TEMP table in memory: ${seconds(tempMs)} (${Math.round(BIG_BATCH_EVENTS / (tempMs / 1000)).toLocaleString('en-GB')} rows/s)`);

    const result = await importLanding({ store, landingDir: BIG_BATCH_LANDING, trigger: 'bench', key: KEY, log: () => undefined });
    const batch = result.batches.find((b) => b.status !== 'skipped');
    if (!batch || batch.status !== 'succeeded') throw new Error(`The benchmark batch did not load: ${batch?.error ?? 'already loaded'}`);
    const rate = batch.rowsIn / (batch.durationMs / 1000);
    say(`- importer (validate + pseudonymise + de-duplicate + objections + write, atomic): ${seconds(batch.durationMs)} ` +
        `(${Math.round(rate).toLocaleString('en-GB')} rows/s) → **${(rate / nativeRate).toFixed(2)}× native** (target ≥ 0.5×; ` +
        `${(rate / (BIG_BATCH_EVENTS / (tempMs / 1000))).toFixed(2)}× the TEMP-table load)`);
    say(`- then rebuilding the rollups for the API: ${seconds(result.durationMs - batch.durationMs)}`);
    const totals = batch.steps;
    const all = Object.values(totals).reduce((a, b) => a + b, 0);
    say(`- where the importer's time goes: ${Object.entries(totals).sort((a, b) => b[1] - a[1]).map(([s, ms]) => `${s} ${seconds(ms)} (${Math.round((ms / all) * 100)}%)`).join(', ')}`);
  } finally {
    await store.close();
    rmSync(WORK_DB, { force: true });
    rmSync(`${WORK_DB}.wal`, { force: true });
  }
  say();
}

async function benchApi(): Promise<void> {
  say('## Metrics API at NWL scale (in-process route vs the bare SQL, same run)');
  const store = await openStore({ path: BASE_DB });
  try {
    // A store built by older rollup code is rebuilt first, as the server does at start.
    if (await store.withConnection((conn) => refreshRollupsIfStale(conn))) say('- rollups were stale and have been rebuilt');
    const rows = await benchMetrics(store);
    say('Every request is signed (access control is on): route and hot requests by an API token (`Authorization: Bearer`), the hot ones also by a session cookie.');
    say();
    say('| request | rows | SQL p50 / p95 ms | route p50 / p95 ms | ratio | hot p50 / p95 ms (token) | hot p50 / p95 ms (cookie) |');
    say('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      say(`| ${r.path} | ${r.rows} | ${r.sqlP50Ms} / ${r.sqlP95Ms} | ${r.routeP50Ms} / ${r.routeP95Ms} | ${r.ratio.toFixed(2)}× | ${r.hotP50Ms} / ${r.hotP95Ms} | ${r.hotCookieP50Ms} / ${r.hotCookieP95Ms} |`);
    }
    const worstRatio = Math.max(...rows.map((r) => r.ratio));
    const worstHot = Math.max(...rows.flatMap((r) => [r.hotP95Ms, r.hotCookieP95Ms]));
    say(`- worst ratio ${worstRatio.toFixed(2)}× (target ≤ 1.3×); worst hot p95 ${worstHot} ms, signed either way (target < 50 ms)`);
    say();
    say('### The cost of a signed request');
    const signed = await benchSignedRequests(store);
    say('| request | p50 ms | p95 ms |');
    say('|---|---:|---:|');
    for (const r of signed) say(`| ${r.what} | ${r.p50Ms} | ${r.p95Ms} |`);
    const base = signed[0]!;
    const added = (r: { p50Ms: number }) => (r.p50Ms - base.p50Ms < 0.01 ? 'under 0.01 ms' : `${(r.p50Ms - base.p50Ms).toFixed(3)} ms`);
    say(`- signing adds ${added(signed[1]!)} (token) / ${added(signed[2]!)} (cookie) at p50 over an unsigned request to the same route; ` +
        `the hot metric rows above include it and the (batched) audit entry`);
  } finally {
    await store.close();
  }
  say();
}

async function benchSqlWorkbench(): Promise<void> {
  say('## SQL workbench at NWL scale');
  const store = await openStore({ path: BASE_DB });
  try {
    const r = await benchSql(store);
    say(`- building the ICB's extract (${r.scope}) from the store after an import: ${seconds(r.extractBuildMs)}, ${(r.extractBytes / 1e9).toFixed(2)} GB`);
    say();
    say('| example query | rows | direct p50 / p95 ms | POST /api/sql p50 / p95 ms | ratio |');
    say('|---|---:|---:|---:|---:|');
    for (const q of r.queries) say(`| ${q.name} | ${q.rows} | ${q.directP50Ms} / ${q.directP95Ms} | ${q.apiP50Ms} / ${q.apiP95Ms} | ${q.ratio.toFixed(2)}× |`);
    say(`- worst ratio ${Math.max(...r.queries.map((q) => q.ratio)).toFixed(2)}× (target ≤ 1.3×): the API's time includes the sandbox process (IPC), the statement check and JSON`);
  } finally {
    await store.close();
  }
  say();
}

async function benchWeb(): Promise<void> {
  say('## Dashboard first view (Overview, headless Chromium, fresh profile each run)');
  const { chromiumAvailable } = await import('../../test/e2e/browser.js');
  if (!chromiumAvailable()) {
    say('- skipped: /usr/bin/chromium is not installed (apt-get install -y chromium)');
    return;
  }
  const { startServer } = await import('../../server/main.js');
  const { build } = await import('vite');
  await build({ configFile: resolve('web/vite.config.ts'), logLevel: 'warn' });
  const store = await openStore({ path: BASE_DB });
  // The browser is signed in as the bench user: its session cookie is in each fresh profile, as
  // for someone who signed in earlier and opens the dashboard with an empty cache.
  const access = benchAccess(store);
  const { cookie } = await benchCredentials(access);
  await access.close();
  const server = await startServer({ store, port: 0, cron: 'off' });
  try {
    const result = await measureSignedFirstView(server.url, cookie.cookie!.replace(/^pi_session=/, ''), 5);
    say(`- runs ${result.runsMs.join(', ')} ms → **median ${result.medianMs} ms** (target < 1,500 ms), ${result.requests} requests, signed in by session cookie`);
  } finally {
    await server.close();
    await store.close();
  }
  say();
}

/**
 * test/e2e/first-view.ts's measurement with a session cookie placed in each fresh profile before
 * the page is opened (over plain HTTP the cookie is pi_session; httpOnly, SameSite=Strict).
 */
async function measureSignedFirstView(baseUrl: string, sessionToken: string, runs: number): Promise<{ runsMs: number[]; medianMs: number; requests: number }> {
  const { launchBrowser } = await import('../../test/e2e/browser.js');
  const { OVERVIEW_READY_SCRIPT } = await import('../../test/e2e/first-view.js');
  const runsMs: number[] = [];
  let requests = 0;
  for (let i = 0; i < runs; i++) {
    const browser = await launchBrowser();
    try {
      await browser.context.addCookies([{ name: 'pi_session', value: sessionToken, url: baseUrl, httpOnly: true, sameSite: 'Strict' }]);
      const page = await browser.context.newPage();
      let count = 0;
      page.on('request', () => (count += 1));
      await page.goto(new URL('/', baseUrl).toString(), { waitUntil: 'commit' });
      await page.waitForFunction(OVERVIEW_READY_SCRIPT, undefined, { timeout: 30_000, polling: 'raf' });
      runsMs.push(Math.round(await page.evaluate(() => performance.now())));
      requests = count;
    } finally {
      await browser.close();
    }
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return { runsMs, medianMs: sorted[Math.floor(sorted.length / 2)]!, requests };
}

async function main(): Promise<void> {
  const { only, scale } = parseArgs();
  say(`# Portal Insights benchmark — ${new Date().toISOString()}`);
  say(`Machine: ${(await import('node:os')).cpus().length} cores, Node ${process.version}`);
  say();
  await ensureBaseStore(scale);
  if (only.includes('ingest')) await benchIngest();
  if (only.includes('metrics')) await benchApi();
  if (only.includes('sql')) await benchSqlWorkbench();
  if (only.includes('web')) await benchWeb();
  mkdirSync(BENCH_DIR, { recursive: true });
  writeFileSync(join(BENCH_DIR, 'report.md'), report.join('\n') + '\n');
  console.log(`\nreport written to ${join(BENCH_DIR, 'report.md')}`);
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});
