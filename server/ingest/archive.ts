/**
 * The landing archive: once a batch is committed, its folder moves out of the landing directory
 * into the archive (data/archive beside the store by default), where it is kept for a number of
 * days. The archive is what a store can be rebuilt from, and where the importer finds the batches a
 * restored snapshot has not seen.
 *
 * A move never loses or doubles a batch. On one filesystem it is a rename (atomic). Across
 * filesystems the folder is copied into a hidden folder of the archive (fsynced, modification
 * times kept: they are part of the batch's fingerprint), renamed into place, and only then removed
 * from landing. A crash in between leaves either a hidden partial copy (ignored as a batch, removed
 * by the next prune) or both complete copies: the store already holds the landing copy under the
 * same fingerprint, so the next run skips it and moves it again, replacing the archived one.
 */
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fsyncPath } from '../store/fsync.js';
import { z } from 'zod';
import { faultPoint } from '../store/faults.js';
import { RefusedError } from './errors.js';

export interface ArchiveOptions {
  /** Where imported batches are moved to. */
  dir: string;
  /** Archived batches older than this many days are deleted at the end of an import run; 0 keeps them for ever. */
  retentionDays: number;
  /** The clock for retention and for stamping a batch's archive time (tests). */
  now?: Date;
}

const DEFAULT_ARCHIVE_DAYS = 90;
/** Prefix of a copy in progress (a move across filesystems); hidden, so never listed as a batch. */
const INCOMING = '.incoming-';
const DAY_MS = 86_400_000;

const daysSchema = z.coerce.number().int().min(0).max(36_500);

/**
 * The archive as the settings give it: PORTAL_ARCHIVE_DIR (default `archive` beside the store, so
 * data/archive for data/portal.duckdb; `off` turns archiving off) and PORTAL_ARCHIVE_DAYS
 * (default 90; 0 keeps archived batches for ever).
 */
export function archiveFromEnv(storePath: string, env: NodeJS.ProcessEnv = process.env): ArchiveOptions | undefined {
  const dirSetting = env.PORTAL_ARCHIVE_DIR?.trim();
  if (dirSetting === 'off') return undefined;
  const days = daysSchema.safeParse(env.PORTAL_ARCHIVE_DAYS?.trim() || DEFAULT_ARCHIVE_DAYS);
  if (!days.success) {
    throw new RefusedError(
      `PORTAL_ARCHIVE_DAYS "${env.PORTAL_ARCHIVE_DAYS}" is not a whole number of days (0 keeps archived batches for ever).`,
    );
  }
  const base = storePath === ':memory:' ? resolve('data') : dirname(resolve(storePath));
  return { dir: dirSetting ? resolve(dirSetting) : join(base, 'archive'), retentionDays: days.data };
}

/** Batch folders in the archive (none when it does not exist yet). */
export function listArchivedBatches(archiveDir: string): string[] {
  if (!existsSync(archiveDir)) return [];
  return readdirSync(archiveDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Copies a folder, keeping modification times and syncing every file, so the copy is durable. */
function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dest = join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dest);
    else if (entry.isFile()) {
      copyFileSync(src, dest);
      fsyncPath(dest);
    } else continue;
    const st = statSync(src);
    utimesSync(dest, st.atime, st.mtime);
  }
  fsyncPath(to);
}

type Rename = (from: string, to: string) => void;

/**
 * Moves one batch folder into the archive and returns its new path. `rename` is the filesystem's
 * rename; tests pass one that fails with EXDEV to take the copy path.
 */
export function archiveBatch(batchDir: string, archive: ArchiveOptions, rename: Rename = renameSync): string {
  const batchId = basename(batchDir);
  mkdirSync(archive.dir, { recursive: true });
  const target = join(archive.dir, batchId);
  // An archived copy under this name is older than the one the store now holds (a redelivery, or
  // a move a crash interrupted): the landing copy replaces it. Until the rename below the landing
  // copy is still there, so a crash here loses nothing.
  if (existsSync(target)) rmSync(target, { recursive: true, force: true });
  try {
    rename(batchDir, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const incoming = join(archive.dir, `${INCOMING}${batchId}-${randomBytes(4).toString('hex')}`);
    copyTree(batchDir, incoming);
    rename(incoming, target);
    fsyncPath(archive.dir);
    // Both complete copies exist here: the crash tests stop the process at this point.
    faultPoint('mid-archive-move');
    rmSync(batchDir, { recursive: true, force: true });
  }
  // The folder's own time says when it was archived (retention counts from it); its files keep
  // theirs, which the batch's fingerprint is made of.
  const at = archive.now ?? new Date();
  utimesSync(target, at, at);
  fsyncPath(archive.dir);
  return target;
}

/**
 * Deletes archived batches older than the retention, and copies a crash left half-way. Only a batch
 * the store holds is deleted: one it does not hold yet (after a restore) is still to be imported.
 */
export function pruneArchive(archive: ArchiveOptions, loadedIds: ReadonlySet<string>): string[] {
  if (!existsSync(archive.dir)) return [];
  const deleted: string[] = [];
  const cutoff = (archive.now ?? new Date()).getTime() - archive.retentionDays * DAY_MS;
  for (const entry of readdirSync(archive.dir, { withFileTypes: true })) {
    const path = join(archive.dir, entry.name);
    if (entry.name.startsWith(INCOMING)) {
      // Only one import runs per store at a time, so a copy in progress is never this run's.
      rmSync(path, { recursive: true, force: true });
      continue;
    }
    if (archive.retentionDays === 0 || !entry.isDirectory() || entry.name.startsWith('.') || !loadedIds.has(entry.name)) continue;
    if (statSync(path).mtimeMs < cutoff) {
      rmSync(path, { recursive: true, force: true });
      deleted.push(entry.name);
    }
  }
  return deleted;
}
