/**
 * Backups of the store: a consistent snapshot made inside the process that holds the store open
 * (DuckDB locks the file against every other process), while it keeps serving and importing.
 *
 * Consistency: the copy is `COPY FROM DATABASE <store> TO <snapshot>` inside one transaction, and
 * the facts of the manifest (versions, loaded batches, row counts) are read in that same
 * transaction. DuckDB gives a transaction one view of the store, fixed when it first reads it: only
 * what was committed before, nothing committed later. An import commits each batch in one
 * transaction, so a snapshot holds the state before a batch or after it, never part of one.
 *
 * Completeness: the copy is written under a hidden temporary name in the target folder, checkpointed,
 * synced and renamed to portal.duckdb; the manifest (with the file's SHA-256) is written last, the
 * same way. A folder is a backup only once its manifest.json exists, and restore checks the file
 * against it, so a backup cut short never passes for a complete one.
 *
 * The pseudonymisation key is not copied: information governance keeps it apart from the data. The
 * manifest holds its fingerprint (never the key) so restore can say whether the key at hand fits.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fsyncPath } from './fsync.js';
import type { DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { sqlLiteral } from './sql-literal.js';
import { META } from './meta.js';
import { currentVersion } from './migrate.js';
import type { Store } from './store.js';
import { StoreError } from './errors.js';

export const BACKUP_FILE = 'portal.duckdb';
export const MANIFEST_FILE = 'manifest.json';
const FORMAT = 'portal-insights-backup/1';
const PARTIAL_PREFIX = '.portal.duckdb.partial-';

/** A backup refused or failed; the message says why and what to do. */
export class BackupError extends StoreError {
  override name = 'BackupError';
}

export const manifestSchema = z.object({
  format: z.literal(FORMAT),
  createdAt: z.string().datetime(),
  /** The store the snapshot was taken from (for the person reading the manifest). */
  source: z.string(),
  schemaVersion: z.number().int().nonnegative(),
  /** store_meta's base_version (committed batches) and data_version (published rollups). */
  baseVersion: z.string().nullable(),
  dataVersion: z.string().nullable(),
  /** Fingerprint of the pseudonymisation key the data was made with; never the key itself. */
  keyFingerprint: z.string().nullable(),
  loadedBatches: z.array(z.object({ batchId: z.string(), fingerprint: z.string() })),
  /** Rows per table at the moment of the snapshot. */
  tables: z.record(z.string(), z.number().int().nonnegative()),
  file: z.object({ name: z.literal(BACKUP_FILE), bytes: z.number().int().positive(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
});
export type BackupManifest = z.infer<typeof manifestSchema>;

export interface BackupOptions {
  /** Replace a backup already in the folder (default: refuse). */
  overwrite?: boolean;
  now?: Date;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** One backup at a time per store: a second waits for the first (they would compete for I/O). */
const queues = new WeakMap<Store, Promise<unknown>>();

/** Refuses a folder that already holds a backup (unless overwriting) or the store's own file. */
function prepareTarget(store: Store, dir: string, overwrite: boolean): void {
  if (store.path !== ':memory:' && resolve(join(dir, BACKUP_FILE)) === resolve(store.path)) {
    throw new BackupError(`The backup folder ${dir} is where the store itself lives (${store.path}): choose another folder.`);
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new BackupError(`${dir} is not a folder: give the folder to write the backup into.`);
  const held = [MANIFEST_FILE, BACKUP_FILE].filter((name) => existsSync(join(dir, name)));
  if (held.length > 0 && !overwrite) {
    throw new BackupError(
      `The folder ${dir} already holds a backup (${held.join(', ')}). Choose an empty or new folder, or pass --overwrite to replace it.`,
    );
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new BackupError(`The backup folder ${dir} cannot be created: ${(err as Error).message}`);
  }
  // A temporary file left by a backup that was killed is never a backup: clear it.
  for (const name of readdirSync(dir)) if (name.startsWith(PARTIAL_PREFIX)) rmSync(join(dir, name), { force: true });
}

interface SnapshotFacts {
  schemaVersion: number;
  baseVersion: string | null;
  dataVersion: string | null;
  keyFingerprint: string | null;
  loadedBatches: { batchId: string; fingerprint: string }[];
  tables: Record<string, number>;
}

/** Read in the snapshot's own transaction, so they describe exactly what it copies. */
async function readFacts(conn: DuckDBConnection, db: string): Promise<SnapshotFacts> {
  const meta = new Map(
    (await conn.runAndReadAll(`SELECT key, value FROM store_meta`)).getRows().map((r) => [String(r[0]), String(r[1])] as const),
  );
  const loaded = await conn.runAndReadAll(`SELECT batch_id, fingerprint FROM loaded_batches ORDER BY batch_id`);
  const names = await conn.runAndReadAll(
    `SELECT table_name FROM duckdb_tables() WHERE database_name = $1 AND schema_name = 'main' AND NOT temporary ORDER BY table_name`,
    [db],
  );
  const tables: Record<string, number> = {};
  for (const [name] of names.getRows()) {
    const count = await conn.runAndReadAll(`SELECT count(*)::BIGINT FROM ${quoteIdent(db)}.main.${quoteIdent(String(name))}`);
    tables[String(name)] = Number(count.getRows()[0]![0]);
  }
  return {
    schemaVersion: await currentVersion(conn),
    baseVersion: meta.get(META.baseVersion) ?? null,
    dataVersion: meta.get(META.dataVersion) ?? null,
    keyFingerprint: meta.get(META.keyFingerprint) ?? null,
    loadedBatches: loaded.getRows().map((r) => ({ batchId: String(r[0]), fingerprint: String(r[1]) })),
    tables,
  };
}

/**
 * Writes a consistent snapshot of the open store into `dir` (portal.duckdb + manifest.json) and
 * returns the manifest. Safe while imports run and the API serves: it only reads the store.
 */
export function createBackup(store: Store, dir: string, options: BackupOptions = {}): Promise<BackupManifest> {
  const previous = queues.get(store) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => backupNow(store, resolve(dir), options));
  queues.set(store, run);
  return run;
}

async function backupNow(store: Store, dir: string, options: BackupOptions): Promise<BackupManifest> {
  prepareTarget(store, dir, options.overwrite === true);
  const partial = join(dir, `${PARTIAL_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  // ATTACH is visible to every connection of the instance: a name of its own per backup.
  const alias = `portal_backup_${randomBytes(6).toString('hex')}`;
  try {
    const facts = await store.withConnection(async (conn) => {
      const db = String((await conn.runAndReadAll(`SELECT current_database()`)).getRows()[0]![0]);
      await conn.run(`ATTACH ${sqlLiteral(partial)} AS ${quoteIdent(alias)}`);
      try {
        await conn.run('BEGIN TRANSACTION');
        try {
          const read = await readFacts(conn, db);
          await conn.run(`COPY FROM DATABASE ${quoteIdent(db)} TO ${quoteIdent(alias)}`);
          await conn.run('COMMIT');
          return read;
        } catch (err) {
          await conn.run('ROLLBACK').catch(() => undefined);
          throw err;
        }
      } finally {
        // DETACH checkpoints the copy into its file and closes it; after it no WAL may be left.
        await conn.run(`CHECKPOINT ${quoteIdent(alias)}`).catch(() => undefined);
        await conn.run(`DETACH ${quoteIdent(alias)}`);
      }
    });
    if (existsSync(`${partial}.wal`)) throw new BackupError('The snapshot was not fully written to its file (a write-ahead log was left); nothing was kept.');
    fsyncPath(partial);
    const bytes = statSync(partial).size;
    const sha256 = await sha256File(partial);
    const manifest: BackupManifest = {
      format: FORMAT,
      createdAt: (options.now ?? new Date()).toISOString(),
      source: store.path,
      ...facts,
      file: { name: BACKUP_FILE, bytes, sha256 },
    };
    // Replacing a backup: its manifest goes first, so the folder never pairs it with the new file.
    rmSync(join(dir, MANIFEST_FILE), { force: true });
    renameSync(partial, join(dir, BACKUP_FILE));
    fsyncPath(dir);
    const manifestPartial = join(dir, `${PARTIAL_PREFIX}manifest-${randomBytes(4).toString('hex')}`);
    writeFileSync(manifestPartial, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    fsyncPath(manifestPartial);
    renameSync(manifestPartial, join(dir, MANIFEST_FILE));
    fsyncPath(dir);
    return manifest;
  } catch (err) {
    rmSync(partial, { force: true });
    rmSync(`${partial}.wal`, { force: true });
    if (err instanceof BackupError) throw err;
    throw new BackupError(`The backup into ${dir} failed, and nothing was kept: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * Reads a backup folder's manifest and checks the snapshot file against it (size and SHA-256).
 * Refuses, saying why, a folder without a manifest (not a backup, or one cut short), a manifest
 * that does not parse, a missing file and a file that is not the one the manifest describes.
 */
export async function verifyBackup(dir: string): Promise<BackupManifest> {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(dir)) throw new BackupError(`The backup folder ${dir} does not exist.`);
  if (!existsSync(manifestPath)) {
    throw new BackupError(
      `${dir} holds no ${MANIFEST_FILE}, so it is not a complete backup (a backup's manifest is written last; a backup cut short has none). Nothing was restored.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new BackupError(`The backup's ${MANIFEST_FILE} is not valid JSON (${(err as Error).message}). Nothing was restored.`);
  }
  const manifest = manifestSchema.safeParse(parsed);
  if (!manifest.success) {
    const issue = manifest.error.issues[0];
    throw new BackupError(
      `The backup's ${MANIFEST_FILE} is not a Portal Insights backup manifest (${issue ? `${issue.path.join('.') || 'root'}: ${issue.message}` : 'unknown shape'}). Nothing was restored.`,
    );
  }
  const file = join(dir, manifest.data.file.name);
  if (!existsSync(file)) throw new BackupError(`The backup's snapshot file ${file} is missing. Nothing was restored.`);
  const bytes = statSync(file).size;
  const sha256 = bytes === manifest.data.file.bytes ? await sha256File(file) : undefined;
  if (sha256 !== manifest.data.file.sha256) {
    throw new BackupError(
      `The backup's snapshot file ${file} is damaged: it does not match its manifest ` +
        `(${bytes === manifest.data.file.bytes ? 'checksum differs' : `${bytes} bytes, the manifest says ${manifest.data.file.bytes}`}). Nothing was restored; use another backup.`,
    );
  }
  return manifest.data;
}
