/**
 * The import job the server runs on a schedule: one run at a time, every run logged, failures
 * kept visible (the run log in ingest_runs, /api/health) while the previous data stays served.
 */
import { Cron } from 'croner';
import type { Store } from '../store/store.js';
import { importLanding, type ImportReport } from '../ingest/index.js';
import type { ArchiveOptions } from '../ingest/archive.js';
import { describeError } from '../store/redact.js';
import type { SchedulerStatus } from '../api/health-shapes.js';

export const DEFAULT_IMPORT_CRON = '*/15 * * * *';

export interface ImportScheduler {
  status(): SchedulerStatus;
  /** Runs the job now unless a run is already going; returns null when it was skipped for that. */
  runOnce(): Promise<ImportReport | null>;
  stop(): void;
}

export interface ImportSchedulerOptions {
  store: Store;
  landingDir: string;
  cron?: string;
  log?: (line: string) => void;
  /** Start the timer (default true); tests drive runOnce themselves. */
  schedule?: boolean;
  /** Where imported batches go (PORTAL_ARCHIVE_DIR); none: they stay in landing. */
  archive?: ArchiveOptions;
}

export function createImportScheduler(options: ImportSchedulerOptions): ImportScheduler {
  const log = options.log ?? ((line: string) => console.log(`[import] ${line}`));
  const pattern = options.cron ?? DEFAULT_IMPORT_CRON;
  let current: Promise<ImportReport | null> | null = null;

  const runOnce = (): Promise<ImportReport | null> => {
    if (current) {
      log('previous run still in progress; this run was skipped');
      return Promise.resolve(null);
    }
    current = (async () => {
      try {
        const report = await importLanding({ store: options.store, landingDir: options.landingDir, trigger: 'schedule', log, archive: options.archive });
        const loaded = report.batches.filter((b) => b.status === 'succeeded').length;
        log(`run ${report.runId}: ${report.status}, ${loaded} batch(es) loaded in ${(report.durationMs / 1000).toFixed(1)} s`);
        return report;
      } catch (err) {
        // A refused run (missing landing dir, wrong key) must not stop the schedule or the server.
        log(`run failed: ${describeError(err)}`);
        return null;
      } finally {
        current = null;
      }
    })();
    return current;
  };

  let cron: Cron | null = null;
  if (options.schedule !== false) {
    try {
      cron = new Cron(pattern, { protect: true, catch: (err) => log(`run failed: ${describeError(err)}`) }, () => runOnce().then(() => undefined));
    } catch (err) {
      throw new Error(`PORTAL_IMPORT_CRON "${pattern}" is not a valid cron pattern: ${(err as Error).message}`);
    }
  }

  return {
    status: () => ({
      enabled: cron !== null,
      cron: cron ? pattern : null,
      running: current !== null,
      nextRunAt: cron?.nextRun()?.toISOString() ?? null,
    }),
    runOnce,
    stop: () => cron?.stop(),
  };
}
