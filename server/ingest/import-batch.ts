/**
 * One batch, all or nothing: every file is read and checked into TEMP tables, then loaded into the
 * store inside a single transaction, the batch is recorded as loaded in the same transaction, and
 * any refusal or crash rolls it all back.
 */
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { META } from '../store/meta.js';
import type { FileKind } from '../contract/export-format.js';
import type { BatchFile } from './discover.js';
import type { Batch } from './discover.js';
import { faultPoint } from '../store/faults.js';
import { dropReadKind, KIND_TEMP_TABLES, loadKind, readKind, type FileCounts, type LoadContext, type ReadKind } from './load-kind.js';
import { checkKeyFingerprint, type PseudonymKey } from './pseudonymise.js';
import { describeError } from '../store/redact.js';
import { RefusedError } from './errors.js';

export interface FileReport extends FileCounts {
  fileName: string;
  kind: FileKind;
  /** Part files of one kind are loaded together; their shared time is split by rows. */
  durationMs: number;
}

/** A batch's counts are its files' counts added up. */
export interface BatchReport extends FileCounts {
  batchId: string;
  status: 'succeeded' | 'failed' | 'skipped';
  error?: string;
  durationMs: number;
  files: FileReport[];
  /** Milliseconds per load step over the whole batch, so the benchmark can say where time goes. */
  steps: Record<string, number>;
}

export interface BatchHooks {
  onFileDone?(file: BatchFile, report: FileReport): void;
}

export interface BatchContext {
  runId: string;
  trigger: string;
  key: PseudonymKey;
  now: Date;
}

const COUNT_FIELDS = ['rowsIn', 'loaded', 'duplicates', 'quarantined', 'withheld', 'purged'] as const;

export function emptyBatchReport(batchId: string, status: BatchReport['status']): BatchReport {
  return { batchId, status, rowsIn: 0, loaded: 0, duplicates: 0, quarantined: 0, withheld: 0, purged: 0, durationMs: 0, files: [], steps: {} };
}

async function recordRun(conn: DuckDBConnection, ctx: BatchContext, report: BatchReport, startedAt: Date): Promise<void> {
  await conn.run(
    `INSERT INTO ingest_runs (run_id, batch_id, trigger, started_at, finished_at, duration_ms, status, error,
        rows_in, loaded, duplicates, quarantined, withheld)
     VALUES ($1, $2, $3, $4::TIMESTAMPTZ, $13::TIMESTAMPTZ, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      ctx.runId,
      report.batchId,
      ctx.trigger,
      startedAt.toISOString(),
      report.durationMs,
      report.status,
      report.error ?? null,
      report.rowsIn,
      report.loaded,
      report.duplicates,
      report.quarantined,
      report.withheld,
      // The clock, not now(): inside the batch's transaction now() is the transaction's start.
      new Date().toISOString(),
    ],
  );
}

async function recordFiles(conn: DuckDBConnection, ctx: BatchContext, report: BatchReport): Promise<void> {
  for (const f of report.files) {
    await conn.run(
      `INSERT INTO ingest_files VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [ctx.runId, report.batchId, f.fileName, f.kind, f.rowsIn, f.loaded, f.duplicates, f.quarantined, f.withheld, f.durationMs],
    );
  }
}

async function dropBatchTempTables(conn: DuckDBConnection): Promise<void> {
  await conn.run(`DROP VIEW IF EXISTS temp.classified`).catch(() => undefined);
  for (const table of KIND_TEMP_TABLES) {
    await conn.run(`DROP TABLE IF EXISTS temp.${table}`).catch(() => undefined);
  }
  await conn.run(`DROP VIEW IF EXISTS temp.known_orgs`).catch(() => undefined);
}

/** The batch's files of each kind together, in load order (the batch's files are already sorted). */
function groupByKind(files: BatchFile[]): BatchFile[][] {
  const groups: BatchFile[][] = [];
  for (const file of files) {
    const last = groups.at(-1);
    if (last && last[0]!.kind === file.kind) last.push(file);
    else groups.push([file]);
  }
  return groups;
}

export async function importBatch(conn: DuckDBConnection, batch: Batch, ctx: BatchContext, hooks: BatchHooks = {}): Promise<BatchReport> {
  const startedAt = new Date();
  const report = emptyBatchReport(batch.batchId, 'succeeded');
  const load: LoadContext = { batchId: batch.batchId, key: ctx.key, nowIso: ctx.now.toISOString() };
  const read: ReadKind[] = [];

  try {
    await checkKeyFingerprint(conn, ctx.key);
    // Every file is read and checked first, into TEMP tables outside the transaction (see readKind):
    // reading changes nothing in the store, and a refused file stops the batch before it starts.
    for (const [slot, files] of groupByKind(batch.files).entries()) read.push(await readKind(conn, files, load, slot));
    await conn.run('BEGIN TRANSACTION');
    // NHS number → patient_id for the numbers already hashed on this connection, i.e. in this
    // import run: a patient appears in batch after batch, and is hashed and looked up once. It is
    // a TEMP table (memory, never the store file) and, being created and filled inside each
    // batch's transaction, loses exactly what a rolled-back batch added.
    await conn.run(`CREATE TEMP TABLE IF NOT EXISTS known_nhs (nhs UBIGINT, patient_id INTEGER)`);
    await conn.run(`CREATE OR REPLACE TEMP VIEW known_orgs AS SELECT org_code, org_type FROM organisations`);
    for (const kind of read) {
      const { files } = kind;
      const started = performance.now();
      const result = await loadKind(conn, kind, load);
      const elapsed = performance.now() - started + Object.values(kind.steps).reduce((a, b) => a + b, 0);
      const rows = result.files.reduce((n, f) => n + f.rowsIn, 0);
      for (const [name, ms] of Object.entries(result.steps)) report.steps[name] = (report.steps[name] ?? 0) + ms;
      for (const [i, file] of files.entries()) {
        const counts = result.files[i]!;
        const share = rows > 0 ? counts.rowsIn / rows : 1 / files.length;
        const fileReport: FileReport = { fileName: file.fileName, kind: file.kind, ...counts, durationMs: Math.round(elapsed * share) };
        report.files.push(fileReport);
        for (const field of COUNT_FIELDS) report[field] += counts[field];
        hooks.onFileDone?.(file, fileReport);
      }
    }
    faultPoint('mid-batch');
    report.durationMs = Date.now() - startedAt.getTime();
    // landed_at and imported_at feed the landing-to-served lag of /api/health; a re-delivery is a
    // new arrival, so its clocks are replaced and it waits to be served again (served_at NULL).
    // imported_at is the clock as the transaction ends, like the run log's finished_at (now() would
    // be the transaction's start); the commit itself counts in the rollup part of the lag.
    await conn.run(
      `INSERT INTO loaded_batches (batch_id, fingerprint, run_id, loaded_at, landed_at, imported_at)
       VALUES ($1, $2, $3, now(), $4::TIMESTAMPTZ, $5::TIMESTAMPTZ)
       ON CONFLICT (batch_id) DO UPDATE SET fingerprint = excluded.fingerprint, run_id = excluded.run_id, loaded_at = excluded.loaded_at,
         landed_at = excluded.landed_at, imported_at = excluded.imported_at, served_at = NULL`,
      [batch.batchId, batch.fingerprint, ctx.runId, batch.landedAt.toISOString(), new Date().toISOString()],
    );
    await recordRun(conn, ctx, report, startedAt);
    await recordFiles(conn, ctx, report);
    await conn.run(
      `INSERT INTO store_meta VALUES ($1, '1') ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(store_meta.value AS BIGINT) + 1 AS VARCHAR)`,
      [META.baseVersion],
    );
    await conn.run('COMMIT');
    // The run log is written inside the transaction, so its duration cannot include the commit;
    // the report returned (progress, logs, the benchmark) does.
    report.durationMs = Date.now() - startedAt.getTime();
    return report;
  } catch (err) {
    // Refused while reading, there is no transaction yet, and the rollback has nothing to undo.
    await conn.run('ROLLBACK').catch(() => undefined);
    const failed = emptyBatchReport(batch.batchId, 'failed');
    failed.error = err instanceof RefusedError ? err.message : `Batch ${batch.batchId} could not be loaded: ${describeError(err)}`;
    failed.durationMs = Date.now() - startedAt.getTime();
    try {
      await recordRun(conn, { ...ctx }, failed, startedAt);
    } catch (recordErr) {
      // The store itself may be what failed (a full disk, a write error): the batch's own error
      // is what the user must see, not a second one from logging it.
      failed.error += ` The failure could not be written to the run log either: ${describeError(recordErr)}`;
    }
    return failed;
  } finally {
    for (const kind of read) await dropReadKind(conn, kind).catch(() => undefined);
    await dropBatchTempTables(conn);
  }
}

export const newRunId = (): string => randomUUID();
