/**
 * npm run restore -- [--ignore-key] <dir>
 * Puts the backup in <dir> in place of the store (PORTAL_DB), with the server stopped. The backup is
 * checked first (manifest, checksum, that it opens), and so is the pseudonymisation key (its
 * fingerprint must be the backup's; --ignore-key restores data that can then be read but not
 * imported into). The store in place is kept aside as <store>.before-restore-<time>, never
 * deleted. Then the rollups are brought up to date, and the batches the backup has not seen — in
 * landing or in the archive — are listed: the next import run (npm run ingest, or the server's
 * schedule) loads them in order. Exit codes: 0 restored, 1 refused or failed, 2 bad usage.
 */
import { resolve } from 'node:path';
import { openStore, storePath } from '../server/store/store.js';
import { restoreBackup } from '../server/store/restore.js';
import { StoreError } from '../server/store/errors.js';
import { describeError, redact } from '../server/store/redact.js';
import { existingKey } from '../server/ingest/pseudonymise.js';
import { archiveFromEnv, listArchivedBatches, type ArchiveOptions } from '../server/ingest/archive.js';
import { listBatchDirs } from '../server/ingest/discover.js';
import { RefusedError } from '../server/ingest/errors.js';
import { describeRefresh, refreshRollupsIfStale } from '../server/metrics/rollups.js';

const USAGE = 'Usage: npm run restore -- [--ignore-key] <backup-dir>   (store: PORTAL_DB, default data/portal.duckdb; stop the server first)';
const DEFAULT_LANDING_DIR = 'data/landing';

/** Batch folders in landing and the archive that the restored store does not hold. */
function batchesToImport(loaded: ReadonlySet<string>, archive: ArchiveOptions | undefined): string[] {
  const landing = resolve(process.env.PORTAL_LANDING_DIR ?? DEFAULT_LANDING_DIR);
  let names: string[] = [];
  try {
    names = listBatchDirs(landing);
  } catch {
    // no landing folder: nothing waits there
  }
  if (archive) names = names.concat(listArchivedBatches(archive.dir));
  return [...new Set(names)].filter((id) => !loaded.has(id)).sort();
}

async function main(argv: string[]): Promise<number> {
  const ignoreKey = argv.includes('--ignore-key');
  const args = argv.filter((a) => a !== '--' && a !== '--ignore-key');
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    console.error(args.includes('--help') || args.includes('-h') ? USAGE : `Expected exactly one backup folder.\n${USAGE}`);
    return 2;
  }
  const path = storePath();
  const key = existingKey({ storePath: path });
  const archive = archiveFromEnv(path); // a bad setting is refused before anything changes
  const result = await restoreBackup({ backupDir: resolve(args[0]!), storePath: path, keyFingerprint: key?.fingerprint, ignoreKey });
  const { manifest } = result;
  console.log(
    `restored ${path} from the backup of ${manifest.createdAt}: ${manifest.loadedBatches.length} batch(es), data version ${manifest.dataVersion ?? 'none'}.`,
  );
  if (result.keptAside) console.log(`The store that was in place is kept as ${result.keptAside}${result.previousDamaged ? ` (it could not be opened: ${result.previousDamaged})` : ''}.`);
  if (ignoreKey && manifest.keyFingerprint && manifest.keyFingerprint !== key?.fingerprint) {
    console.log('The key does not fit this data (--ignore-key): imports will be refused until the original key is back.');
  }

  const store = await openStore({ path });
  try {
    const refresh = await store.withConnection((conn) => refreshRollupsIfStale(conn));
    if (refresh) console.log(`rollups: ${describeRefresh(refresh)}`);
  } finally {
    await store.close();
  }
  const pending = batchesToImport(new Set(manifest.loadedBatches.map((b) => b.batchId)), archive);
  const ageDays = (Date.now() - Date.parse(manifest.createdAt)) / 86_400_000;
  if (archive && archive.retentionDays > 0 && ageDays > archive.retentionDays) {
    console.log(
      `Warning: the backup is ${Math.floor(ageDays)} days old, older than PORTAL_ARCHIVE_DAYS (${archive.retentionDays}): batches imported ` +
        `after it may have been deleted from the archive, and the restored store cannot get them back from there.`,
    );
  }
  if (pending.length > 0) {
    console.log(
      `${pending.length} batch(es) the backup has not seen wait in landing or the archive (${pending[0]}${pending.length > 1 ? ` … ${pending.at(-1)}` : ''}): ` +
        `the next import run loads them in order (npm run ingest -- <landing-dir>, or the server's schedule).`,
    );
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof StoreError || err instanceof RefusedError;
    console.error(known ? redact((err as Error).message) : `Restore failed: ${describeError(err)}`);
    if (process.env.PORTAL_DEBUG && err instanceof Error) console.error(redact(err.stack ?? ''));
    process.exit(1);
  },
);
