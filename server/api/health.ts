/**
 * GET /api/health: is the data fresh and did the last import work? Read from ingest_runs, and
 * from loaded_batches for how long batches take from landing to being served.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { Cron } from 'croner';
import { getMeta, META } from '../store/meta.js';
import type { HealthReport, SchedulerStatus, ServedBatch, UnservedBatches } from './health-shapes.js';

const ISO = `'%Y-%m-%dT%H:%M:%SZ'`;

/** Without a schedule (imports by hand) an unserved batch is reported after this long. */
const UNSERVED_ALERT_NO_SCHEDULE_MIN = 30;
/** Never sooner than this: a full-scale batch and a full rollup rebuild take minutes. */
const UNSERVED_ALERT_MIN_MIN = 10;

/**
 * How long a batch may wait, from landing, before "not served yet" is a problem. One that lands
 * just after a scheduled run waits one interval to be picked up, and a run whose rollup refresh
 * failed is retried one interval later: so twice the schedule's interval (the gap between its next
 * two runs), which also covers the import itself. Without a schedule, a fixed 30 minutes.
 */
function unservedAlertMinutes(scheduler: SchedulerStatus | null, now: Date): number {
  if (!scheduler?.enabled || !scheduler.cron) return UNSERVED_ALERT_NO_SCHEDULE_MIN;
  try {
    // A Cron without a function only computes times; it starts no timer.
    const [first, second] = new Cron(scheduler.cron).nextRuns(2, now);
    if (!first || !second) return UNSERVED_ALERT_NO_SCHEDULE_MIN;
    return Math.max(UNSERVED_ALERT_MIN_MIN, Math.ceil((2 * (second.getTime() - first.getTime())) / 60_000));
  } catch {
    // The scheduler refuses an invalid pattern at start, so this is only a safety net.
    return UNSERVED_ALERT_NO_SCHEDULE_MIN;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Seconds between two times, to the millisecond they are stored with. */
const secondsBetween = (fromMs: number, toMs: number) => (toMs - fromMs) / 1000;

async function readLatestServed(conn: DuckDBConnection): Promise<ServedBatch | null> {
  // Epoch milliseconds, so the durations are exactly the differences of the times shown. Batches
  // served together share served_at: the one imported last (the newest delivery) stands for them.
  const row = (
    await conn.runAndReadAll(
      `SELECT batch_id, epoch_ms(landed_at)::DOUBLE AS landed, epoch_ms(imported_at)::DOUBLE AS imported, epoch_ms(served_at)::DOUBLE AS served
       FROM loaded_batches
       WHERE served_at IS NOT NULL AND landed_at IS NOT NULL AND imported_at IS NOT NULL
       ORDER BY served_at DESC, imported_at DESC, batch_id DESC LIMIT 1`,
    )
  ).getRowObjectsJson()[0] as { batch_id: string; landed: number; imported: number; served: number } | undefined;
  if (!row) return null;
  return {
    batchId: row.batch_id,
    landedAt: iso(row.landed),
    importedAt: iso(row.imported),
    servedAt: iso(row.served),
    landingToServedSeconds: secondsBetween(row.landed, row.served),
    landingToImportedSeconds: secondsBetween(row.landed, row.imported),
    importedToServedSeconds: secondsBetween(row.imported, row.served),
  };
}

async function readUnserved(conn: DuckDBConnection, alertAfterMinutes: number): Promise<UnservedBatches> {
  // Committed but not in the published rollups. Batches loaded before landing times were recorded
  // (migration 013) have no imported_at and are not counted: whether they wait is not known.
  const row = (
    await conn.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, epoch_ms(min(landed_at))::DOUBLE AS oldest
       FROM loaded_batches WHERE served_at IS NULL AND imported_at IS NOT NULL`,
    )
  ).getRowObjectsJson()[0] as { n: number; oldest: number | null };
  return { count: row.n, oldestLandedAt: row.oldest === null ? null : iso(row.oldest), alertAfterMinutes };
}

function describeUnserved(unserved: UnservedBatches, now: Date): string | undefined {
  if (unserved.count === 0 || unserved.oldestLandedAt === null) return undefined;
  const waitingMinutes = Math.floor((now.getTime() - Date.parse(unserved.oldestLandedAt)) / 60_000);
  if (waitingMinutes <= unserved.alertAfterMinutes) return undefined;
  const batches = unserved.count === 1 ? '1 imported batch is' : `${unserved.count} imported batches are`;
  return (
    `${batches} not served yet: the oldest landed ${waitingMinutes} minutes ago, more than the ${unserved.alertAfterMinutes} allowed ` +
    `(the rollups including it have not been published; the next import run retries)`
  );
}

export async function readHealth(
  conn: DuckDBConnection,
  scheduler: SchedulerStatus | null,
  now: Date,
  latestEventAt: string | null,
): Promise<HealthReport> {
  const run = async (status: string) =>
    (await conn.runAndReadAll(
      `SELECT batch_id, strftime(finished_at AT TIME ZONE 'UTC', ${ISO}) AS finished_at, error
       FROM ingest_runs WHERE status = $status
       -- the column, not the second-precision text alias: several batches finish within a second
       ORDER BY ingest_runs.finished_at DESC, batch_id DESC LIMIT 1`,
      { status },
    )).getRowObjectsJson()[0] as { batch_id: string; finished_at: string; error: string | null } | undefined;
  const success = await run('succeeded');
  const failure = await run('failed');
  const dataVersion = (await getMeta(conn, META.dataVersion)) ?? '0';
  const baseVersion = await getMeta(conn, META.baseVersion);
  const latestServedBatch = await readLatestServed(conn);
  const unservedBatches = await readUnserved(conn, unservedAlertMinutes(scheduler, now));

  const problems: string[] = [];
  if (!success) problems.push('no import has succeeded yet');
  if (failure && (!success || failure.finished_at > success.finished_at)) {
    problems.push(`the latest import failed (batch ${failure.batch_id})`);
  }
  // data_version is the base version the rollups were built from, or "<base>.<rollup code>"
  // after a rebuild for new rollup SQL.
  if (baseVersion !== undefined && baseVersion !== dataVersion.split('.')[0]) {
    problems.push(`the rollups were built from base version ${dataVersion}, the base tables are at ${baseVersion}`);
  }
  const waiting = describeUnserved(unservedBatches, now);
  if (waiting) problems.push(waiting);
  const lagMinutes = success ? Math.max(0, Math.round((now.getTime() - Date.parse(success.finished_at)) / 60_000)) : null;

  return {
    status: problems.length === 0 ? 'ok' : 'degraded',
    asOf: { latestEventAt, lastImportAt: success?.finished_at ?? null, dataVersion },
    lastSuccess: success ? { batchId: success.batch_id, finishedAt: success.finished_at } : null,
    lastFailure: failure ? { batchId: failure.batch_id, finishedAt: failure.finished_at, error: failure.error ?? '' } : null,
    lagMinutes,
    scheduler,
    dataVersion,
    latestServedBatch,
    unservedBatches,
    problems,
  };
}
