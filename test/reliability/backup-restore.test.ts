/**
 * Faults: the store's disk or file damaged. `npm run backup` writes a consistent snapshot while the
 * server keeps serving and importing; `npm run restore` brings it back, and the next import loads
 * the batches the snapshot has not seen (from the archive, where imported batches go).
 *
 * - A snapshot of a store equals it: the same rows in every table, the same data version.
 * - Snapshots taken one after another while an import of several batches runs each equal the
 *   store "after batch k" for some k: exactly the first k batches, and for each of them exactly the
 *   rows the import loaded — never part of a batch.
 * - With a server running, the backup command reaches it through its control socket; the API
 *   answers meanwhile; the backup is audited.
 * - Restore after the store file is damaged, then the next import, ends equal (rows per table, data
 *   version, rows per batch) to the store that imported everything without a fault.
 * - Restore refuses a tampered snapshot, a folder without a manifest, a store held by another
 *   process and a key that is not the backup's, and changes nothing then.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackup, verifyBackup } from '../../server/store/backup.js';
import { restoreBackup } from '../../server/store/restore.js';
import { openStore, type Store } from '../../server/store/store.js';
import { importLanding, type ImportReport } from '../../server/ingest/index.js';
import { keyFingerprint } from '../../server/ingest/pseudonymise.js';
import { startServer } from '../../server/main.js';
import { DATA_TABLES, NOW, STACK_LINE, TEST_KEY, dbPathIn, makeTempDir, openTestStore, query, removeTempDirs, runImport, snapshot } from '../ingest/helpers/harness.js';
import { loadedIds, perBatchCounts, tableCounts, writeLanding, writeSynthetic } from './helpers/batches.js';
import { finished, spawnTs } from './helpers/store-state.js';

afterAll(() => removeTempDirs());

const sha = (path: string) => readFileSync(path).toString('base64');

async function importArchiving(store: Store, landing: string, archiveDir: string): Promise<ImportReport> {
  return importLanding({ store, landingDir: landing, trigger: 'test', key: TEST_KEY, now: NOW, log: () => undefined, archive: { dir: archiveDir, retentionDays: 90 } });
}

async function withStore<T>(path: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ path, migrate: false, threads: 1 });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('a backup is a consistent snapshot of the store', () => {
  it('of a store with known batches: every table has the same rows, the data version is the same, the key is not in it', async () => {
    const dir = makeTempDir('backup-known');
    const landing = join(dir, 'landing');
    const ids = await writeLanding(landing, 2, 400);
    const store = await openTestStore(dir);
    try {
      await runImport(store, landing);
      const backupDir = join(dir, 'backup');
      const manifest = await createBackup(store, backupDir);
      const counts = await tableCounts(store);

      expect(readdirSync(backupDir).sort()).toEqual(['manifest.json', 'portal.duckdb']);
      expect(manifest.loadedBatches.map((b) => b.batchId)).toEqual(ids);
      expect(manifest.dataVersion).toBe(counts['meta:data_version']);
      expect(manifest.baseVersion).toBe('3');
      expect(manifest.keyFingerprint).toBe(keyFingerprint(Buffer.from(TEST_KEY)));
      expect(manifest.tables.usage_events).toBe(45 + 2 * 400);
      expect(readFileSync(join(backupDir, 'manifest.json'), 'utf8')).not.toContain(TEST_KEY);
      expect(await verifyBackup(backupDir)).toEqual(manifest);

      await withStore(join(backupDir, 'portal.duckdb'), async (snap) => {
        expect(await tableCounts(snap)).toEqual(counts);
        expect(await snapshot(snap, DATA_TABLES)).toEqual(await snapshot(store, DATA_TABLES));
      });
    } finally {
      await store.close();
    }
  });

  it('taken again and again while an import of several batches runs: each is the store after some batch k, never between', async () => {
    const dir = makeTempDir('backup-during');
    const landing = join(dir, 'landing');
    const ids = await writeLanding(landing, 5, 15_000);
    const store = await openTestStore(dir);
    const backups: string[] = [];
    try {
      let done = false;
      const importing = runImport(store, landing).finally(() => {
        done = true;
      });
      while (!done) {
        const backupDir = join(dir, `backup-${backups.length}`);
        await createBackup(store, backupDir);
        backups.push(backupDir);
      }
      const { report } = await importing;
      expect(report.batches.map((b) => b.status)).toEqual(ids.map(() => 'succeeded'));
      const final = await perBatchCounts(store);

      const seen = new Set<number>();
      for (const backupDir of backups) {
        const manifest = await verifyBackup(backupDir);
        await withStore(join(backupDir, 'portal.duckdb'), async (snap) => {
          const loaded = await loadedIds(snap);
          const k = loaded.length;
          seen.add(k);
          expect(loaded, backupDir).toEqual(ids.slice(0, k));
          expect(manifest.loadedBatches.map((b) => b.batchId)).toEqual(loaded);
          // Every append-only table holds exactly the final rows of batches 1..k, and nothing else.
          const expected = Object.fromEntries(
            Object.entries(final).map(([table, byBatch]) => [table, Object.fromEntries(Object.entries(byBatch).filter(([id]) => loaded.includes(id)))]),
          );
          expect(await perBatchCounts(snap), `${backupDir} (after batch ${k})`).toEqual(expected);
          const [meta] = await query<{ value: string }>(snap, `SELECT value FROM store_meta WHERE key = 'base_version'`);
          expect(meta?.value ?? '0').toBe(String(k));
        });
      }
      // The backups were taken while the import ran: they saw more than one state of it.
      expect(backups.length).toBeGreaterThan(1);
      expect(seen.size, `states seen: ${[...seen].join(', ')}`).toBeGreaterThan(1);
    } finally {
      await store.close();
    }
  });
});

describe('npm run backup while the server holds the store', () => {
  it('the server makes the backup through its control socket, keeps answering meanwhile, and audits it; a second backup into the same folder is refused', async () => {
    const dir = makeTempDir('backup-server');
    const landing = join(dir, 'landing');
    await writeLanding(landing, 1, 2_000);
    const store = await openTestStore(dir);
    const running = await startServer({ store, port: 0, cron: 'off', archive: 'off' });
    try {
      await runImport(store, landing);
      const socket = join(dir, 'portal.control.sock');
      expect(running.controlSocket).toBe(socket);
      expect(statSync(socket).mode & 0o777).toBe(0o600);

      const backupDir = join(dir, 'backup');
      const child = spawnTs('scripts/backup-cli.ts', [backupDir], { PORTAL_DB: dbPathIn(dir), PORTAL_PSEUDO_KEY: TEST_KEY });
      const result = finished(child);
      let answered = 0;
      let exited = false;
      void result.then(() => {
        exited = true;
      });
      while (!exited) {
        const live = await fetch(`${running.url}/api/live`);
        expect(live.status).toBe(200);
        answered++;
        await new Promise((r) => setTimeout(r, 20));
      }
      const { code, stdout, stderr } = await result;
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toContain('by the running server');
      expect(stdout).toContain('The pseudonymisation key is not in the backup');
      expect(answered).toBeGreaterThan(0);
      const manifest = await verifyBackup(backupDir);
      expect(manifest.tables.usage_events).toBe((await tableCounts(store)).usage_events);
      expect(manifest.loadedBatches).toHaveLength(2);

      const again = await finished(spawnTs('scripts/backup-cli.ts', [backupDir], { PORTAL_DB: dbPathIn(dir), PORTAL_PSEUDO_KEY: TEST_KEY }));
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already holds a backup');
      expect(again.stderr).not.toMatch(STACK_LINE);
      expect(await verifyBackup(backupDir)).toEqual(manifest);
    } finally {
      await running.close();
    }
    try {
      expect(existsSync(join(dir, 'portal.control.sock'))).toBe(false);
      const audited = await query<{ outcome: string; detail: string }>(store, `SELECT outcome, detail FROM audit_log WHERE route = 'backup' ORDER BY audit_id`);
      expect(audited.map((a) => a.outcome)).toEqual(['ok', 'failed']);
      expect(audited[0]!.detail).toContain(join(dir, 'backup'));
    } finally {
      await store.close();
    }
  });

  it('with no server running, the command opens the store itself', async () => {
    const dir = makeTempDir('backup-cli');
    const landing = join(dir, 'landing');
    await writeLanding(landing, 1, 500);
    const counts = await (async () => {
      const store = await openTestStore(dir);
      try {
        await runImport(store, landing);
        return await tableCounts(store);
      } finally {
        await store.close();
      }
    })();
    const backupDir = join(dir, 'backup');
    const { code, stdout, stderr } = await finished(spawnTs('scripts/backup-cli.ts', [backupDir], { PORTAL_DB: dbPathIn(dir) }));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('store opened by this command');
    await withStore(join(backupDir, 'portal.duckdb'), async (snap) => {
      const { audit_log: _audit, ...snapCounts } = await tableCounts(snap);
      const { audit_log: _a, ...storeCounts } = counts;
      expect(snapCounts).toEqual(storeCounts);
    });
  });
});

describe('npm run restore', () => {
  it('after the store file is damaged: restores the backup, keeps the damaged file aside, and the next import loads the batches archived since — equal to the store that imported everything', async () => {
    const dir = makeTempDir('restore-resume');
    const landing = join(dir, 'landing');
    const archive = join(dir, 'archive');
    const backupDir = join(dir, 'backup');
    const storeFile = dbPathIn(dir);
    await writeLanding(landing, 2, 500);

    let everything: Record<string, number | string>;
    let everythingPerBatch: Record<string, Record<string, number>>;
    const store = await openTestStore(dir);
    try {
      const first = await importArchiving(store, landing, archive);
      expect(first.archived).toHaveLength(3);
      await createBackup(store, backupDir);
      const later = await writeSynthetic(landing, 3, 4, 500);
      const second = await importArchiving(store, landing, archive);
      expect(second.archived).toEqual(later);
      expect(readdirSync(landing)).toEqual([]);
      everything = await tableCounts(store);
      everythingPerBatch = await perBatchCounts(store);
    } finally {
      await store.close();
    }

    // The disk damages the store file.
    writeFileSync(storeFile, Buffer.alloc(64 * 1024, 0x5a));
    rmSync(`${storeFile}.wal`, { force: true });

    const env = { PORTAL_DB: storeFile, PORTAL_PSEUDO_KEY: TEST_KEY, PORTAL_LANDING_DIR: landing, PORTAL_ARCHIVE_DIR: archive };
    const { code, stdout, stderr } = await finished(spawnTs('scripts/restore-cli.ts', [backupDir], env));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('restored');
    expect(stdout).toMatch(/2 batch\(es\) the backup has not seen/);
    const aside = readdirSync(dir).filter((n) => n.startsWith('store.duckdb.before-restore-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!))).toEqual(Buffer.alloc(64 * 1024, 0x5a));

    const restored = await openTestStore(dir);
    try {
      expect(await loadedIds(restored)).toHaveLength(3);
      const resumed = await importArchiving(restored, landing, archive);
      expect(resumed.batches.filter((b) => b.status === 'succeeded').map((b) => b.batchId)).toEqual(['2026-11-24T05-00Z', '2026-11-24T06-00Z']);
      const { 'meta:base_version': base, 'meta:data_version': published, ...rows } = await tableCounts(restored);
      const { 'meta:base_version': baseBefore, 'meta:data_version': _, ...rowsBefore } = everything;
      expect(rows).toEqual(rowsBefore);
      expect(await perBatchCounts(restored)).toEqual(everythingPerBatch);
      // Same rows, but never a version number the damaged store published (5): a browser's cached
      // answer from before the restore must not be confirmed by a 304 under a reused ETag.
      expect(published).toBe(base);
      expect(Number(base)).toBeGreaterThan(Number(baseBefore));
    } finally {
      await restored.close();
    }
  });

  it('refuses a tampered snapshot, a folder without a manifest and a key that is not the backup’s, and changes nothing', async () => {
    const dir = makeTempDir('restore-refuse');
    const landing = join(dir, 'landing');
    await writeLanding(landing, 0, 0);
    const storeFile = dbPathIn(dir);
    const backupDir = join(dir, 'backup');
    const store = await openTestStore(dir);
    try {
      await runImport(store, landing);
      await createBackup(store, backupDir);
    } finally {
      await store.close();
    }
    const before = sha(storeFile);
    const fingerprint = keyFingerprint(Buffer.from(TEST_KEY));
    const unchanged = () => {
      expect(sha(storeFile)).toBe(before);
      expect(readdirSync(dir).filter((n) => n.includes('before-restore') || n.includes('.restore-'))).toEqual([]);
    };

    await expect(restoreBackup({ backupDir, storePath: storeFile, keyFingerprint: 'f'.repeat(16) })).rejects.toThrow(
      /key at hand \(fingerprint f{16}\) is not the one the backup's data was made with/,
    );
    await expect(restoreBackup({ backupDir, storePath: storeFile, keyFingerprint: undefined })).rejects.toThrow(/this installation does not have/);
    unchanged();

    // One byte changed in the middle of the snapshot.
    const file = join(backupDir, 'portal.duckdb');
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    writeFileSync(file, bytes);
    await expect(restoreBackup({ backupDir, storePath: storeFile, keyFingerprint: fingerprint })).rejects.toThrow(/is damaged: it does not match its manifest \(checksum differs\)/);
    unchanged();

    rmSync(join(backupDir, 'manifest.json'));
    await expect(restoreBackup({ backupDir, storePath: storeFile, keyFingerprint: fingerprint })).rejects.toThrow(/holds no manifest.json, so it is not a complete backup/);
    unchanged();

    // The command says the same in one line, without a stack trace.
    const cli = await finished(spawnTs('scripts/restore-cli.ts', [backupDir], { PORTAL_DB: storeFile, PORTAL_PSEUDO_KEY: TEST_KEY }));
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('not a complete backup');
    expect(cli.stderr).not.toMatch(STACK_LINE);
    unchanged();
  });

  it('refuses while another process holds the store (a running server), saying so', async () => {
    const dir = makeTempDir('restore-locked');
    const landing = join(dir, 'landing');
    await writeLanding(landing, 0, 0);
    const backupDir = join(dir, 'backup');
    const store = await openTestStore(dir);
    try {
      await runImport(store, landing);
      await createBackup(store, backupDir);
      const { code, stderr } = await finished(spawnTs('scripts/restore-cli.ts', [backupDir], { PORTAL_DB: dbPathIn(dir), PORTAL_PSEUDO_KEY: TEST_KEY }));
      expect(code).toBe(1);
      expect(stderr).toMatch(/is in use by another process \(PID \d+\)/);
      expect(stderr).toContain('Nothing was restored');
      expect(stderr).not.toMatch(STACK_LINE);
      expect(readdirSync(dir).filter((n) => n.includes('before-restore') || n.includes('.restore-'))).toEqual([]);
      expect(await loadedIds(store)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
