/**
 * The store's schema is versioned: a new store starts at the newest version, a store written by
 * older code is brought up to date keeping every row, and a store written by newer code is refused.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { PLATFORMS, USAGE_EVENT_TYPES } from '../contract/export-format.js';
import { currentVersion, listMigrations, migrate } from './migrate.js';
import { openStore } from './store.js';

const dirs: string[] = [];
const tempStorePath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'portal-migrate-'));
  dirs.push(dir);
  return join(dir, 'store.duckdb');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const LATEST = listMigrations().at(-1)!.version;

async function withConnection<T>(path: string, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  try {
    return await fn(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const rows = async (conn: DuckDBConnection, sql: string) => (await conn.runAndReadAll(sql)).getRows();

describe('the schema version', () => {
  it('of a new store is the newest migration', async () => {
    const path = tempStorePath();
    const store = await openStore({ path });
    await store.close();
    expect(LATEST).toBeGreaterThanOrEqual(8);
    expect(await withConnection(path, currentVersion)).toBe(LATEST);
  });

  it('of a new store is in its file, not only its write-ahead log: killed (SIGKILL) just after creating it, the store opens again', async () => {
    // DuckDB 1.5 fails to replay a log holding the schema's macros, so without the checkpoint
    // after migrating, this store could never be opened again.
    const path = tempStorePath();
    const script = `import { openStore } from ${JSON.stringify(new URL('./store.ts', import.meta.url).pathname)};
      await openStore({ path: ${JSON.stringify(path)} }); process.kill(process.pid, 'SIGKILL');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const store = await openStore({ path });
    await store.close();
    expect(await withConnection(path, currentVersion)).toBe(LATEST);
  });

  it('of a store written by newer code makes opening it fail with a message saying so', async () => {
    const path = tempStorePath();
    await (await openStore({ path })).close();
    await withConnection(path, (conn) => conn.run(`INSERT INTO schema_version (version, description) VALUES (${LATEST + 1}, 'from the future')`));
    await expect(openStore({ path })).rejects.toThrow(`This store has schema version ${LATEST + 1}, but this version of Portal Insights only knows up to ${LATEST}`);
  });
});

describe('a store written before migrations 007 and 008', () => {
  /** Version 6, as older code left it: event types as text, patient keys as UUIDs. */
  async function storeAtVersion6(path: string): Promise<void> {
    await withConnection(path, async (conn) => {
      await migrate(conn, listMigrations().filter((m) => m.version <= 6));
      await conn.run(`
        INSERT INTO patient_keys VALUES ('0123456789abcdef-fedcba98-7654-3210'::UUID, 1), ('ffffffff-ffff-ffff-0000-000000000001'::UUID, 2);
        INSERT INTO usage_events VALUES
          ('u-1', '2026-01-05T10:00:00Z', 1, 'A81001', 'login', 'web', 'b1'),
          ('u-2', '2026-01-05T11:00:00Z', 2, NULL, 'document_uploaded', NULL, 'b1'),
          ('u-3', '2026-01-06T09:30:00Z', 1, 'RYJ', 'message_sent', 'android', 'b2');`);
    });
  }

  it('is migrated to the newest version when opened, keeping every usage event, now with ENUM types', async () => {
    const path = tempStorePath();
    await storeAtVersion6(path);
    await (await openStore({ path })).close();
    await withConnection(path, async (conn) => {
      expect(await currentVersion(conn)).toBe(LATEST);
      expect(await rows(conn, `SELECT event_id, occurred_at::VARCHAR, patient_id, org_code, event_type::VARCHAR, platform::VARCHAR, batch_id FROM usage_events ORDER BY event_id`)).toEqual([
        ['u-1', '2026-01-05 10:00:00+00', 1, 'A81001', 'login', 'web', 'b1'],
        ['u-2', '2026-01-05 11:00:00+00', 2, null, 'document_uploaded', null, 'b1'],
        ['u-3', '2026-01-06 09:30:00+00', 1, 'RYJ', 'message_sent', 'android', 'b2'],
      ]);
      const enumOf = (values: readonly string[]) => `ENUM(${values.map((v) => `'${v}'`).join(', ')})`;
      expect(await rows(conn, `SELECT DISTINCT typeof(event_type), typeof(platform) FROM usage_events`)).toEqual([[enumOf(USAGE_EVENT_TYPES), enumOf(PLATFORMS)]]);
    });
  });

  it('keeps each patient key as its two 64-bit halves', async () => {
    const path = tempStorePath();
    await storeAtVersion6(path);
    await (await openStore({ path })).close();
    await withConnection(path, async (conn) => {
      // 0123456789abcdef | fedcba9876543210, and ffffffffffffffff | 0000000000000001, read as hex.
      expect(await rows(conn, `SELECT key_high::VARCHAR, key_low::VARCHAR, patient_id FROM patient_keys ORDER BY patient_id`)).toEqual([
        ['81985529216486895', '18364758544493064720', 1],
        ['18446744073709551615', '1', 2],
      ]);
    });
  });
});

describe('the ENUM types of usage events', () => {
  it('hold exactly the contract values, in the contract order', async () => {
    const path = tempStorePath();
    await (await openStore({ path })).close();
    await withConnection(path, async (conn) => {
      const [[types, platforms]] = (await rows(conn, `SELECT enum_range(NULL::usage_event_type), enum_range(NULL::usage_platform)`)) as [[{ items: string[] }, { items: string[] }]];
      expect(types.items).toEqual([...USAGE_EVENT_TYPES]);
      expect(platforms.items).toEqual([...PLATFORMS]);
    });
  });
});

describe('a store written before migration 013', () => {
  it('keeps its loaded batches, with no landing, import or serving time (they are not known)', async () => {
    const path = tempStorePath();
    await withConnection(path, async (conn) => {
      await migrate(conn, listMigrations().filter((m) => m.version <= 12));
      await conn.run(`INSERT INTO loaded_batches VALUES ('2026-01-05T02-00Z', 'abc', 'run-1', TIMESTAMPTZ '2026-01-05 02:10:00+00')`);
    });
    await (await openStore({ path })).close();
    await withConnection(path, async (conn) => {
      expect(await currentVersion(conn)).toBe(LATEST);
      expect(await rows(conn, `SELECT batch_id, fingerprint, landed_at, imported_at, served_at FROM loaded_batches`)).toEqual([
        ['2026-01-05T02-00Z', 'abc', null, null, null],
      ]);
    });
  });
});
