/**
 * The import job: load every batch of a landing directory that the store does not hold yet, in
 * name order, then rebuild the rollups the API serves. The CLI (scripts/ingest-cli.ts), the
 * server's schedule and first start all call importLanding.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { QUERIES_DIR } from '../store/sql-files.js';
import type { Store } from '../store/store.js';
import { getMeta, META, setMeta } from '../store/meta.js';
import { StoreError } from '../store/errors.js';
import { rebuildRollups, refreshRollupsIncremental, type IncrementalOptions, type RollupRefresh } from '../metrics/rollups.js';
import { removeStaleCopies } from './decompress.js';
import { listBatchDirs, readBatch, type Batch, type BatchFile } from './discover.js';
import { emptyBatchReport, importBatch, newRunId, type BatchReport, type FileReport } from './import-batch.js';
import { checkKeyFingerprint, resolveKey, type PseudonymKey } from './pseudonymise.js';
import { describeError, redact } from './redact.js';
import { RefusedError } from './errors.js';
import { faultPoint } from './faults.js';

export type { BatchReport, FileReport } from './import-batch.js';
export { RefusedError } from './errors.js';

export interface ImportProgress {
  start(batches: Batch[]): void;
  fileDone(batch: Batch, file: BatchFile, report: FileReport): void;
  batchDone(report: BatchReport): void;
  stop(): void;
}

export interface ImportOptions {
  store: Store;
  landingDir: string;
  trigger: 'cli' | 'schedule' | 'start' | 'test' | 'bench';
  /** The clock for the "future timestamp" rule. */
  now?: Date;
  /** Every log line goes through here, already redacted. Default: console.log. */
  log?: (line: string) => void;
  key?: string;
  keyFile?: string;
  progress?: ImportProgress;
  /**
   * How the run brings the rollups up to date: 'auto' (default) recomputes what its batches touched
   * and rebuilds everything when that is cheaper; 'full' rebuilds everything (the repair);
   * 'incremental' never falls back on size alone (the property test), only when it must.
   */
  rollups?: RollupMode;
}

export type RollupMode = 'auto' | 'incremental' | 'full';

export interface ImportReport {
  runId: string;
  status: 'succeeded' | 'failed' | 'nothing-to-do';
  batches: BatchReport[];
  rowsIn: number;
  durationMs: number;
  rollupsRefreshed: boolean;
  /** How the rollups were brought up to date (when they were): incremental or full, and how long it took. */
  rollups?: RollupRefresh;
  /** Set when the batches loaded but the rollups could not be rebuilt. */
  rollupsError?: string;
}

const running = new WeakSet<Store>();

async function loadedFingerprints(conn: DuckDBConnection): Promise<Map<string, string>> {
  const result = await conn.runAndReadAll(`SELECT batch_id, fingerprint FROM loaded_batches`);
  return new Map(result.getRows().map((r) => [String(r[0]), String(r[1])]));
}

/** Refuses a wrong key before any batch is touched (the batch transaction records a first key). */
async function assertKeyMatches(conn: DuckDBConnection, key: PseudonymKey): Promise<void> {
  const stored = await getMeta(conn, META.keyFingerprint);
  // With a different stored fingerprint this throws the explanatory error; it never writes then.
  if (stored !== undefined && stored !== key.fingerprint) await checkKeyFingerprint(conn, key);
}

/** A batch to load, or one whose folder could not even be read (it fails the run at its turn). */
type PendingBatch = { batch: Batch } | { batchId: string; error: string };

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
    await conn.run('COMMIT');
    return refresh;
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw new StoreError(`Rebuilding the metric rollups failed: ${describeError(err)}`);
  }
}

async function recordUnreadableBatch(conn: DuckDBConnection, runId: string, trigger: string, item: { batchId: string; error: string }) {
  await conn.run(
    `INSERT INTO ingest_runs (run_id, batch_id, trigger, started_at, finished_at, duration_ms, status, error)
     VALUES ($1, $2, $3, now(), now(), 0, 'failed', $4)`,
    [runId, item.batchId, trigger, item.error],
  );
}

/** One line for the log: how the rollups were brought up to date, and how long it took. */
export function describeRefresh(r: RollupRefresh): string {
  const seconds = `${(r.ms / 1000).toFixed(1)} s`;
  if (r.mode === 'full') return `full rebuild in ${seconds}${r.reason ? ` (${r.reason})` : ''}`;
  const days = Object.entries(r.scope?.days ?? {}).map(([fam, n]) => `${fam} ${n}`).join(', ');
  return `incremental refresh in ${seconds} (${r.scope?.patients ?? 0} patients; days in scope: ${days || 'none'})`;
}

function formatCounts(r: BatchReport): string {
  const rate = r.durationMs > 0 ? Math.round((r.rowsIn / r.durationMs) * 1000) : r.rowsIn;
  return (
    `${r.rowsIn} rows in: ${r.loaded} loaded, ${r.duplicates} duplicates, ${r.quarantined} quarantined, ` +
    `${r.withheld} withheld (objections)${r.purged ? `, ${r.purged} purged` : ''}; ${(r.durationMs / 1000).toFixed(1)} s (${rate} rows/s)`
  );
}

export async function importLanding(options: ImportOptions): Promise<ImportReport> {
  const { store } = options;
  const log = (line: string) => (options.log ?? console.log)(redact(line));
  if (running.has(store)) throw new RefusedError('An import is already running on this store; this run was not started.');
  running.add(store);
  const started = Date.now();
  const runId = newRunId();
  const report: ImportReport = { runId, status: 'nothing-to-do', batches: [], rowsIn: 0, durationMs: 0, rollupsRefreshed: false };
  try {
    removeStaleCopies();
    const batchIds = listBatchDirs(options.landingDir);
    const key = resolveKey({ key: options.key, keyFile: options.keyFile, storePath: store.path });
    await store.withConnection(async (conn) => {
      await assertKeyMatches(conn, key);
      const loaded = await loadedFingerprints(conn);
      const ctx = { runId, trigger: options.trigger, key, now: options.now ?? new Date() };

      const pending: PendingBatch[] = [];
      for (const batchId of batchIds) {
        try {
          const batch = readBatch(options.landingDir, batchId);
          if (loaded.get(batchId) === batch.fingerprint) report.batches.push(emptyBatchReport(batchId, 'skipped'));
          else pending.push({ batch });
        } catch (err) {
          // A batch we cannot even list stops the run there: later batches must wait their turn.
          pending.push({ batchId, error: err instanceof RefusedError ? err.message : describeError(err) });
          break;
        }
      }

      options.progress?.start(pending.flatMap((p) => ('batch' in p ? [p.batch] : [])));
      for (const item of pending) {
        let result: BatchReport;
        if ('batch' in item) {
          const { batch } = item;
          result = await importBatch(conn, batch, ctx, { onFileDone: (file, fileReport) => options.progress?.fileDone(batch, file, fileReport) });
        } else {
          result = { ...emptyBatchReport(item.batchId, 'failed'), error: item.error };
          await recordUnreadableBatch(conn, runId, options.trigger, item);
        }
        report.batches.push(result);
        report.rowsIn += result.rowsIn;
        options.progress?.batchDone(result);
        if (result.status === 'failed') {
          log(`batch ${result.batchId}: FAILED — ${result.error}`);
          log(`Later batches were not loaded: batches load in order, so the run stops at a failed batch. Fix or replace it and run the import again.`);
          break;
        }
        log(`batch ${result.batchId}: loaded — ${formatCounts(result)}`);
      }
      options.progress?.stop();

      try {
        const started = Date.now();
        report.rollups = await refreshRollupsIfStale(conn, options.rollups);
        report.rollupsRefreshed = report.rollups !== undefined;
        if (report.rollups) {
          // The commit is part of the wait for fresh data, so the time is taken around it.
          report.rollups.ms = Date.now() - started;
          log(`rollups: ${describeRefresh(report.rollups)}`);
        }
      } catch (err) {
        // The batches are committed; the API keeps serving the previous rollups until a later run
        // rebuilds them (the stale data_version tells it to).
        report.rollupsError = err instanceof StoreError ? err.message : describeError(err);
        log(report.rollupsError);
      }
      const anyFailed = report.batches.some((b) => b.status === 'failed') || report.rollupsError !== undefined;
      const anyLoaded = report.batches.some((b) => b.status === 'succeeded');
      report.status = anyFailed ? 'failed' : anyLoaded ? 'succeeded' : 'nothing-to-do';
    });
  } finally {
    running.delete(store);
    report.durationMs = Date.now() - started;
  }
  return report;
}
