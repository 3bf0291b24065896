/**
 * Shared plumbing for the importer specification tests: temp landing dirs and stores, a wrapper
 * around importLanding with a fixed clock and key, table snapshots, and a CLI runner.
 * Nothing here knows how the importer works inside; it only uses the documented interface.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { csvLine } from '../../../server/csv/csv-writer.js';
import { openStore, type Store } from '../../../server/store/store.js';
import { importLanding } from '../../../server/ingest/index.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** A byte-exact copy of /work/shared/contract/sample-batch (checked by sample-batch.test.ts). */
export const SAMPLE_BATCH_DIR = join(REPO_ROOT, 'test/fixtures/ingest/sample-batch');
export const CONTRACT_SAMPLE_DIR = '/work/shared/contract/sample-batch';
export const FIXTURES_DIR = join(REPO_ROOT, 'test/fixtures/ingest');

/** The clock for "future timestamp" checks in every test. */
export const NOW = new Date('2026-11-24T03:00:00Z');
export const TEST_KEY = 'spec-test-pseudonymisation-key-7f3a9c';

/** The import report as documented in the importer interface. */
export interface FileReport {
  fileName: string;
  kind: string;
  rowsIn: number;
  loaded: number;
  duplicates: number;
  quarantined: number;
  withheld: number;
}
export interface BatchReport {
  batchId: string;
  status: 'succeeded' | 'failed' | 'skipped';
  error?: string;
  rowsIn: number;
  loaded: number;
  duplicates: number;
  quarantined: number;
  withheld: number;
  files: FileReport[];
}
export interface ImportReport {
  runId: string;
  status: 'succeeded' | 'failed' | 'nothing-to-do';
  batches: BatchReport[];
}

/** The tables the importer fills (schema 001). */
export const STORE_TABLES = [
  'organisations',
  'campaigns',
  'programme_costs',
  'patients',
  'enrolment_events',
  'usage_events',
  'record_feeds',
  'consent_events',
  'objection_episodes',
  'loaded_batches',
  'ingest_runs',
  'ingest_files',
  'quarantine',
] as const;

/** The tables whose contents are the delivered data (run bookkeeping excluded). */
export const DATA_TABLES = [
  'organisations',
  'campaigns',
  'programme_costs',
  'patients',
  'enrolment_events',
  'usage_events',
  'record_feeds',
  'consent_events',
  'objection_episodes',
  'quarantine',
] as const;

const tempDirs: string[] = [];

export function makeTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ingest-spec-${label}-`));
  tempDirs.push(dir);
  return dir;
}

/** A temp dir (removed by removeTempDirs) with the path of a landing directory inside it. */
export function tempLanding(label: string): { dir: string; landing: string } {
  const dir = makeTempDir(label);
  return { dir, landing: join(dir, 'landing') };
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function dbPathIn(dir: string): string {
  return join(dir, 'store.duckdb');
}

export async function openTestStore(dir: string): Promise<Store> {
  return openStore({ path: dbPathIn(dir), threads: 1 });
}

/** Copies a folder of files (flat) into landingDir/batchId, writable (the contract copy is read-only). */
export function copyBatch(fromDir: string, landingDir: string, batchId: string): string {
  const target = join(landingDir, batchId);
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(fromDir)) {
    if (name.startsWith('.')) continue;
    writeFileSync(join(target, name), readFileSync(join(fromDir, name)));
  }
  return target;
}

/** Writes a batch folder from { fileName: contents }. */
export function writeBatch(landingDir: string, batchId: string, files: Record<string, string | Buffer>): string {
  const target = join(landingDir, batchId);
  mkdirSync(target, { recursive: true });
  for (const [name, contents] of Object.entries(files)) writeFileSync(join(target, name), contents);
  return target;
}

/** A CSV file (LF line endings, header first). Values containing , " or newlines are quoted (RFC 4180). */
export function csv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return [header, ...rows].map((r) => csvLine(r.map(String), '\n')).join('');
}

export const HEADERS = {
  organisations: ['org_code', 'name', 'org_type', 'parent_code', 'eligible_population', 'go_live_date', 'target_uptake_pct'],
  patients: ['nhs_number', 'practice_code', 'birth_year', 'sex', 'imd_decile'],
  campaigns: ['campaign_code', 'name', 'org_code', 'channel', 'start_date', 'end_date', 'cost_gbp'],
  enrolment_events: ['event_id', 'occurred_at', 'nhs_number', 'practice_code', 'org_code', 'event_type', 'channel', 'campaign_code'],
  usage_events: ['event_id', 'occurred_at', 'nhs_number', 'org_code', 'event_type', 'platform'],
  record_feeds: ['event_id', 'occurred_at', 'nhs_number', 'source_org_code', 'record_type', 'item_count'],
  consent_events: ['event_id', 'occurred_at', 'nhs_number', 'org_code', 'event_type'],
} as const;

export interface ImportOptions {
  key?: string | null;
  keyFile?: string;
  now?: Date;
}

export interface ImportResult {
  report: ImportReport;
  lines: string[];
}

/** A quarantine row as the specs read it (BIGINT line as text). */
export interface QuarantineRow {
  batch_id: string;
  file_name: string;
  file_kind: string;
  line: string;
  event_id: string | null;
  reason_code: string;
  reason: string;
  record: string;
}

/**
 * A describe block's store, loaded once: the batches `fill` writes into a temp landing dir are
 * imported in one run; `ready` gets the store and the run's report (to keep them, and to read
 * anything else the tests share); the store is closed and the dir removed after the block.
 */
export function importOnceForBlock(
  label: string,
  fill: (landing: string) => void | Promise<void>,
  ready: (store: Store, report: ImportReport) => void | Promise<void>,
): void {
  let store: Store | undefined;
  beforeAll(async () => {
    const { dir, landing } = tempLanding(label);
    await fill(landing);
    store = await openTestStore(dir);
    const { report } = await runImport(store, landing);
    await ready(store, report);
  });
  afterAll(async () => {
    await store?.close();
    removeTempDirs();
  });
}

/**
 * One store for one test: the batches `fill` writes into a temp landing dir are imported in one
 * run, `check` looks at the result, and the store is closed whatever `check` finds.
 */
export async function withImportedStore(
  label: string,
  fill: (landing: string) => void | Promise<void>,
  check: (store: Store, report: ImportReport) => Promise<void>,
): Promise<void> {
  const { dir, landing } = tempLanding(label);
  await fill(landing);
  const store = await openTestStore(dir);
  try {
    const { report } = await runImport(store, landing);
    await check(store, report);
  } finally {
    await store.close();
  }
}

/** Runs importLanding with the test clock and key; collects log lines. `key: null` passes no key. */
export async function runImport(store: Store, landingDir: string, options: ImportOptions = {}): Promise<ImportResult> {
  const lines: string[] = [];
  const args: Record<string, unknown> = {
    store,
    landingDir,
    trigger: 'test',
    now: options.now ?? NOW,
    log: (line: string) => lines.push(line),
  };
  if (options.key !== null) args.key = options.key ?? TEST_KEY;
  if (options.keyFile !== undefined) args.keyFile = options.keyFile;
  const report = (await (importLanding as (a: unknown) => Promise<unknown>)(args)) as ImportReport;
  return { report, lines };
}

/** rowsIn = loaded + duplicates + quarantined + withheld, for every file and every batch. */
export function expectCountsIdentity(report: ImportReport): void {
  for (const batch of report.batches) {
    for (const f of batch.files) {
      expect(f.loaded + f.duplicates + f.quarantined + f.withheld, `${batch.batchId}/${f.fileName}`).toBe(f.rowsIn);
    }
    if (batch.status !== 'succeeded') continue;
    expect(batch.loaded + batch.duplicates + batch.quarantined + batch.withheld, batch.batchId).toBe(batch.rowsIn);
    const sum = (k: keyof FileReport) => batch.files.reduce((s, f) => s + Number(f[k]), 0);
    expect(sum('rowsIn'), `${batch.batchId} rowsIn = sum of files`).toBe(batch.rowsIn);
    expect(sum('loaded'), `${batch.batchId} loaded = sum of files`).toBe(batch.loaded);
  }
}

export function batchOf(report: ImportReport, batchId: string): BatchReport {
  const batch = report.batches.find((b) => b.batchId === batchId);
  if (!batch) throw new Error(`no report for batch ${batchId}; got ${report.batches.map((b) => b.batchId).join(', ')}`);
  return batch;
}

/** A batch's totals in the shape `counts` writes them, to compare in toEqual. */
export function batchCounts(report: ImportReport, batchId: string): ReturnType<typeof counts> {
  const b = batchOf(report, batchId);
  return { rowsIn: b.rowsIn, loaded: b.loaded, duplicates: b.duplicates, quarantined: b.quarantined, withheld: b.withheld };
}

/** Per-file counts keyed by file name, in a shape that reads well in toEqual. */
export function fileCounts(batch: BatchReport): Record<string, Omit<FileReport, 'fileName'>> {
  const out: Record<string, Omit<FileReport, 'fileName'>> = {};
  for (const f of batch.files) {
    out[f.fileName] = {
      kind: f.kind,
      rowsIn: f.rowsIn,
      loaded: f.loaded,
      duplicates: f.duplicates,
      quarantined: f.quarantined,
      withheld: f.withheld,
    };
  }
  return out;
}

export function counts(rowsIn: number, loaded: number, extra: { duplicates?: number; quarantined?: number; withheld?: number } = {}) {
  return { rowsIn, loaded, duplicates: extra.duplicates ?? 0, quarantined: extra.quarantined ?? 0, withheld: extra.withheld ?? 0 };
}

export async function query<T = Record<string, unknown>>(
  store: Store,
  sql: string,
  params: unknown[] | Record<string, unknown> = [],
): Promise<T[]> {
  return store.withConnection(async (conn) => {
    const result = await conn.runAndReadAll(sql, params as never);
    return result.getRowObjectsJson() as T[];
  });
}

export async function scalar(store: Store, sql: string, params: unknown[] = []): Promise<number> {
  const rows = await query<Record<string, unknown>>(store, sql, params);
  const first = rows[0];
  if (!first) throw new Error(`no rows from ${sql}`);
  return Number(Object.values(first)[0]);
}

export async function rowCount(store: Store, table: string): Promise<number> {
  return scalar(store, `SELECT count(*) FROM "${table}"`);
}

/** Sorted event ids of an event table. */
export async function eventIds(store: Store, table: string): Promise<string[]> {
  const rows = await query<{ event_id: string }>(store, `SELECT event_id FROM "${table}" ORDER BY event_id`);
  return rows.map((r) => r.event_id);
}

export async function allTables(store: Store): Promise<string[]> {
  const rows = await query<{ table_name: string }>(
    store,
    `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

/**
 * The full contents of tables, each as a sorted list of JSON rows, so two snapshots compare exactly.
 * `dropColumns` removes bookkeeping columns that may legitimately change (e.g. the batch that last
 * upserted a reference row).
 */
export async function snapshot(
  store: Store,
  tables: readonly string[],
  dropColumns: Record<string, string[]> = {},
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of tables) {
    const drop = dropColumns[table];
    const select = drop?.length ? `* EXCLUDE (${drop.map((c) => `"${c}"`).join(', ')})` : '*';
    const rows = await query(store, `SELECT ${select} FROM "${table}"`);
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

/** Reference tables carry the batch that last upserted each row; a re-delivery may rewrite it. */
export const REFERENCE_BATCH_COLUMNS: Record<string, string[]> = {
  organisations: ['batch_id'],
  campaigns: ['batch_id'],
  programme_costs: ['batch_id'],
  patients: ['batch_id'],
};

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `scripts/ingest-cli.ts <landingDir>` in a child process (node --import tsx, so the process
 * that may SIGKILL itself is the child we watch, not a wrapper).
 */
export function runCli(landingDir: string, env: Record<string, string>, timeoutMs = 90_000): Promise<CliResult> {
  // The specs re-run imports on the same landing: the CLI archives only when a spec asks it to.
  const childEnv: Record<string, string | undefined> = { ...process.env, PORTAL_ARCHIVE_DIR: 'off', ...env };
  if (!('PORTAL_FAULT' in env)) delete childEnv.PORTAL_FAULT;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/ingest-cli.ts'), landingDir], {
      cwd: REPO_ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** The message of a rejected promise, or of the first failed batch of a resolved report. */
export async function refusalMessage(promise: Promise<ImportResult>): Promise<{ rejected: boolean; message: string; report?: ImportReport }> {
  try {
    const { report } = await promise;
    const failed = report.batches.find((b) => b.status === 'failed');
    return { rejected: false, message: failed?.error ?? '', report };
  } catch (err) {
    return { rejected: true, message: err instanceof Error ? err.message : String(err) };
  }
}

/** A stack trace line as Node prints it. */
export const STACK_LINE = /^\s{4}at /m;
