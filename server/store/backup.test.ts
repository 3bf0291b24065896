/**
 * The backup's own rules: a folder that holds a backup is refused unless overwriting; the store's
 * own file is never a target; a backup that fails leaves nothing that looks like one; a manifest
 * that is not one, or a file that does not match it, is refused by name.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKUP_FILE, createBackup, MANIFEST_FILE, verifyBackup } from './backup.js';
import { openStore, type Store } from './store.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function newStore(): Promise<{ dir: string; store: Store }> {
  const dir = mkdtempSync(join(tmpdir(), 'portal-backup-'));
  dirs.push(dir);
  const store = await openStore({ path: join(dir, 'portal.duckdb'), threads: 1 });
  stores.push(store);
  await store.withConnection((conn) => conn.run(`INSERT INTO store_meta VALUES ('base_version', '7'), ('data_version', '7')`));
  return { dir, store };
}

describe('createBackup', () => {
  it('writes the snapshot and then its manifest, describing what it copied', async () => {
    const { dir, store } = await newStore();
    const target = join(dir, 'backups', 'monday');
    const manifest = await createBackup(store, target, { now: new Date('2026-12-01T02:00:00Z') });
    expect(readdirSync(target).sort()).toEqual([MANIFEST_FILE, BACKUP_FILE]);
    expect(manifest).toMatchObject({ createdAt: '2026-12-01T02:00:00.000Z', baseVersion: '7', dataVersion: '7', keyFingerprint: null, loadedBatches: [] });
    expect(manifest.schemaVersion).toBeGreaterThan(10);
    expect(manifest.tables.schema_version).toBe(manifest.schemaVersion);
    expect(JSON.parse(readFileSync(join(target, MANIFEST_FILE), 'utf8'))).toEqual(manifest);
  });

  it('refuses a folder that already holds a backup unless asked to overwrite, and never the store’s own file', async () => {
    const { dir, store } = await newStore();
    const target = join(dir, 'backup');
    const first = await createBackup(store, target);
    await expect(createBackup(store, target)).rejects.toThrow(/already holds a backup \(manifest.json, portal.duckdb\).*--overwrite/);
    expect(await verifyBackup(target)).toEqual(first);
    await store.withConnection((conn) => conn.run(`UPDATE store_meta SET value = '8' WHERE key = 'base_version'`));
    const second = await createBackup(store, target, { overwrite: true });
    expect(second.baseVersion).toBe('8');
    expect(await verifyBackup(target)).toEqual(second);
    await expect(createBackup(store, dir)).rejects.toThrow(/is where the store itself lives/);
  });

  it('that fails leaves no file behind that could pass for a backup', async () => {
    const { dir, store } = await newStore();
    const target = join(dir, 'backup');
    // A file where the folder should be is refused before anything is written.
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    await expect(createBackup(store, join(dir, 'not-a-folder'))).rejects.toThrow(/is not a folder/);
    await createBackup(store, target);
    rmSync(join(target, MANIFEST_FILE));
    rmSync(join(target, BACKUP_FILE));
    // A backup killed half-way leaves only its hidden temporary file (no manifest): the next clears it.
    writeFileSync(join(target, '.portal.duckdb.partial-1-dead'), 'left by a killed backup');
    await createBackup(store, target);
    expect(readdirSync(target).sort()).toEqual([MANIFEST_FILE, BACKUP_FILE]);
  });
});

describe('a snapshot opened as a store', () => {
  it('goes on numbering from where the store was: a user added to it gets the next id, not one already taken', async () => {
    const { dir, store } = await newStore();
    await store.withConnection(async (conn) => {
      for (const name of ['ann', 'bob', 'cat']) await conn.run(`INSERT INTO users (username, role, org_code) VALUES ($1, 'admin', 'E85001')`, [name]);
    });
    await createBackup(store, join(dir, 'backup'));
    const snap = await openStore({ path: join(dir, 'backup', BACKUP_FILE), threads: 1 });
    stores.push(snap);
    const rows = await snap.withConnection(async (conn) => {
      await conn.run(`INSERT INTO users (username, role, org_code) VALUES ('dan', 'admin', 'E85001')`);
      return (await conn.runAndReadAll(`SELECT user_id, username FROM users ORDER BY user_id`)).getRows();
    });
    expect(rows).toEqual([[1, 'ann'], [2, 'bob'], [3, 'cat'], [4, 'dan']]);
  });
});

describe('verifyBackup', () => {
  it('refuses a manifest that is not one, and a snapshot that does not match its size', async () => {
    const { dir, store } = await newStore();
    const target = join(dir, 'backup');
    const manifest = await createBackup(store, target);
    writeFileSync(join(target, MANIFEST_FILE), '{"format": "something else"}');
    await expect(verifyBackup(target)).rejects.toThrow(/is not a Portal Insights backup manifest \(format:/);
    writeFileSync(join(target, MANIFEST_FILE), '{not json');
    await expect(verifyBackup(target)).rejects.toThrow(/is not valid JSON/);
    writeFileSync(join(target, MANIFEST_FILE), JSON.stringify(manifest));
    writeFileSync(join(target, BACKUP_FILE), readFileSync(join(target, BACKUP_FILE)).subarray(0, 4096));
    await expect(verifyBackup(target)).rejects.toThrow(new RegExp(`is damaged: it does not match its manifest \\(4096 bytes, the manifest says ${manifest.file.bytes}\\)`));
    await expect(verifyBackup(join(dir, 'nowhere'))).rejects.toThrow(/does not exist/);
  });
});
