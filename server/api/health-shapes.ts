/**
 * The answer of GET /api/health, shared by the server (server/api/health.ts sends it) and the
 * dashboard (its header reads it): one declaration, so the two cannot drift apart. Free of imports
 * of Node or the store, since it ends up in the browser too.
 */

export interface SchedulerStatus {
  enabled: boolean;
  cron: string | null;
  running: boolean;
  nextRunAt: string | null;
}

/**
 * The latest batch the API serves, and how long it took from landing to being served. Times are
 * UTC with milliseconds; each duration is the difference of the two times it names, in seconds.
 */
export interface ServedBatch {
  batchId: string;
  /** When the batch arrived in the landing directory: the latest modification time of its files. */
  landedAt: string;
  /** When the batch's transaction committed (its rows were in the store). */
  importedAt: string;
  /** When the rollups that include it were committed with the new data version: the API answers with it from then on. */
  servedAt: string;
  landingToServedSeconds: number;
  /** Landing to import: waiting for the import run, then reading, checking and loading the batch. */
  landingToImportedSeconds: number;
  /** Import to serving: bringing the rollups up to date and committing them. */
  importedToServedSeconds: number;
}

/** Batches imported whose rollups are not published yet (the API still answers without them). */
export interface UnservedBatches {
  count: number;
  /** When the longest-waiting of them landed (null when there are none). */
  oldestLandedAt: string | null;
  /** One that landed longer ago than this is reported in `problems`: twice the import schedule's interval (at least 10), or 30 without a schedule. */
  alertAfterMinutes: number;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  asOf: { latestEventAt: string | null; lastImportAt: string | null; dataVersion: string };
  lastSuccess: { batchId: string; finishedAt: string } | null;
  lastFailure: { batchId: string; finishedAt: string; error: string } | null;
  lagMinutes: number | null;
  scheduler: SchedulerStatus | null;
  dataVersion: string;
  /** Null until a batch imported by a version that records landing times has been served. */
  latestServedBatch: ServedBatch | null;
  unservedBatches: UnservedBatches;
  /** Why the status is degraded (empty when ok). */
  problems: string[];
}
