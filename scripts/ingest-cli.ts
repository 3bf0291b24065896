/**
 * npm run ingest -- [--no-archive] <landing-dir>
 * npm run ingest -- --rebuild-rollups [<landing-dir>]
 * Loads every batch of the landing directory that the store does not hold yet; each run brings the
 * rollups up to date with what its batches touched. --rebuild-rollups rebuilds every rollup from the
 * base tables instead (the repair: after a fault, or to check), with or without an import. Each batch
 * the store holds moves to the archive (PORTAL_ARCHIVE_DIR) unless --no-archive; importing the
 * archive itself rebuilds a store from it and moves nothing. Exit codes:
 * 0 loaded or nothing to do, 1 a batch failed (see the run log), 2 refused (bad usage, locked store,
 * wrong key, missing directory). Messages are for people: never a stack trace.
 */
import { resolve } from 'node:path';
import { openStore, storePath } from '../server/store/store.js';
import { archiveFromEnv } from '../server/ingest/archive.js';
import { importLanding, RefusedError } from '../server/ingest/index.js';
import { describeRefresh, refreshRollupsIfStale } from '../server/metrics/rollups.js';
import { terminalProgress } from '../server/ingest/progress.js';
import { listBatchDirs } from '../server/ingest/discover.js';
import { describeError, redact } from '../server/store/redact.js';
import { StoreError } from '../server/store/errors.js';

const USAGE =
  'Usage: npm run ingest -- [--rebuild-rollups] [--no-archive] <landing-dir>\n       npm run ingest -- --rebuild-rollups   (store: PORTAL_DB, default data/portal.duckdb)';

async function main(argv: string[]): Promise<number> {
  const rebuild = argv.includes('--rebuild-rollups');
  const noArchive = argv.includes('--no-archive');
  const args = argv.filter((a) => a !== '--' && a !== '--rebuild-rollups' && a !== '--no-archive');
  if ((args.length !== 1 && !(rebuild && args.length === 0)) || args.some((a) => a.startsWith('-'))) {
    console.error(args.includes('--help') || args.includes('-h') ? USAGE : `Expected exactly one landing directory.\n${USAGE}`);
    return 2;
  }
  if (args.length === 0) return rebuildOnly();
  const landingDir = resolve(args[0]!);
  listBatchDirs(landingDir); // refuse a missing directory before creating or locking a store
  const archive = noArchive ? undefined : archiveFromEnv(storePath()); // a bad setting is refused before the store is locked
  const store = await openStore();
  try {
    console.log(`store ${store.path}; landing ${landingDir}${archive ? `; archive ${archive.dir}` : ''}`);
    const report = await importLanding({ store, landingDir, trigger: 'cli', progress: terminalProgress(), rollups: rebuild ? 'full' : 'auto', archive });
    const loaded = report.batches.filter((b) => b.status === 'succeeded');
    const skipped = report.batches.filter((b) => b.status === 'skipped').length;
    const rows = loaded.reduce((n, b) => n + b.rowsIn, 0);
    console.log(
      `${report.status}: ${loaded.length} batch(es) loaded (${rows.toLocaleString('en-GB')} rows), ${skipped} already loaded; ` +
        `${(report.durationMs / 1000).toFixed(1)} s${report.rollups ? `; rollups: ${describeRefresh(report.rollups)}` : ''}` +
        `${report.archived.length ? `; ${report.archived.length} moved to the archive` : ''}`,
    );
    return report.status === 'failed' ? 1 : 0;
  } finally {
    await store.close();
  }
}

/** --rebuild-rollups without a landing directory: the full rebuild alone, published like an import's. */
async function rebuildOnly(): Promise<number> {
  const store = await openStore();
  try {
    console.log(`store ${store.path}: rebuilding every rollup`);
    const refresh = await store.withConnection((conn) => refreshRollupsIfStale(conn, 'full'));
    console.log(`rollups: ${refresh ? describeRefresh(refresh) : 'already current'}`);
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof RefusedError || err instanceof StoreError;
    console.error(known ? redact((err as Error).message) : `Import failed: ${describeError(err)}`);
    if (process.env.PORTAL_DEBUG && err instanceof Error) console.error(redact(err.stack ?? ''));
    process.exit(2);
  },
);
