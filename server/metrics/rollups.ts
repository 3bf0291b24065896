import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { StoreError } from '../store/errors.js';
import { faultPoint } from '../store/faults.js';
import { getMeta, META, setMeta } from '../store/meta.js';
import { publications } from '../store/publications.js';
import { describeError } from '../store/redact.js';
import { loadSqlFiles, QUERIES_DIR } from '../store/sql-files.js';

/**
 * The rollup steps, in the order they run. Each is one file in queries/rollups/; later steps read
 * the tables (and session temp tables) of earlier ones, and the last one drops the temp tables.
 * Every step runs either over everything (a full rebuild) or over a scope (an incremental refresh):
 * see the pi_scoped* macros below.
 */
const ROLLUP_STEPS = [
  '01_facts',
  '02_patient',
  '03_uptake',
  '04_funnel',
  '05_activity_rows',
  '05_activity',
  '05_activity_write',
  '06_feeds_consent',
  '07_levels',
] as const;
/**
 * Run by an incremental refresh only: they work out its scope, and copy the change rows the levels
 * are summed from before the steps rewrite them (see the files).
 */
const SCOPE_STEPS = ['scope_patients', 'scope_periods', 'levels_before'] as const;
/**
 * An incremental refresh that maintains the usage rollups by difference runs these in place of
 * 05_activity_rows and 05_activity_write (see the files and usageByDifference).
 */
const DELTA_STEPS = ['delta_activity_rows', 'delta_activity_merge'] as const;
const DELTA_ROLLUP_STEPS = ROLLUP_STEPS.slice(2).map((step) =>
  step === '05_activity_rows' ? 'delta_activity_rows' : step === '05_activity_write' ? 'delta_activity_merge' : step,
);

type RollupFile = (typeof ROLLUP_STEPS)[number] | (typeof SCOPE_STEPS)[number] | (typeof DELTA_STEPS)[number];
let sql: Record<RollupFile, string> | undefined;

/** Loaded on first use, not at import time, so importing this module never touches the disk. */
function rollupSql() {
  sql ??= loadSqlFiles('rollups', [...ROLLUP_STEPS, ...SCOPE_STEPS, ...DELTA_STEPS]);
  return sql;
}

export interface RollupTiming {
  step: string;
  ms: number;
}

/** What a refresh did, for the import report, the log and the benchmark. */
export interface RollupRefresh {
  mode: 'full' | 'incremental';
  /** Why a refresh that could have been incremental rebuilt everything. */
  reason?: string;
  ms: number;
  steps: RollupTiming[];
  /** The scope of an incremental refresh: patients recomputed, and days in scope per family. */
  scope?: { patients: number; days: Record<string, number> };
  /**
   * How an incremental refresh brought the usage rollups up to date: by difference (a cost of the
   * batches' size), or by recomputing the periods in scope, saying why.
   */
  usage?: { by: 'difference' } | { by: 'periods'; reason: string };
}

export interface IncrementalOptions {
  /**
   * Above this share of all patients in scope, a full rebuild is cheaper than a scoped one
   * (a first load, a patient snapshot that moves many patients). 1 never falls back on size.
   */
  maxPatientShare?: number;
  /** Likewise for the share of the data's days the usage rollups would re-read (Infinity: never). */
  maxWindowShare?: number;
}

/**
 * How a refresh brings the rollups up to date: 'auto' (default) recomputes what the batches touched
 * and rebuilds everything when that is cheaper; 'full' rebuilds everything (the repair);
 * 'incremental' never falls back on size alone (the property test), only when it must.
 */
export type RollupMode = 'auto' | 'incremental' | 'full';

const DEFAULTS: Required<IncrementalOptions> = { maxPatientShare: 0.2, maxWindowShare: 0.5 };

/**
 * Rebuilds every precomputed rollup table (rollup_*) from the base tables. Called inside a
 * transaction by its callers (the importer, server start, tests), so readers never see half-built
 * rollups; it does not open or commit one itself. Clears rollup_pending: nothing is left to do.
 */
export async function refreshRollups(conn: DuckDBConnection): Promise<void> {
  await refreshRollupsTimed(conn);
}

export async function refreshRollupsTimed(conn: DuckDBConnection): Promise<RollupTiming[]> {
  return (await rebuildRollups(conn)).steps;
}

/** The full rebuild (the reference an incremental refresh must equal), saying why it ran. */
export async function rebuildRollups(conn: DuckDBConnection, reason?: string): Promise<RollupRefresh> {
  const started = performance.now();
  await defineLocalTimeMacro(conn);
  await defineScopeMacros(conn, 'full');
  // Steps maintained by difference subtract the scoped patients' rows as they were: none here
  // (also when an incremental refresh falls back after scope_patients filled it).
  await conn.run(`CREATE OR REPLACE TEMP TABLE t_patient_before AS SELECT * FROM rollup_patient LIMIT 0`);
  const steps: RollupTiming[] = [];
  for (const step of ROLLUP_STEPS) await runStep(conn, step, steps);
  await clearPending(conn);
  return { mode: 'full', ...(reason ? { reason } : {}), ms: Math.round(performance.now() - started), steps };
}

/** Nothing is left to do: the to-do list and the purged usage events kept for it. */
async function clearPending(conn: DuckDBConnection): Promise<void> {
  await conn.run(`DELETE FROM rollup_pending`);
  await conn.run(`DELETE FROM rollup_pending_purged`);
}

async function runStep(conn: DuckDBConnection, step: RollupFile, timings: RollupTiming[]): Promise<void> {
  const started = performance.now();
  await conn.run(rollupSql()[step]);
  timings.push({ step, ms: Math.round(performance.now() - started) });
}

async function scalar(conn: DuckDBConnection, query: string): Promise<unknown> {
  return (await conn.runAndReadAll(query)).getRows()[0]?.[0];
}

/**
 * Brings the rollups up to date with what rollup_pending says the batches since the last refresh
 * changed, recomputing only that (see queries/rollups/scope_*.sql); falls back to a full rebuild
 * when the change is one a scope does not cover (organisations, a new reference year for age
 * bands) or so large that rebuilding is cheaper. Like refreshRollups, runs inside the caller's
 * transaction and clears rollup_pending.
 */
export async function refreshRollupsIncremental(conn: DuckDBConnection, options: IncrementalOptions = {}): Promise<RollupRefresh> {
  const limits = { ...DEFAULTS, ...options };
  const started = performance.now();
  if (Number(await scalar(conn, `SELECT count(*) FROM rollup_pending WHERE patient_id IS NULL`)) > 0) {
    return rebuildRollups(conn, 'organisations changed');
  }
  const pendingPatients = Number(await scalar(conn, `SELECT count(DISTINCT patient_id) FROM rollup_pending`));
  const allPatients = Number(await scalar(conn, `SELECT count(*) FROM rollup_patient`));
  if (allPatients === 0 || pendingPatients > limits.maxPatientShare * allPatients) {
    return rebuildRollups(conn, `${pendingPatients} of ${allPatients} patients changed`);
  }

  await defineLocalTimeMacro(conn);
  await defineScopeMacros(conn, 'full');
  const steps: RollupTiming[] = [];
  await conn.run(`CREATE OR REPLACE TEMP TABLE t_facts_before AS SELECT * FROM rollup_facts`);
  await runStep(conn, '01_facts', steps);
  // Age bands are counted from the latest day's year (as 02_patient reads it): a new year moves most patients' bands.
  const newYear = await scalar(conn, `SELECT year(coalesce(o.latest_day, current_date)) <> year(coalesce(n.latest_day, current_date)) FROM t_facts_before o, rollup_facts n`);
  if (newYear !== false) return rebuildRollups(conn, 'the latest data day is in a new year (age bands)');

  await runStep(conn, 'scope_patients', steps);
  await defineScopeMacros(conn, 'incremental');
  await runStep(conn, '02_patient', steps);
  await runStep(conn, 'scope_periods', steps);
  const usage = await usageByDifference(conn);
  if (usage.by === 'periods') {
    const windowShare = Number(
      await scalar(
        conn,
        `SELECT (SELECT count(*) FROM t_scope_window WHERE scope_fam = 'usage') / greatest(1, (SELECT latest_day - first_day + 1 FROM rollup_facts))`,
      ),
    );
    if (windowShare > limits.maxWindowShare) return rebuildRollups(conn, `the usage rollups would re-read ${Math.round(windowShare * 100)}% of the days`);
  }
  await defineScopeMacros(conn, 'incremental', await windowStarts(conn));
  const scope = await scopeSize(conn);
  await runStep(conn, 'levels_before', steps);
  for (const step of usage.by === 'difference' ? DELTA_ROLLUP_STEPS : ROLLUP_STEPS.slice(2)) await runStep(conn, step, steps);
  await clearPending(conn);
  return { mode: 'incremental', ms: Math.round(performance.now() - started), steps, scope, usage };
}

/**
 * Whether this refresh can maintain the usage rollups by difference (delta_activity_*.sql), which
 * needs each changed patient's usage before the batches: their stored events but the new ones, and
 * the events objections purged (rollup_pending_purged). Not when the latest data day moved back
 * (lifecycle's dormant patients would leave periods no batch touched), nor when an event purged
 * since the last refresh was also inserted since, or purged twice (delivered again in between):
 * whether the rollups counted it is not known. Pending usage events always have an id: rows
 * recorded before migration 014 never reach an incremental refresh (the rollup SQL changed with it,
 * so the next refresh rebuilds everything). When it can, defines pi_delta_since(): the first instant whose events it reads for a
 * patient who changed only through new events (see delta_activity_rows.sql).
 */
async function usageByDifference(conn: DuckDBConnection): Promise<NonNullable<RollupRefresh['usage']>> {
  const row = (
    await conn.runAndReadAll(`
      SELECT (SELECT count(*) FROM (SELECT event_id FROM rollup_pending_purged GROUP BY event_id
                                      HAVING count(*) > 1 OR event_id IN (SELECT event_id FROM rollup_pending WHERE event_id IS NOT NULL))) AS unknown,
             o.latest_day IS NULL OR n.latest_day IS NULL OR n.latest_day < o.latest_day AS moved_back,
             -- the quarter before the earliest new event's: the period before each touched, in every grain
             (SELECT strftime(date_trunc('quarter', min(pi_day(occurred_at))) - INTERVAL 3 MONTH, '%Y-%m-%d')
              FROM rollup_pending WHERE source = 'usage_events') AS since
      FROM t_facts_before o, rollup_facts n`)
  ).getRows()[0];
  if (!row) return { by: 'periods', reason: 'no latest data day' };
  const [unknown, movedBack, since] = row;
  if (Number(unknown) > 0) return { by: 'periods', reason: 'a usage event was purged after a pending batch inserted it' };
  if (movedBack !== false) return { by: 'periods', reason: 'the latest data day moved back' };
  // No new events (only changed attributes): the patients it reads are read whole.
  const bound = since === null ? `TIMESTAMPTZ 'infinity'` : `TIMESTAMPTZ '${checkedDay(since)}' - INTERVAL 1 DAY`;
  await conn.run(`CREATE OR REPLACE TEMP MACRO pi_delta_since() AS (${bound})`);
  return { by: 'difference' };
}

/** A day as a macro's text may hold it: YYYY-MM-DD, checked. */
function checkedDay(day: unknown): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(String(day))) throw new Error('Unexpected rollup scope day');
  return String(day);
}

/** Fingerprint of the rollup SQL: a store built by older rollup code is rebuilt with the new. */
function rollupsFingerprint(): string {
  const dir = join(QUERIES_DIR, 'rollups');
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest('hex').slice(0, 16);
}

const SIZE_LIMITS: Record<RollupMode, IncrementalOptions> = {
  auto: {},
  incremental: { maxPatientShare: Infinity, maxWindowShare: Infinity },
  full: {},
};

/**
 * Brings the rollups up to date when the base tables moved on since the last refresh (also after a
 * crash between a batch commit and the refresh: rollup_pending still holds that batch's changes) or
 * when the rollup SQL changed since, and publishes the new data version with them, in one
 * transaction. Recomputes only what the batches touched where it can (refreshRollupsIncremental);
 * a store never refreshed, new rollup code, or `mode: 'full'` rebuild everything.
 * Returns what it did, or undefined when the rollups were already current.
 */
export async function refreshRollupsIfStale(conn: DuckDBConnection, mode: RollupMode = 'auto'): Promise<RollupRefresh | undefined> {
  const base = (await getMeta(conn, META.baseVersion)) ?? '0';
  const published = await getMeta(conn, META.dataVersion);
  const code = rollupsFingerprint();
  const sameCode = (await getMeta(conn, META.rollupsCode)) === code;
  if (published === base && sameCode && mode !== 'full') return undefined;
  faultPoint('before-rollups');
  await conn.run('BEGIN TRANSACTION');
  try {
    // rollup_pending only describes changes since rollups built by this code from a known version.
    const fullReason =
      mode === 'full' ? 'asked for' : published === undefined ? 'no rollups yet' : !sameCode ? 'the rollup SQL changed' : undefined;
    const refresh = fullReason ? await rebuildRollups(conn, fullReason) : await refreshRollupsIncremental(conn, SIZE_LIMITS[mode]);
    // A rebuild with new code changes answers too, so it must invalidate caches like new data.
    // Rebuilt answers on unchanged data (new code, a repair) must still invalidate caches like new data.
    const sameBase = published !== undefined && (published === base || published.startsWith(`${base}.`));
    const version = !sameBase ? base : mode === 'full' ? `${base}.${code}.${Date.now().toString(36)}` : `${base}.${code}`;
    await setMeta(conn, META.dataVersion, version);
    await setMeta(conn, META.rollupsCode, code);
    const servedAt = await markBatchesServed(conn);
    await publications.around(() => conn.run('COMMIT'));
    await correctServedAt(conn, servedAt);
    return refresh;
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw new StoreError(`Rebuilding the metric rollups failed: ${describeError(err)}`);
  }
}

/**
 * Stamps served_at on every batch these rollups include: the ones committed and not yet served,
 * as this transaction sees them (a batch committed after it began is in neither the rollups nor
 * the stamp). Done in the publishing transaction, so a batch is marked served exactly when the
 * data version that includes it is; batches loaded before migration 013 have no imported_at and
 * stay unmarked (their landing is not known). The clock, not now() (the transaction's start).
 */
async function markBatchesServed(conn: DuckDBConnection): Promise<string | undefined> {
  const servedAt = new Date().toISOString();
  const result = await conn.run(`UPDATE loaded_batches SET served_at = $1::TIMESTAMPTZ WHERE served_at IS NULL AND imported_at IS NOT NULL`, [servedAt]);
  return result.rowsChanged > 0 ? servedAt : undefined;
}

/**
 * Moves the stamp from just before the COMMIT to just after it: the API answers with the new
 * version only once the commit is done, and a full rebuild's commit writes every rollup table.
 * Best effort: should it fail, or the process die first, the stamp in the transaction stands, a
 * little early.
 */
async function correctServedAt(conn: DuckDBConnection, stamped: string | undefined): Promise<void> {
  if (stamped === undefined) return;
  await conn
    .run(`UPDATE loaded_batches SET served_at = $1::TIMESTAMPTZ WHERE served_at = $2::TIMESTAMPTZ`, [new Date().toISOString(), stamped])
    .catch(() => undefined);
}

/** One line for the log: how the rollups were brought up to date, and how long it took. */
export function describeRefresh(r: RollupRefresh): string {
  const seconds = `${(r.ms / 1000).toFixed(1)} s`;
  if (r.mode === 'full') return `full rebuild in ${seconds}${r.reason ? ` (${r.reason})` : ''}`;
  const days = Object.entries(r.scope?.days ?? {}).map(([fam, n]) => `${fam} ${n}`).join(', ');
  const usage = r.usage?.by === 'periods' ? `; usage by periods: ${r.usage.reason}` : r.usage ? '; usage by difference' : '';
  return `incremental refresh in ${seconds} (${r.scope?.patients ?? 0} patients; days in scope: ${days || 'none'}${usage})`;
}

async function scopeSize(conn: DuckDBConnection): Promise<RollupRefresh['scope']> {
  const patients = Number(await scalar(conn, `SELECT count(*) FROM t_scope_patients`));
  const rows = (await conn.runAndReadAll(`SELECT fam, count(*)::INTEGER FROM t_scope_days GROUP BY fam ORDER BY fam`)).getRows();
  return { patients, days: Object.fromEntries(rows.map(([fam, n]) => [String(fam), Number(n)])) };
}

/** The first day each family's window reads, as ISO dates (checked: they go into a macro's text). */
async function windowStarts(conn: DuckDBConnection): Promise<Record<string, string>> {
  const rows = (await conn.runAndReadAll(`SELECT scope_fam, strftime(min(scope_day), '%Y-%m-%d') FROM t_scope_window GROUP BY scope_fam`)).getRows();
  const starts: Record<string, string> = {};
  for (const [fam, day] of rows) {
    if (!/^[a-z]+$/.test(String(fam)) || !/^\d{4}-\d{2}-\d{2}$/.test(String(day))) throw new Error('Unexpected rollup scope window');
    starts[String(fam)] = String(day);
  }
  return starts;
}

/**
 * The scope macros every rollup step filters with. In a full rebuild they are TRUE (constant
 * folded away: the rebuild reads everything, as before). In an incremental refresh:
 *   pi_scoped_patient(id)        — rollup_patient rows recomputed (t_scope_patients);
 *   pi_scoped_practice(code)     — population recomputed (t_scope_practices);
 *   pi_scoped(family, grain, d)  — the key period starting d is recomputed (t_scope_periods);
 *   pi_scoped_at(family, ts)     — an event at ts is read (t_scope_window); the lower bound on ts
 *                                  is a constant so the scan skips older row groups;
 *   pi_scoped_enrolee(id)        — a patient's enrolment history is read for uptake (t_scope_enrolees);
 *   pi_full_rebuild()            — TRUE in a full rebuild: steps maintained by difference (04_funnel)
 *                                  empty their tables first, and only then.
 * The family is always a literal in the rollup SQL; the scope tables' columns are named unlike any
 * rollup column, because an argument substituted into a subquery would bind to a same-named column.
 */
async function defineScopeMacros(conn: DuckDBConnection, mode: 'full' | 'incremental', windowStart: Record<string, string> = {}): Promise<void> {
  const full = mode === 'full';
  const starts = Object.entries(windowStart)
    .map(([fam, day]) => `WHEN '${fam}' THEN TIMESTAMPTZ '${day}' - INTERVAL 1 DAY`)
    .join(' ');
  const lowerBound = starts ? `CASE fam_ ${starts} ELSE TIMESTAMPTZ 'infinity' END` : `TIMESTAMPTZ 'infinity'`;
  const macros = {
    pi_scoped_patient: ['id_', `id_ IN (SELECT patient_id FROM t_scope_patients)`],
    pi_scoped_practice: ['code_', `code_ IN (SELECT practice_code FROM t_scope_practices)`],
    pi_scoped: ['fam_, grain_, start_', `start_ IN (SELECT scope_start FROM t_scope_periods WHERE scope_fam = fam_ AND scope_grain = grain_)`],
    pi_scoped_at: [
      'fam_, ts_',
      `ts_ >= ${lowerBound} AND pi_day(ts_) IN (SELECT scope_day FROM t_scope_window WHERE scope_fam = fam_)`,
    ],
    pi_scoped_enrolee: ['id_', `id_ IN (SELECT patient_id FROM t_scope_enrolees)`],
    pi_full_rebuild: ['', 'FALSE'],
  } as const;
  for (const [name, [params, body]] of Object.entries(macros)) {
    await conn.run(`CREATE OR REPLACE TEMP MACRO ${name}(${params}) AS (${full ? 'TRUE' : body})`);
  }
}

/**
 * Defines pi_local_us(ts): microseconds since the epoch in Europe/London local time. Converting
 * 25M timestamps through ICU takes seconds; UK summer time is simply +1 hour between 01:00 UTC on
 * the last Sundays of March and October, so the boundaries are computed once per year (1970–2199)
 * and looked up by the year. The lists are numbers this function computes, never user input.
 */
async function defineLocalTimeMacro(conn: DuckDBConnection): Promise<void> {
  const lastSunday = (month: number) =>
    `epoch_us((make_date(y, ${month}, 31) - (isodow(make_date(y, ${month}, 31)) % 7)::INTEGER)::TIMESTAMP) + 3600000000`;
  const result = await conn.runAndReadAll(
    `SELECT list(${lastSunday(3)} ORDER BY y)::VARCHAR, list(${lastSunday(10)} ORDER BY y)::VARCHAR FROM range(1970, 2200) r(y)`,
  );
  const [starts, ends] = result.getRows()[0]!.map(String) as [string, string];
  if (!/^\[[0-9, ]+\]$/.test(starts) || !/^\[[0-9, ]+\]$/.test(ends)) throw new Error('Unexpected BST boundary lists');
  const yearIndex = `(epoch_us(ts) // 31556952000000 + 1)::INTEGER`;
  await conn.run(
    `CREATE OR REPLACE TEMP MACRO pi_local_us(ts) AS (epoch_us(ts) + CASE WHEN epoch_us(ts) >= (${starts}::BIGINT[])[${yearIndex}] ` +
      `AND epoch_us(ts) < (${ends}::BIGINT[])[${yearIndex}] THEN 3600000000 ELSE 0 END)`,
  );
  await conn.run(`CREATE OR REPLACE TEMP MACRO pi_day(ts) AS (DATE '1970-01-01' + (pi_local_us(ts) // 86400000000)::INTEGER)`);
  await conn.run(`CREATE OR REPLACE TEMP MACRO pi_hour(ts) AS ((pi_local_us(ts) % 86400000000) // 3600000000)::TINYINT`);
}
