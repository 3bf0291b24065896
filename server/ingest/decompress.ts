/**
 * Gzipped files are inflated once, by Node, into a private temporary folder before DuckDB reads
 * them. That one pass is also the integrity check: DuckDB reads a cut-off gzip without complaint
 * (half a delivery would load as if whole), so every .gz had to be inflated in full anyway, and
 * DuckDB then reads plain text, which it parses faster and in parallel within a file.
 *
 * The copies hold what the delivered files hold (raw NHS numbers included), so they live in a
 * folder only this user can read, are removed when the kind is loaded, whatever happens, and
 * leftovers of a killed process are removed by the next import (removeStaleCopies).
 */
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { FileFormat } from '../contract/export-format.js';
import type { BatchFile } from './discover.js';
import { RefusedError } from './errors.js';
import { describeError } from '../store/redact.js';

const PREFIX = 'portal-ingest-';
/** 1 MB reads and output chunks: with the 16 KB defaults the stream machinery costs twice the inflating itself. */
const CHUNK = 1 << 20;

/** Where the copies go: PORTAL_TMP_DIR, else the system's temporary folder. */
const tempRoot = () => process.env.PORTAL_TMP_DIR ?? tmpdir();

const isGzip = (file: BatchFile) => file.format.endsWith('.gz');

export interface PlainFiles {
  /** The files to read, in the order given: a gzipped one replaced by its plain copy (same fileName). */
  files: BatchFile[];
  /** Removes the copies; safe to call more than once. */
  remove(): void;
}

/** A batch that cannot be inflated because of this machine (no room, no folder), not the file. */
function tempFolderError(err: unknown): RefusedError {
  return new RefusedError(
    `The temporary copy of a gzipped file could not be written in ${tempRoot()} (${describeError(err)}). ` +
      'Nothing from this batch was loaded; free space there or point PORTAL_TMP_DIR at a folder with room for the batch.',
  );
}

async function inflate(file: BatchFile, target: string): Promise<void> {
  try {
    await pipeline(createReadStream(file.path, { highWaterMark: CHUNK }), createGunzip({ chunkSize: CHUNK }), createWriteStream(target, { mode: 0o600 }));
  } catch (err) {
    // zlib's errors (Z_DATA_ERROR, Z_BUF_ERROR: cut off, not gzip) are the file's; others are ours.
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!code.startsWith('Z_') && code !== 'ENOENT') throw tempFolderError(err);
    throw new RefusedError(
      `${file.fileName} is truncated or not valid gzip (${describeError(err)}). Nothing from this batch was loaded; ask for the file to be re-sent.`,
    );
  }
}

/** Inflates every gzipped file of `files` (concurrently, on Node's thread pool). */
export async function plainCopies(files: BatchFile[]): Promise<PlainFiles> {
  if (!files.some(isGzip)) return { files, remove: () => undefined };
  let dir: string;
  try {
    dir = mkdtempSync(join(tempRoot(), `${PREFIX}${process.pid}-`));
  } catch (err) {
    throw tempFolderError(err);
  }
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const plain = await Promise.all(
      files.map(async (file, i) => {
        if (!isGzip(file)) return file;
        const path = join(dir, `${i}.${file.format.replace(/\.gz$/, '')}`);
        await inflate(file, path);
        return { ...file, path, format: file.format.replace(/\.gz$/, '') as FileFormat, size: statSync(path).size };
      }),
    );
    return { files: plain, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

/** Removes copies left by import processes that no longer run (killed mid-batch). */
export function removeStaleCopies(): void {
  let names: string[];
  try {
    names = readdirSync(tempRoot());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^portal-ingest-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || isRunning(pid)) continue;
    rmSync(join(tempRoot(), name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
