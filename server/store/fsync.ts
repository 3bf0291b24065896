/**
 * Flushes a file, or a folder's entries (after a rename into it), to the disk: a backup, a restore
 * and the landing archive each count a step as done only once it would survive a power cut.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
