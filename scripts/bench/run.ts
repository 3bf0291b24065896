/**
 * npm run bench [-- --only generate,ingest,rollups,metrics,sql,load,web] [--scale 1] [--scaling]
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
 *  - the full rollup rebuild, and the refresh after one weekly batch;
 *  - load: 200 connections for 30 s on the dashboard's main requests while a weekly batch imports
 *    (target 0 errors, p99 < 250 ms);
 *  - the dashboard's first view of Overview in headless Chromium, signed in (target < 1.5 s).
 * Writes data/bench/report.md and data/bench/results.json (data/bench/scale-<s>/ for --scale s).
 * --scaling runs generate + import, rollups and metrics at scales 0.25, 0.5, 1 and 2, each in a
 * process of its own (so each peak memory is its own), and reports the growth between steps.
 * The region and its store are kept in data/bench/ and reused by later runs.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore, type Store } from '../../server/store/store.js';
import { generateRegion } from '../generate/index.js';
import { importLanding } from '../../server/ingest/index.js';
import { describeRefresh, refreshRollupsIfStale, refreshRollupsTimed } from '../../server/metrics/rollups.js';
import { writeSyntheticBatch } from '../generate/synthetic-batch.js';
import { benchAccess, benchCredentials, benchMetrics, benchSignedRequests } from './metrics.js';
import { sqlLiteral } from '../../server/store/sql-literal.js';
import { benchSql } from './sql.js';
import { benchLoad } from './load.js';
import { writeWeeklyBatch } from './weekly-batch.js';

/** data/bench for the default scale 1; data/bench/scale-<s> for others, so each keeps its region. */
const BENCH_ROOT = resolve('data/bench');
const scaleArg = /--scale[= ](\S+)/.exec(process.argv.join(' '))?.[1];
const BENCH_DIR = scaleArg && Number(scaleArg) !== 1 ? join(BENCH_ROOT, `scale-${Number(scaleArg)}`) : BENCH_ROOT;
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

/** The machine-readable results (data/bench/results.json): what each section measured. */
interface BenchResults {
  scale: number;
  started_at: string;
  machine: { cores: number; node: string };
  /** Event rows in the region's store (all event tables). */
  events: number | null;
  generate_import: { generate_s: number | null; import_s: number | null; peak_rss_gb: number | null } | null;
  ingest: { ratio_native: number; importer_s: number; native_s: number } | null;
  rollups: {
    full_s: number | null;
    /** The refresh after a weekly batch on an idle server, as the importer chose it. */
    incremental_s: number | null;
    after_weekly_batch_mode: string | null;
    /** From the import's start to the refresh's commit: when the batch is visible (target ≤ 5 s). */
    weekly_batch_visible_s?: number | null;
    /** The same refresh during the load test (200 connections). */
    incremental_under_load_s?: number | null;
  } | null;
  metrics: { worst_ratio: number; worst_hot_p95_ms: number; signed_request_added_ms: number } | null;
  sql: { extract_build_s: number; extract_gb: number; worst_ratio: number; worst_kept_plan_ratio: number; worst_first_run_ratio: number } | null;
  load: { rps: number; p50_ms: number; p99_ms: number; max_ms: number; event_loop_p99_ms: number; event_loop_max_ms: number; errors: number; non2xx: number; timeouts: number; connections: number; duration_s: number; import_rows: number; import_run_s: number } | null;
  first_view_ms: number | null;
}
const results: BenchResults = {
  scale: 1,
  started_at: new Date().toISOString(),
  machine: { cores: 0, node: process.version },
  events: null,
  generate_import: null,
  ingest: null,
  rollups: null,
  metrics: null,
  sql: null,
  load: null,
  first_view_ms: null,
};
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
  const only = value('only')?.split(',') ?? ['generate', 'ingest', 'rollups', 'metrics', 'sql', 'load', 'web'];
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
    results.generate_import = { generate_s: genMs ? genMs / 1000 : null, import_s: importMs / 1000, peak_rss_gb: Number((process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)) };
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
    if (batch?.status !== 'succeeded') throw new Error(`The benchmark batch did not load: ${batch?.error ?? 'already loaded'}`);
    const rate = batch.rowsIn / (batch.durationMs / 1000);
    say(`- importer (validate + pseudonymise + de-duplicate + objections + write, atomic): ${seconds(batch.durationMs)} ` +
        `(${Math.round(rate).toLocaleString('en-GB')} rows/s) → **${(rate / nativeRate).toFixed(2)}× native** (target ≥ 0.5×; ` +
        `${(rate / (BIG_BATCH_EVENTS / (tempMs / 1000))).toFixed(2)}× the TEMP-table load)`);
    say(`- then rebuilding the rollups for the API: ${seconds(result.durationMs - batch.durationMs)}`);
    results.ingest = { ratio_native: Number((rate / nativeRate).toFixed(3)), importer_s: batch.durationMs / 1000, native_s: nativeMs / 1000 };
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
    results.metrics = { worst_ratio: worstRatio, worst_hot_p95_ms: worstHot, signed_request_added_ms: 0 };
    say();
    say('### The cost of a signed request');
    const signed = await benchSignedRequests(store);
    say('| request | p50 ms | p95 ms |');
    say('|---|---:|---:|');
    for (const r of signed) say(`| ${r.what} | ${r.p50Ms} | ${r.p95Ms} |`);
    const base = signed[0]!;
    const added = (r: { p50Ms: number }) => (r.p50Ms - base.p50Ms < 0.01 ? 'under 0.01 ms' : `${(r.p50Ms - base.p50Ms).toFixed(3)} ms`);
    results.metrics.signed_request_added_ms = Number(Math.max(0, signed[1]!.p50Ms - base.p50Ms, signed[2]!.p50Ms - base.p50Ms).toFixed(3));
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
    say('| example query | rows | direct p50 / p95 ms | POST /api/sql p50 / p95 ms | ratio | like for like: direct with its plan kept p50 ms, ratio | first run: API p50 ms, ratio |');
    say('|---|---:|---:|---:|---:|---:|---:|');
    for (const q of r.queries) {
      say(`| ${q.name} | ${q.rows} | ${q.directP50Ms} / ${q.directP95Ms} | ${q.apiP50Ms} / ${q.apiP95Ms} | ${q.ratio.toFixed(2)}× | ${q.keptPlanDirectP50Ms}, ${q.keptPlanRatio.toFixed(2)}× | ${q.firstRunApiP50Ms}, ${q.firstRunRatio.toFixed(2)}× |`);
    }
    const worstSql = Math.max(...r.queries.map((q) => q.ratio));
    say(`- worst ratio ${worstSql.toFixed(2)}× (target ≤ 1.3×): re-runs of the example's text, which the sandbox runs from the plan it kept; the direct run plans it each time`);
    say('- like for like: the direct side keeps its plan as the sandbox does, so the ratio is what the sandbox process, the API and JSON add to a planned query');
    say('- first run: a text the sandbox has never seen (a new comment each run): the statement check, parse and plan all happen, so this is the whole cost of the sandbox process, the API and JSON');
    results.sql = {
      extract_build_s: r.extractBuildMs / 1000,
      extract_gb: Number((r.extractBytes / 1e9).toFixed(3)),
      worst_ratio: worstSql,
      worst_kept_plan_ratio: Math.max(...r.queries.map((q) => q.keptPlanRatio)),
      worst_first_run_ratio: Math.max(...r.queries.map((q) => q.firstRunRatio)),
    };
  } finally {
    await store.close();
  }
  say();
}

/** A private copy of the base store, flushed to disk, for sections that write. */
async function workCopy(): Promise<Store> {
  copyFileSync(BASE_DB, WORK_DB);
  rmSync(`${WORK_DB}.wal`, { force: true });
  const copied = openSync(WORK_DB, 'r+');
  fsyncSync(copied);
  closeSync(copied);
  return openStore({ path: WORK_DB });
}

function dropWorkCopy(): void {
  rmSync(WORK_DB, { force: true });
  rmSync(`${WORK_DB}.wal`, { force: true });
}

/** The patients file of the first delivered batch: later synthetic batches use its patients. */
function firstPatientsFile(): string | undefined {
  const first = readdirSync(LANDING).filter((d) => !d.startsWith('.') && !d.startsWith('_')).sort()[0];
  const file = first ? readdirSync(join(LANDING, first)).find((f) => f.startsWith('patients')) : undefined;
  return first && file ? join(LANDING, first, file) : undefined;
}

async function benchRollups(): Promise<void> {
  say('## Rollups: the full rebuild (the reference and repair path)');
  const store = await workCopy();
  try {
    const timings = await store.withConnection(async (conn) => {
      await conn.run('BEGIN TRANSACTION');
      try {
        return await refreshRollupsTimed(conn);
      } finally {
        await conn.run('ROLLBACK');
      }
    });
    const fullMs = timings.reduce((n, t) => n + t.ms, 0);
    say(`- full rebuild ${seconds(fullMs)}: ${timings.map((t) => `${t.step} ${seconds(t.ms)}`).join(', ')}`);
    results.rollups = { ...(results.rollups ?? { incremental_s: null, after_weekly_batch_mode: null }), full_s: fullMs / 1000 };

    // Freshness: a weekly batch imported as the schedule would, nothing else running; the batch is
    // visible once the run's rollup refresh commits.
    const landing = mkdtempSync(join(tmpdir(), 'portal-bench-weekly-'));
    try {
      // A base store built by older rollup code is brought up to date first (not timed here).
      await store.withConnection((conn) => refreshRollupsIfStale(conn));
      const patients = firstPatientsFile();
      await writeWeeklyBatch(store, landing, patients ? { nhsNumbersFrom: patients } : {});
      const t0 = performance.now();
      const report = await importLanding({ store, landingDir: landing, trigger: 'bench', key: KEY, log: () => undefined });
      // Visible once the refresh commits (the run then folds the write-ahead log into the store).
      const visibleMs = report.visibleAfterMs ?? Math.round(performance.now() - t0);
      const batch = report.batches.find((b) => b.status !== 'skipped');
      const refresh = report.rollups;
      say(`- **a weekly batch of ${(batch?.rowsIn ?? 0).toLocaleString('en-GB')} events visible ${seconds(visibleMs)} after its import started** (target ≤ 5 s): ` +
          `batch ${seconds(batch?.durationMs ?? 0)}, rollups ${refresh ? describeRefresh(refresh) : 'not refreshed'}`);
      if (refresh) say(`- refresh steps: ${refresh.steps.map((t) => `${t.step} ${seconds(t.ms)}`).join(', ')}`);
      results.rollups = {
        ...results.rollups,
        incremental_s: refresh ? refresh.ms / 1000 : null,
        after_weekly_batch_mode: refresh ? `${refresh.mode}${refresh.reason ? `: ${refresh.reason}` : ''}` : null,
        weekly_batch_visible_s: visibleMs / 1000,
      };
    } finally {
      rmSync(landing, { recursive: true, force: true });
    }
  } finally {
    await store.close();
    dropWorkCopy();
  }
  say();
}

async function benchUnderLoad(): Promise<void> {
  say('## Load during an import (200 connections, 30 s, signed, compressed answers)');
  const store = await workCopy();
  try {
    const patients = firstPatientsFile();
    const r = await benchLoad(store, { key: KEY, ...(patients ? { nhsNumbersFrom: patients } : {}) });
    say(`- requests: ${r.paths.map((p) => `\`${p}\``).join(', ')}`);
    const refresh = r.import.rollups;
    say(`- meanwhile the server imported a weekly batch of ${r.import.rows.toLocaleString('en-GB')} events (${r.import.status}): batch ${seconds(r.import.batchMs)}, ` +
        `rollup refresh ${refresh ? `${refresh.mode} ${seconds(refresh.ms)}${refresh.reason ? ` (${refresh.reason})` : ''}` : 'none'}, the whole run ${seconds(r.import.runMs)}`);
    say(`- **${r.rps.toLocaleString('en-GB')} requests/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms** (target < 250 ms), max ${r.maxMs} ms; ` +
        `errors ${r.errors}, non-2xx ${r.non2xx}, timeouts ${r.timeouts} (target 0)`);
    say(`- the server's event loop ran late by ${r.eventLoop.meanMs} ms on average, p99 ${r.eventLoop.p99Ms} ms, at most ${r.eventLoop.maxMs} ms`);
    results.load = { rps: r.rps, p50_ms: r.p50Ms, p99_ms: r.p99Ms, max_ms: r.maxMs, event_loop_p99_ms: r.eventLoop.p99Ms, event_loop_max_ms: r.eventLoop.maxMs, errors: r.errors + r.timeouts, non2xx: r.non2xx, timeouts: r.timeouts, connections: r.connections, duration_s: r.durationS, import_rows: r.import.rows, import_run_s: r.import.runMs / 1000 };
    results.rollups = {
      ...(results.rollups ?? { full_s: null, incremental_s: null, after_weekly_batch_mode: null }),
      incremental_under_load_s: refresh ? refresh.ms / 1000 : null,
    };
  } finally {
    await store.close();
    dropWorkCopy();
  }
  say();
}

async function benchWeb(): Promise<void> {
  say('## Dashboard first view (Overview, headless Chromium, fresh profile each run)');
  const { chromiumAvailable } = await import('../browser/chromium.js');
  const { measureOverviewFirstView } = await import('../browser/first-view.js');
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
    const result = await measureOverviewFirstView(server.url, { runs: 5, session: { name: 'pi_session', value: cookie.cookie!.replace(/^pi_session=/, '') } });
    say(`- runs ${result.runsMs.join(', ')} ms → **median ${result.medianMs} ms** (target < 1,500 ms), ${result.requests} requests, signed in by session cookie`);
    results.first_view_ms = result.medianMs;
  } finally {
    await server.close();
    await store.close();
  }
  say();
}

const SCALING_STEPS = [0.25, 0.5, 1, 2];

/**
 * --scaling: generate + import, rollups and metrics at each scale, each in a process of its own
 * (so each peak memory is its own), then the growth from step to step next to the growth in rows
 * (target: no worse than linear in rows).
 */
async function benchScaling(): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const steps: BenchResults[] = [];
  for (const s of SCALING_STEPS) {
    console.log(`\n=== scale ${s} ===`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench/run.ts', '--scale', String(s), '--only', 'generate,rollups,metrics'], {
      stdio: 'inherit',
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' },
    });
    if (run.status !== 0) throw new Error(`the bench at scale ${s} failed (exit ${run.status})`);
    const dir = s === 1 ? BENCH_ROOT : join(BENCH_ROOT, `scale-${s}`);
    steps.push(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as BenchResults);
  }
  say('## Scaling (each scale in its own process; times in seconds, hot p95 in ms)');
  say('| scale | event rows | import s | peak RSS GB | full rollup rebuild s | worst hot p95 ms | worst route ratio |');
  say('|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of steps) {
    say(`| ${r.scale} | ${r.events?.toLocaleString('en-GB') ?? '—'} | ${r.generate_import?.import_s?.toFixed(1) ?? 'reused'} | ${r.generate_import?.peak_rss_gb ?? '—'} | ` +
        `${r.rollups?.full_s?.toFixed(1) ?? '—'} | ${r.metrics?.worst_hot_p95_ms ?? '—'} | ${r.metrics?.worst_ratio.toFixed(2) ?? '—'} |`);
  }
  say();
  say('| step | rows × | import time × | rollup rebuild × | peak memory × |');
  say('|---|---:|---:|---:|---:|');
  const x = (a: number | null | undefined, b: number | null | undefined) => (a && b ? `${(b / a).toFixed(2)}` : '—');
  for (let i = 1; i < steps.length; i++) {
    const a = steps[i - 1]!;
    const b = steps[i]!;
    say(`| ${a.scale} → ${b.scale} | ${x(a.events, b.events)} | ${x(a.generate_import?.import_s, b.generate_import?.import_s)} | ${x(a.rollups?.full_s, b.rollups?.full_s)} | ${x(a.generate_import?.peak_rss_gb, b.generate_import?.peak_rss_gb)} |`);
  }
  say('- linear in rows means each × equals the rows × (or is below it)');
  say();
  writeFileSync(join(BENCH_ROOT, 'scaling.json'), `${JSON.stringify(steps, null, 2)}\n`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--scaling')) {
    say(`# Portal Insights benchmark: scaling — ${new Date().toISOString()}`);
    await benchScaling();
    mkdirSync(BENCH_ROOT, { recursive: true });
    writeFileSync(join(BENCH_ROOT, 'scaling.md'), `${report.join('\n')}\n`);
    console.log(`\nscaling report written to ${join(BENCH_ROOT, 'scaling.md')}`);
    return;
  }
  const { only, scale } = parseArgs();
  say(`# Portal Insights benchmark — ${new Date().toISOString()}`);
  say(`Machine: ${(await import('node:os')).cpus().length} cores, Node ${process.version}`);
  say();
  results.scale = scale;
  results.machine.cores = (await import('node:os')).cpus().length;
  await ensureBaseStore(scale);
  {
    const store = await openStore({ path: BASE_DB });
    try {
      results.events = await count(store, `SELECT (SELECT count(*) FROM usage_events) + (SELECT count(*) FROM enrolment_events) + (SELECT count(*) FROM record_feeds) + (SELECT count(*) FROM consent_events)`);
    } finally {
      await store.close();
    }
  }
  if (only.includes('ingest')) await benchIngest();
  if (only.includes('rollups')) await benchRollups();
  if (only.includes('metrics')) await benchApi();
  if (only.includes('sql')) await benchSqlWorkbench();
  if (only.includes('load')) await benchUnderLoad();
  if (only.includes('web')) await benchWeb();
  mkdirSync(BENCH_DIR, { recursive: true });
  writeFileSync(join(BENCH_DIR, 'report.md'), `${report.join('\n')}\n`);
  writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nreport written to ${join(BENCH_DIR, 'report.md')}, results to ${join(BENCH_DIR, 'results.json')}`);
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});
