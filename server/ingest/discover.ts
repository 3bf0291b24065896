/** Finds the batches in a landing directory and the contract files in each. */
import { createHash } from 'node:crypto';
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_FORMATS, parseFileName, type ParsedFileName } from '../contract/export-format.js';
import { LOAD_ORDER } from './import-rules.js';
import { RefusedError } from './errors.js';

/** A contract file found in a batch folder. */
export interface BatchFile extends ParsedFileName {
  fileName: string;
  path: string;
  size: number;
}

export interface Batch {
  batchId: string;
  dir: string;
  files: BatchFile[];
  /** Names, sizes and modification times: an identical re-delivery has the same fingerprint. */
  fingerprint: string;
  /**
   * When the batch landed: the latest modification time of its files (of the folder itself when it
   * holds none). A delivery has landed once its last file is written, and a file's time, unlike
   * the folder's, does not move when something else is later added beside it. A copy that keeps
   * the sender's file times (rsync -t, cp -p) would date the export instead of the arrival.
   */
  landedAt: Date;
}

export function listBatchDirs(landingDir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(landingDir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read (${code})`;
    throw new RefusedError(`The landing directory ${landingDir} ${why}. Pass the folder that holds the export batches.`);
  }
  // Batches are delivered in the order of their names; files at the root (manifests) are not batches.
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Reads one batch folder. An unexpected file name refuses the whole batch: loading part of a
 * delivery whose shape we do not understand could silently drop data.
 */
export function readBatch(landingDir: string, batchId: string): Batch {
  const dir = join(landingDir, batchId);
  const files: BatchFile[] = [];
  const unknown: string[] = [];
  const notFiles: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue; // editor and OS noise (.DS_Store), never contract files
    const parsed = parseFileName(entry.name);
    // A contract name on a folder (or anything else that is not a plain file) is no delivery either.
    if (parsed && !entry.isFile()) {
      notFiles.push(entry.name);
      continue;
    }
    if (!parsed) {
      unknown.push(entry.name);
      continue;
    }
    const path = join(dir, entry.name);
    files.push({ ...parsed, fileName: entry.name, path, size: statSync(path).size });
  }
  if (notFiles.length > 0) {
    throw new RefusedError(
      `Batch ${batchId}: ${notFiles.join(', ')} ${notFiles.length === 1 ? 'is a directory or special file' : 'are directories or special files'}, ` +
        `not the data file${notFiles.length === 1 ? '' : 's'} the contract expects under that name. Nothing from this batch was loaded.`,
    );
  }
  if (unknown.length > 0) {
    throw new RefusedError(
      `Batch ${batchId} holds file(s) the export contract does not define: ${unknown.join(', ')}. ` +
        `Allowed: <name>[.part-NNNN].(${FILE_FORMATS.join('|')}) with name one of ${LOAD_ORDER.join(', ')}. Nothing from this batch was loaded.`,
    );
  }
  files.sort(
    (a, b) => LOAD_ORDER.indexOf(a.kind) - LOAD_ORDER.indexOf(b.kind) || (a.part ?? 0) - (b.part ?? 0) || a.fileName.localeCompare(b.fileName),
  );
  const hash = createHash('sha256');
  let landedMs = files.length === 0 ? statSync(dir).mtimeMs : 0;
  for (const f of files) {
    const { mtimeMs } = statSync(f.path);
    hash.update(`${f.fileName}\0${f.size}\0${mtimeMs}\n`);
    landedMs = Math.max(landedMs, mtimeMs);
  }
  return { batchId, dir, files, fingerprint: hash.digest('hex').slice(0, 32), landedAt: new Date(Math.floor(landedMs)) };
}
