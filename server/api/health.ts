/** GET /api/health: is the data fresh and did the last import work? Read from ingest_runs. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { getMeta, META } from '../store/meta.js';

export interface SchedulerStatus {
  enabled: boolean;
  cron: string | null;
  running: boolean;
  nextRunAt: string | null;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  asOf: { latestEventAt: string | null; lastImportAt: string | null; dataVersion: string };
  lastSuccess: { batchId: string; finishedAt: string } | null;
  lastFailure: { batchId: string; finishedAt: string; error: string } | null;
  lagMinutes: number | null;
  scheduler: SchedulerStatus | null;
  dataVersion: string;
  /** Why the status is degraded (empty when ok). */
  problems: string[];
}

const ISO = `'%Y-%m-%dT%H:%M:%SZ'`;

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
  const lagMinutes = success ? Math.max(0, Math.round((now.getTime() - Date.parse(success.finished_at)) / 60_000)) : null;

  return {
    status: problems.length === 0 ? 'ok' : 'degraded',
    asOf: { latestEventAt, lastImportAt: success?.finished_at ?? null, dataVersion },
    lastSuccess: success ? { batchId: success.batch_id, finishedAt: success.finished_at } : null,
    lastFailure: failure ? { batchId: failure.batch_id, finishedAt: failure.finished_at, error: failure.error ?? '' } : null,
    lagMinutes,
    scheduler,
    dataVersion,
    problems,
  };
}
