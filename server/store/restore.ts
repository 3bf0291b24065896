/**
 * Restoring a backup: the snapshot is checked against its manifest, the key at hand against the
 * snapshot's key fingerprint, and the store against being in use; then the current store file is
 * kept aside (never deleted) and the snapshot put in its place. Batches the snapshot has not seen
 * are imported by the next run, from landing or from the archive (server/ingest/index.ts).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fsyncPath } from './fsync.js';
import { META } from './meta.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { BackupError, sha256File, verifyBackup, type BackupManifest } from './backup.js';
import { explainOpenError } from './store.js';
import { listMigrations } from './migrate.js';

export interface RestoreOptions {
  backupDir: string;
  storePath: string;
  /** Fingerprint of the pseudonymisation key this installation has; undefined when it has none. */
  keyFingerprint: string | undefined;
  /** Restore even though the key does not fit (the data can be read, but not imported into). */
  ignoreKey?: boolean;
  now?: Date;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Where the store that was in place was kept (undefined when there was none). */
  keptAside?: string;
  /** The store in place could not be opened (damaged): it was kept aside all the same. */
  previousDamaged?: string;
}

/**
 * Refuses when another process holds the store (DuckDB's lock): a running server or import would
 * go on writing to the file being replaced. A store that cannot be opened for another reason is
 * what a restore is for: that reason is returned, and the restore goes on.
 */
async function checkStoreFree(path: string): Promise<string | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    const instance = await DuckDBInstance.create(path);
    instance.closeSync();
    return undefined;
  } catch (err) {
    const explained = explainOpenError(path, err);
    if (/in use by another process/.test(explained.message)) {
      throw new BackupError(`${explained.message} Nothing was restored.`);
    }
    return explained.message;
  }
}

function checkKey(manifest: BackupManifest, options: RestoreOptions): void {
  const wanted = manifest.keyFingerprint;
  if (wanted === null || options.ignoreKey) return;
  if (options.keyFingerprint === undefined) {
    throw new BackupError(
      `The backup's data was pseudonymised with a key (fingerprint ${wanted}) that this installation does not have: ` +
        `there is no key file beside the store and PORTAL_PSEUDO_KEY is not set. Restore the key from where it is kept apart ` +
        `(data/pseudo.key or PORTAL_PSEUDO_KEY) first. Nothing was restored.`,
    );
  }
  if (options.keyFingerprint !== wanted) {
    throw new BackupError(
      `The pseudonymisation key at hand (fingerprint ${options.keyFingerprint}) is not the one the backup's data was made with ` +
        `(fingerprint ${wanted}): imports into the restored store would be refused, and every returning patient would become ` +
        `a new one. Put the original key back (data/pseudo.key or PORTAL_PSEUDO_KEY), or pass --ignore-key to restore the ` +
        `data for reading only. Nothing was restored.`,
    );
  }
}

/** A snapshot that checks out must also open as a store this version of the code can read. */
async function checkOpens(path: string): Promise<void> {
  let instance: DuckDBInstance | undefined;
  try {
    instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    const conn = await instance.connect();
    try {
      const version = Number((await conn.runAndReadAll(`SELECT coalesce(max(version), 0)::INTEGER FROM schema_version`)).getRows()[0]![0]);
      await conn.runAndReadAll(`SELECT count(*) FROM loaded_batches`);
      const latest = listMigrations().at(-1)?.version ?? 0;
      if (version > latest) {
        throw new BackupError(`The backup has schema version ${version}, newer than this version of Portal Insights knows (${latest}): upgrade first. Nothing was restored.`);
      }
    } finally {
      conn.closeSync();
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`The backup's snapshot does not open as a Portal Insights store (${(err as Error).message.split('\n')[0]}). Nothing was restored.`);
  } finally {
    instance?.closeSync();
  }
}

/**
 * Moves the restored copy's base version past every version the replaced store can have published:
 * versions are ETags' first part, and a browser holding an answer from before the restore must
 * never get a 304 for different data under a reused number. Counting from the clock (seconds)
 * puts it above any batch counter; the next open rebuilds the rollups and publishes it.
 */
async function advanceBaseVersion(path: string, now: Date): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  try {
    const conn = await instance.connect();
    try {
      await conn.run(
        `INSERT INTO store_meta VALUES ($key, $version) ON CONFLICT (key) DO UPDATE SET value = greatest(CAST(store_meta.value AS BIGINT), CAST($version AS BIGINT))::VARCHAR`,
        { key: META.baseVersion, version: String(Math.floor(now.getTime() / 1000)) },
      );
      await conn.run('CHECKPOINT');
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const backupDir = resolve(options.backupDir);
  const storePath = resolve(options.storePath);
  const manifest = await verifyBackup(backupDir);
  checkKey(manifest, options);
  const previousDamaged = await checkStoreFree(storePath);

  // The copy goes beside the store first (same filesystem), so putting it in place is a rename.
  const incoming = join(dirname(storePath), `.${basename(storePath)}.restore-${randomBytes(4).toString('hex')}`);
  try {
    copyFileSync(join(backupDir, manifest.file.name), incoming);
    fsyncPath(incoming);
    if ((await sha256File(incoming)) !== manifest.file.sha256) {
      throw new BackupError(`The copy of the backup beside the store does not match the backup's checksum (a disk error?). Nothing was restored.`);
    }
    await checkOpens(incoming);
    await advanceBaseVersion(incoming, options.now ?? new Date());
  } catch (err) {
    rmSync(incoming, { force: true });
    if (err instanceof BackupError) throw err;
    throw new BackupError(`The backup could not be copied beside the store: ${(err as Error).message}. Nothing was restored.`);
  }

  let keptAside: string | undefined;
  if (existsSync(storePath)) {
    const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
    keptAside = `${storePath}.before-restore-${stamp}`;
    renameSync(storePath, keptAside);
  }
  // The write-ahead log belongs to the file kept aside: left in place, DuckDB would replay it
  // onto the restored store.
  if (existsSync(`${storePath}.wal`)) renameSync(`${storePath}.wal`, `${keptAside ?? `${storePath}.before-restore`}.wal`);
  renameSync(incoming, storePath);
  fsyncPath(dirname(storePath));
  return { manifest, keptAside, previousDamaged };
}
