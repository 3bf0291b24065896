/**
 * Specification: the landing archive (importLanding's `archive` option, which the CLI, the
 * server's schedule and first start pass from PORTAL_ARCHIVE_DIR / PORTAL_ARCHIVE_DAYS).
 *
 * - A batch moves from landing to the archive once it is committed; a failed batch never does, and
 *   neither do the batches after it (they were not loaded).
 * - A batch the store already holds that is still in landing (archiving turned on later, or a move
 *   that did not happen) is moved by the next run, not loaded again.
 * - At the end of a run, archived batches older than the retention are deleted; 0 keeps them.
 * - A move across filesystems cut short by a crash loses nothing and loads nothing twice.
 * - The archive rebuilds a store: `npm run ingest -- <archive>` into an empty store gives the same
 *   rows as the store the batches were first imported into, and moves nothing.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importLanding, type ImportReport } from '../../server/ingest/index.js';
import type { ArchiveOptions } from '../../server/ingest/archive.js';
import { openStore, type Store } from '../../server/store/store.js';
import { NOW, TEST_KEY, dbPathIn, makeTempDir, openTestStore, removeTempDirs, runCli, runImport, writeBatch } from './helpers/harness.js';
import { SAMPLE_ID, loadedIds, perBatchCounts, syntheticId, tableCounts, writeLanding, writeSynthetic } from '../reliability/helpers/batches.js';
import { canMount } from '../reliability/helpers/mount.js';

afterAll(() => removeTempDirs());

const DAY = 86_400_000;

function importArchiving(store: Store, landing: string, archive: ArchiveOptions): Promise<ImportReport> {
  return importLanding({ store, landingDir: landing, trigger: 'test', key: TEST_KEY, now: NOW, log: () => undefined, archive });
}

const ls = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

describe('the landing archive', () => {
  it('takes each batch once it is committed; a failed batch and the batches after it stay in landing until they load', async () => {
    const dir = makeTempDir('archive-moves');
    const landing = join(dir, 'landing');
    const archive = { dir: join(dir, 'archive'), retentionDays: 90 };
    await writeLanding(landing, 1, 300);
    writeBatch(landing, syntheticId(2), { 'surprise.csv': 'a,b\n1,2\n' });
    await writeSynthetic(landing, 3, 3, 300);

    const store = await openTestStore(dir);
    try {
      const first = await importArchiving(store, landing, archive);
      expect(first.batches.map((b) => b.status)).toEqual(['succeeded', 'succeeded', 'failed']);
      expect(first.archived).toEqual([SAMPLE_ID, syntheticId(1)]);
      expect(ls(archive.dir)).toEqual([SAMPLE_ID, syntheticId(1)]);
      expect(ls(landing)).toEqual([syntheticId(2), syntheticId(3)]);

      // The delivery is fixed: the run loads it and the one after it, and moves both.
      rmSync(join(landing, syntheticId(2)), { recursive: true });
      await writeSynthetic(landing, 2, 2, 300);
      const second = await importArchiving(store, landing, archive);
      expect(second.batches.map((b) => `${b.batchId} ${b.status}`)).toEqual([`${syntheticId(2)} succeeded`, `${syntheticId(3)} succeeded`]);
      expect(second.archived).toEqual([syntheticId(2), syntheticId(3)]);
      expect(ls(landing)).toEqual([]);
      expect(ls(archive.dir)).toEqual([SAMPLE_ID, syntheticId(1), syntheticId(2), syntheticId(3)]);

      // Nothing left to do: archived batches the store holds are not looked at again.
      const third = await importArchiving(store, landing, archive);
      expect(third.status).toBe('nothing-to-do');
      expect(third.batches).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('moves a batch the store already holds (loaded before archiving was on) without loading it again', async () => {
    const dir = makeTempDir('archive-later');
    const landing = join(dir, 'landing');
    const archive = { dir: join(dir, 'archive'), retentionDays: 90 };
    await writeLanding(landing, 1, 300);
    const store = await openTestStore(dir);
    try {
      await runImport(store, landing);
      const before = await tableCounts(store);
      const report = await importArchiving(store, landing, archive);
      expect(report.batches.map((b) => b.status)).toEqual(['skipped', 'skipped']);
      expect(report.archived).toEqual([SAMPLE_ID, syntheticId(1)]);
      expect(ls(landing)).toEqual([]);
      expect(await tableCounts(store)).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it('deletes, at the end of a run, archived batches older than the retention (counted from when they were archived); 0 keeps them for ever', async () => {
    const dir = makeTempDir('archive-retention');
    const landing = join(dir, 'landing');
    const now = new Date('2026-12-04T12:00:00Z');
    await writeLanding(landing, 2, 100);
    const store = await openTestStore(dir);
    try {
      const archive = { dir: join(dir, 'archive'), retentionDays: 30, now };
      await importArchiving(store, landing, archive);
      const ago = (days: number) => new Date(now.getTime() - days * DAY);
      utimesSync(join(archive.dir, SAMPLE_ID), ago(45), ago(45));
      utimesSync(join(archive.dir, syntheticId(1)), ago(31), ago(31));
      utimesSync(join(archive.dir, syntheticId(2)), ago(29), ago(29));

      const forever = await importArchiving(store, landing, { ...archive, retentionDays: 0 });
      expect(forever.archivePruned).toEqual([]);
      expect(ls(archive.dir)).toHaveLength(3);

      const pruned = await importArchiving(store, landing, archive);
      expect(pruned.archivePruned).toEqual([SAMPLE_ID, syntheticId(1)]);
      expect(ls(archive.dir)).toEqual([syntheticId(2)]);
      expect(await loadedIds(store)).toHaveLength(3); // the store keeps its data: only the delivered files go
    } finally {
      await store.close();
    }
  });

  it('after a move across filesystems cut short by a crash (both copies complete, a half-written hidden copy): the next run loads nothing twice and leaves one copy', async () => {
    const dir = makeTempDir('archive-crash');
    const landing = join(dir, 'landing');
    const archive = { dir: join(dir, 'archive'), retentionDays: 90 };
    await writeLanding(landing, 1, 300);
    const store = await openTestStore(dir);
    try {
      await runImport(store, landing);
      const before = await tableCounts(store);
      // The state the crash leaves: the copy renamed into the archive, the landing copy not yet
      // removed; and another copy still in its hidden folder.
      mkdirSync(archive.dir, { recursive: true });
      cpSync(join(landing, SAMPLE_ID), join(archive.dir, SAMPLE_ID), { recursive: true, preserveTimestamps: true });
      cpSync(join(landing, syntheticId(1)), join(archive.dir, `.incoming-${syntheticId(1)}-0a1b2c3d`), { recursive: true });

      const report = await importArchiving(store, landing, archive);
      expect(report.batches.map((b) => b.status)).toEqual(['skipped', 'skipped']);
      expect(report.archived).toEqual([SAMPLE_ID, syntheticId(1)]);
      expect(ls(landing)).toEqual([]);
      expect(readdirSync(archive.dir).sort()).toEqual([SAMPLE_ID, syntheticId(1)]);
      expect(await tableCounts(store)).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it.skipIf(!canMount())('killed (SIGKILL) in the middle of a real move to another filesystem: the next run completes it, nothing loaded twice', async () => {
    const dir = makeTempDir('archive-kill');
    const landing = join(dir, 'landing');
    const mnt = join(dir, 'other-fs');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt]);
    try {
      const archiveDir = join(mnt, 'archive');
      await writeLanding(landing, 1, 300);
      const env = { PORTAL_DB: dbPathIn(dir), PORTAL_PSEUDO_KEY: TEST_KEY, PORTAL_ARCHIVE_DIR: archiveDir, PORTAL_FAULT: 'crash:mid-archive-move' };
      const killed = await runCli(landing, env);
      expect(killed.signal).toBe('SIGKILL');
      // The first batch is committed, copied into the archive, and still in landing.
      expect(ls(archiveDir)).toEqual([SAMPLE_ID]);
      expect(ls(landing)).toEqual([SAMPLE_ID, syntheticId(1)]);

      const store = await openTestStore(dir);
      try {
        expect(await loadedIds(store)).toEqual([SAMPLE_ID]);
        const report = await importArchiving(store, landing, { dir: archiveDir, retentionDays: 90 });
        expect(report.batches.map((b) => `${b.batchId} ${b.status}`)).toEqual([`${SAMPLE_ID} skipped`, `${syntheticId(1)} succeeded`]);
        expect(ls(landing)).toEqual([]);
        expect(readdirSync(archiveDir).sort()).toEqual([SAMPLE_ID, syntheticId(1)]);
        expect(Object.keys((await perBatchCounts(store)).loaded_batches ?? {})).toEqual([SAMPLE_ID, syntheticId(1)]);
        expect(statSync(join(archiveDir, syntheticId(1))).isDirectory()).toBe(true);
      } finally {
        await store.close();
      }
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('rebuilds a store: npm run ingest -- <archive> into an empty store gives the same rows, batch by batch, and moves nothing', async () => {
    const dir = makeTempDir('archive-rebuild');
    const landing = join(dir, 'landing');
    const archiveDir = join(dir, 'archive');
    await writeLanding(landing, 2, 300);
    const store = await openTestStore(dir);
    let original: Record<string, number | string>;
    let originalPerBatch: Record<string, Record<string, number>>;
    try {
      await importArchiving(store, landing, { dir: archiveDir, retentionDays: 90 });
      original = await tableCounts(store);
      originalPerBatch = await perBatchCounts(store);
    } finally {
      await store.close();
    }
    const archived = ls(archiveDir);
    expect(archived).toHaveLength(3);

    const rebuiltPath = join(dir, 'rebuilt', 'portal.duckdb');
    const { code, stdout, stderr } = await runCli(archiveDir, { PORTAL_DB: rebuiltPath, PORTAL_PSEUDO_KEY: TEST_KEY, PORTAL_ARCHIVE_DIR: archiveDir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('3 batch(es) loaded');
    expect(ls(archiveDir)).toEqual(archived);
    const rebuilt = await openStore({ path: rebuiltPath, threads: 1 });
    try {
      expect(await tableCounts(rebuilt)).toEqual(original);
      expect(await perBatchCounts(rebuilt)).toEqual(originalPerBatch);
    } finally {
      await rebuilt.close();
    }
  });
});

