/**
 * The archive's rules on their own: the settings, a move on one filesystem and across two (the
 * copy keeps what the batch's fingerprint is made of), and what retention deletes.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { archiveBatch, archiveFromEnv, listArchivedBatches, pruneArchive } from './archive.js';
import { readBatch } from './discover.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portal-archive-'));
  dirs.push(dir);
  return dir;
}

const DAY = 86_400_000;
const NOW = new Date('2026-12-04T12:00:00Z');

/** A batch folder of two contract files with old modification times, as a delivery has. */
function batch(landing: string, id: string): string {
  const dir = join(landing, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'organisations.csv'), 'org_code,name\n');
  writeFileSync(join(dir, 'usage_events.csv'), 'event_id\nuse-1\n');
  const delivered = new Date('2026-11-24T02:00:00Z');
  for (const f of readdirSync(dir)) utimesSync(join(dir, f), delivered, delivered);
  return dir;
}

/** A rename that fails as it does between two filesystems. */
const crossDevice = (from: string, to: string) => {
  if (from.includes('landing')) throw Object.assign(new Error(`EXDEV: cross-device link not permitted, rename '${from}' -> '${to}'`), { code: 'EXDEV' });
  renameSync(from, to);
};

describe('archive settings', () => {
  it('default to archive/ beside the store, 90 days; off turns archiving off; 0 days keeps for ever; a bad number is refused', () => {
    expect(archiveFromEnv('/srv/portal/data/portal.duckdb', {})).toEqual({ dir: '/srv/portal/data/archive', retentionDays: 90 });
    expect(archiveFromEnv('/srv/portal/data/portal.duckdb', { PORTAL_ARCHIVE_DIR: 'off' })).toBeUndefined();
    expect(archiveFromEnv('/srv/portal/data/portal.duckdb', { PORTAL_ARCHIVE_DIR: 'kept', PORTAL_ARCHIVE_DAYS: '0' })).toEqual({ dir: resolve('kept'), retentionDays: 0 });
    expect(() => archiveFromEnv('/srv/portal/data/portal.duckdb', { PORTAL_ARCHIVE_DAYS: 'ninety' })).toThrow(/PORTAL_ARCHIVE_DAYS "ninety" is not a whole number of days/);
    expect(() => archiveFromEnv('/srv/portal/data/portal.duckdb', { PORTAL_ARCHIVE_DAYS: '-1' })).toThrow(/not a whole number of days/);
  });
});

describe('archiveBatch', () => {
  it('moves a batch folder by rename, keeping its fingerprint, and stamps when it was archived', () => {
    const root = tempDir();
    const landing = join(root, 'landing');
    const before = readBatch(landing, basename(batch(landing, 'b1')));
    const target = archiveBatch(join(landing, 'b1'), { dir: join(root, 'archive'), retentionDays: 90, now: NOW });
    expect(existsSync(join(landing, 'b1'))).toBe(false);
    expect(readBatch(join(root, 'archive'), 'b1').fingerprint).toBe(before.fingerprint);
    expect(Math.round(statSync(target).mtimeMs)).toBe(NOW.getTime());
  });

  it('across filesystems copies (keeping the fingerprint), then removes the landing copy; an older archived copy is replaced', () => {
    const root = tempDir();
    const landing = join(root, 'landing');
    const archive = { dir: join(root, 'archive'), retentionDays: 90, now: NOW };
    mkdirSync(join(archive.dir, 'b1'), { recursive: true });
    writeFileSync(join(archive.dir, 'b1', 'usage_events.csv'), 'an older delivery');
    const before = readBatch(landing, basename(batch(landing, 'b1')));
    archiveBatch(join(landing, 'b1'), archive, crossDevice);
    expect(existsSync(join(landing, 'b1'))).toBe(false);
    expect(readdirSync(archive.dir)).toEqual(['b1']);
    expect(readFileSync(join(archive.dir, 'b1', 'usage_events.csv'), 'utf8')).toBe('event_id\nuse-1\n');
    expect(readBatch(archive.dir, 'b1').fingerprint).toBe(before.fingerprint);
  });
});

describe('pruneArchive', () => {
  it('deletes batches the store holds archived longer ago than the retention, keeps the rest, and clears copies a crash left half-way', () => {
    const root = tempDir();
    const landing = join(root, 'landing');
    const archive = { dir: join(root, 'archive'), retentionDays: 90, now: NOW };
    const at = (days: number) => ({ ...archive, now: new Date(NOW.getTime() - days * DAY) });
    archiveBatch(batch(landing, 'old-held'), at(91));
    archiveBatch(batch(landing, 'old-not-held'), at(200));
    archiveBatch(batch(landing, 'recent'), at(89));
    mkdirSync(join(archive.dir, '.incoming-b9-0a1b2c3d'));

    expect(pruneArchive({ ...archive, retentionDays: 0 }, new Set(['old-held', 'old-not-held', 'recent']))).toEqual([]);
    expect(listArchivedBatches(archive.dir)).toEqual(['old-held', 'old-not-held', 'recent']);
    expect(existsSync(join(archive.dir, '.incoming-b9-0a1b2c3d'))).toBe(false);

    // A batch the store does not hold (a restore went back before it) is still to be imported.
    expect(pruneArchive(archive, new Set(['old-held', 'recent']))).toEqual(['old-held']);
    expect(listArchivedBatches(archive.dir)).toEqual(['old-not-held', 'recent']);
  });
});
