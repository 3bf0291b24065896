/**
 * Specification: gzipped deliveries are inflated once into private temporary copies that never
 * outlive the load. The copies hold raw NHS numbers, so:
 *   - a copy is readable by this user only (mode 0600) and sits under PORTAL_TMP_DIR;
 *   - after a load — loaded, refused for a cut-off gzip, or refused later for a bad column — no copy is left;
 *   - copies left by a killed import process are removed by the next import, and a live
 *     process's copies are left alone;
 *   - a temporary folder that cannot be used refuses the batch with a message saying what to set.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchFile } from '../../server/ingest/discover.js';
import { plainCopies, removeStaleCopies } from '../../server/ingest/decompress.js';
import {
  HEADERS,
  csv,
  makeTempDir,
  removeTempDirs,
  writeBatch,
  withImportedStore,
} from './helpers/harness.js';

const USAGE = csv(HEADERS.usage_events, [['use-dc-1', '2026-07-01T08:00:00Z', '9434765919', 'E85001', 'login', 'web']]);

let tmp: string;
const before = process.env.PORTAL_TMP_DIR;
beforeEach(() => {
  tmp = makeTempDir('decompress-tmp');
  process.env.PORTAL_TMP_DIR = tmp;
});
afterEach(() => {
  if (before === undefined) delete process.env.PORTAL_TMP_DIR;
  else process.env.PORTAL_TMP_DIR = before;
});
afterAll(removeTempDirs);

function gzFile(dir: string, fileName: string, content: Buffer): BatchFile {
  const path = join(dir, fileName);
  writeFileSync(path, content);
  return { fileName, path, kind: 'usage_events', part: null, format: 'csv.gz', size: content.length };
}

describe('plain copies of gzipped files', () => {
  it('are the inflated bytes, private to this user, and gone after remove()', async () => {
    const dir = makeTempDir('decompress-src');
    const plain = await plainCopies([gzFile(dir, 'usage_events.csv.gz', gzipSync(USAGE))]);
    const copy = plain.files[0]!;
    expect(copy.fileName).toBe('usage_events.csv.gz');
    expect(copy.format).toBe('csv');
    expect(copy.path.startsWith(tmp)).toBe(true);
    expect(readFileSync(copy.path, 'utf8')).toBe(USAGE);
    expect(statSync(copy.path).mode & 0o777).toBe(0o600);
    plain.remove();
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('leaves a plain file as it is, and makes no folder when nothing is gzipped', async () => {
    const dir = makeTempDir('decompress-src');
    const path = join(dir, 'usage_events.csv');
    writeFileSync(path, USAGE);
    const file: BatchFile = { fileName: 'usage_events.csv', path, kind: 'usage_events', part: null, format: 'csv', size: USAGE.length };
    const plain = await plainCopies([file]);
    expect(plain.files[0]).toEqual(file);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('refuse clearly, pointing at PORTAL_TMP_DIR, when the temporary folder cannot be used', async () => {
    const dir = makeTempDir('decompress-src');
    process.env.PORTAL_TMP_DIR = join(tmp, 'no-such-folder');
    await expect(plainCopies([gzFile(dir, 'usage_events.csv.gz', gzipSync(USAGE))])).rejects.toThrow(
      /could not be written in .*no-such-folder.*PORTAL_TMP_DIR/,
    );
  });

  it('refuse a cut-off gzip, naming it, and leave nothing behind', async () => {
    const dir = makeTempDir('decompress-src');
    const whole = gzipSync(USAGE.repeat(50));
    const cut = gzFile(dir, 'usage_events.part-0002.csv.gz', whole.subarray(0, whole.length >> 1));
    await expect(plainCopies([gzFile(dir, 'usage_events.part-0001.csv.gz', whole), cut])).rejects.toThrow(/usage_events\.part-0002\.csv\.gz is truncated/);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('an import of a gzipped batch', () => {
  it('leaves no copy behind when it loads, nor when a later check refuses the batch', async () => {
    await withImportedStore(
      'decompress-import',
      (landing) => {
        writeBatch(landing, '2026-07-01T09-00Z', { 'usage_events.csv.gz': gzipSync(USAGE) });
        writeBatch(landing, '2026-07-02T09-00Z', { 'usage_events.csv.gz': gzipSync(USAGE.replace('platform', 'browser')) });
      },
      async (_store, report) => {
        expect(report.batches.map((b) => b.status)).toEqual(['succeeded', 'failed']);
        expect(readdirSync(tmp)).toEqual([]);
      },
    );
  });

  it('first removes copies of import processes that no longer run, and keeps a live one', () => {
    const dead = join(tmp, 'portal-ingest-999999-abc');
    const live = join(tmp, `portal-ingest-${process.ppid}-def`);
    const unrelated = join(tmp, 'someone-else');
    for (const d of [dead, live, unrelated]) mkdirSync(d);
    writeFileSync(join(dead, '0.csv'), USAGE);
    removeStaleCopies();
    expect(readdirSync(tmp).sort()).toEqual([`portal-ingest-${process.ppid}-def`, 'someone-else']);
  });
});
