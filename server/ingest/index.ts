/**
 * The import job: load every batch of a landing directory that the store does not hold yet, in
 * name order, then rebuild the rollups the API serves. With an archive (server/ingest/archive.ts),
 * each batch the store holds then leaves landing for the archive, and archived batches the store
 * does not hold (a restored backup's later ones) are loaded too. The CLI (scripts/ingest-cli.ts),
 * the server's schedule and first start all call importLanding.
 */
import { resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Store } from '../store/store.js';
import { getMeta, META } from '../store/meta.js';
import { StoreError } from '../store/errors.js';
import { describeRefresh, refreshRollupsIfStale, type RollupMode, type RollupRefresh } from '../metrics/rollups.js';
import { removeStaleCopies } from './decompress.js';
import { listBatchDirs, readBatch, type Batch, type BatchFile } from './discover.js';
import { archiveBatch, listArchivedBatches, pruneArchive, type ArchiveOptions } from './archive.js';
import { emptyBatchReport, importBatch, newRunId, type BatchReport, type FileReport } from './import-batch.js';
import { checkKeyFingerprint, resolveKey, type PseudonymKey } from './pseudonymise.js';
import { describeError, redact } from '../store/redact.js';
import { RefusedError } from './errors.js';

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
  /** How the run brings the rollups up to date (see RollupMode). */
  rollups?: RollupMode;
  /**
   * Move each batch the store holds out of the landing directory into this archive, prune it by
   * age, and import archived batches the store does not hold (after a restore). Off when absent
   * (or when the landing directory is the archive itself: a rebuild from the archive).
   */
  archive?: ArchiveOptions;
}

export interface ImportReport {
  runId: string;
  status: 'succeeded' | 'failed' | 'nothing-to-do';
  batches: BatchReport[];
  rowsIn: number;
  durationMs: number;
  /** From the run's start to its rollups committed: when what it loaded is visible to the API. */
  visibleAfterMs?: number;
  rollupsRefreshed: boolean;
  /** How the rollups were brought up to date (when they were): incremental or full, and how long it took. */
  rollups?: RollupRefresh;
  /** Set when the batches loaded but the rollups could not be rebuilt. */
  rollupsError?: string;
  /** Batches moved into the archive by this run. */
  archived: string[];
  /** Archived batches deleted by this run (older than the retention). */
  archivePruned: string[];
  /** Why a batch could not be archived (it stays in landing; the next run tries again). */
  archiveErrors: string[];
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
type PendingBatch = { batch: Batch; fromLanding: boolean } | { batchId: string; error: string };

/**
 * The batches to look at, in name order: every landing folder, and (with an archive) every
 * archived folder the store does not hold at all — a restored snapshot's missing batches, which
 * were imported and archived after it was taken. A folder in both places is the landing one: it
 * is the newer delivery, or a move a crash interrupted.
 */
function batchSources(landingDir: string, archive: ArchiveOptions | undefined, loaded: Map<string, string>): { batchId: string; dir: string }[] {
  const sources = new Map(listBatchDirs(landingDir).map((batchId) => [batchId, landingDir]));
  if (archive) {
    for (const batchId of listArchivedBatches(archive.dir)) if (!sources.has(batchId) && !loaded.has(batchId)) sources.set(batchId, archive.dir);
  }
  return [...sources.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([batchId, dir]) => ({ batchId, dir }));
}

async function recordUnreadableBatch(conn: DuckDBConnection, runId: string, trigger: string, item: { batchId: string; error: string }) {
  await conn.run(
    `INSERT INTO ingest_runs (run_id, batch_id, trigger, started_at, finished_at, duration_ms, status, error)
     VALUES ($1, $2, $3, now(), now(), 0, 'failed', $4)`,
    [runId, item.batchId, trigger, item.error],
  );
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
  const runStarted = started;
  const runId = newRunId();
  const report: ImportReport = {
    runId,
    status: 'nothing-to-do',
    batches: [],
    rowsIn: 0,
    durationMs: 0,
    rollupsRefreshed: false,
    archived: [],
    archivePruned: [],
    archiveErrors: [],
  };
  // Importing the archive itself (a rebuild) moves nothing: the batches are already where they go.
  const archive = options.archive && resolve(options.archive.dir) !== resolve(options.landingDir) ? options.archive : undefined;
  /** A batch the store holds leaves landing; if it cannot, it stays for the next run to try again. */
  const toArchive = (batch: Batch) => {
    if (!archive) return;
    try {
      archiveBatch(batch.dir, archive);
      report.archived.push(batch.batchId);
    } catch (err) {
      const message = `batch ${batch.batchId} is loaded but could not be moved to the archive ${archive.dir} (it stays in landing; the next run tries again): ${describeError(err)}`;
      report.archiveErrors.push(message);
      log(message);
    }
  };
  try {
    removeStaleCopies();
    listBatchDirs(options.landingDir); // refuses a missing landing directory, before the key is read
    const key = resolveKey({ key: options.key, keyFile: options.keyFile, storePath: store.path });
    await store.withConnection(async (conn) => {
      await assertKeyMatches(conn, key);
      const loaded = await loadedFingerprints(conn);
      const ctx = { runId, trigger: options.trigger, key, now: options.now ?? new Date() };

      const pending: PendingBatch[] = [];
      for (const { batchId, dir } of batchSources(options.landingDir, archive, loaded)) {
        const fromLanding = dir === options.landingDir;
        try {
          const batch = readBatch(dir, batchId);
          if (loaded.get(batchId) === batch.fingerprint) {
            report.batches.push(emptyBatchReport(batchId, 'skipped'));
            // Loaded by an earlier run, before archiving was on or before a crash stopped the move.
            if (fromLanding) toArchive(batch);
          } else pending.push({ batch, fromLanding });
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
          // Committed: the store holds it, so it may leave landing. A failed batch always stays.
          if (result.status === 'succeeded' && item.fromLanding) toArchive(batch);
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
          report.visibleAfterMs = Date.now() - runStarted;
          log(`rollups: ${describeRefresh(report.rollups)}`);
        }
      } catch (err) {
        // The batches are committed; the API keeps serving the previous rollups until a later run
        // rebuilds them (the stale data_version tells it to).
        report.rollupsError = err instanceof StoreError ? err.message : describeError(err);
        log(report.rollupsError);
      }
      // The write-ahead log is folded into the store now, after the data is served, rather than by
      // a commit that readers of fresh data would wait for (see openStore's checkpoint_threshold).
      // Nothing is lost if it fails: the log stays and DuckDB replays it on the next open.
      if (report.rollupsRefreshed || report.batches.some((b) => b.status === 'succeeded')) {
        await conn.run('CHECKPOINT').catch((err: unknown) => log(`checkpoint after the import failed (the write-ahead log is kept): ${describeError(err)}`));
      }
      if (archive) {
        try {
          report.archivePruned = pruneArchive(archive, new Set((await loadedFingerprints(conn)).keys()));
          if (report.archivePruned.length > 0) {
            log(`archive: ${report.archivePruned.length} batch(es) older than ${archive.retentionDays} days deleted (${report.archivePruned.join(', ')})`);
          }
        } catch (err) {
          // The import itself succeeded; an archive that cannot be pruned is tried again next run.
          log(`archive ${archive.dir} could not be pruned: ${describeError(err)}`);
        }
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
