/** Mounting a small tmpfs, for the tests of a full disk, a read-only disk and a move across filesystems. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Whether this machine lets the tests mount a tmpfs (root in a container that allows it). */
export function canMount(): boolean {
  const probe = join(process.env.TMPDIR ?? '/tmp', `mount-probe-${process.pid}`);
  try {
    mkdirSync(probe, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
