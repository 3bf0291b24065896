/**
 * Specification: where the pseudonymisation key comes from when no `key` option is given.
 * Order: option `key`, else env PORTAL_PSEUDO_KEY, else a key file (option `keyFile`) created on
 * first use with mode 0600 and reused afterwards. The key never lands in the store.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HEADERS,
  SAMPLE_BATCH_DIR,
  allTables,
  copyBatch,
  csv,
  dbPathIn,
  eventIds,
  tempLanding,
  openTestStore,
  query,
  removeTempDirs,
  runImport,
  writeBatch,
} from './helpers/harness.js';

describe('key file', () => {
  let savedEnv: string | undefined;
  beforeEach(() => {
    savedEnv = process.env.PORTAL_PSEUDO_KEY;
    delete process.env.PORTAL_PSEUDO_KEY;
  });
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.PORTAL_PSEUDO_KEY;
    else process.env.PORTAL_PSEUDO_KEY = savedEnv;
  });
  afterAll(() => removeTempDirs());

  it('is created with mode 0600 on first use and reused by the next run', async () => {
    const { dir, landing } = tempLanding('keyfile');
    const keyFile = join(dir, 'secrets', 'pseudo.key');
    copyBatch(SAMPLE_BATCH_DIR, landing, '2026-11-24T02-00Z');
    const store = await openTestStore(dir);
    try {
      const first = await runImport(store, landing, { key: null, keyFile });
      expect(first.report.status).toBe('succeeded');
      expect(existsSync(keyFile)).toBe(true);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = readFileSync(keyFile, 'utf8').trim();
      expect(key.length).toBeGreaterThanOrEqual(32);

      writeBatch(landing, '2026-11-24T03-00Z', {
        'usage_events.csv': csv(HEADERS.usage_events, [['use-950001', '2026-07-01T08:00:00Z', '9434765919', 'E85001', 'login', 'web']]),
      });
      const second = await runImport(store, landing, { key: null, keyFile });
      expect(second.report.status).toBe('succeeded');
      expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
      // Same key → same patient: the new event joins P1 (born 1940), no 13th patient.
      expect(await query(store, `SELECT count(*) AS n FROM patients`)).toEqual([{ n: '12' }]);
      expect(
        await query(store, `SELECT p.birth_year FROM usage_events u JOIN patients p USING (patient_id) WHERE u.event_id = 'use-950001'`),
      ).toEqual([{ birth_year: 1940 }]);
      expect(await eventIds(store, 'usage_events')).toContain('use-950001');

      // The key itself is nowhere in the store.
      for (const table of await allTables(store)) {
        const rows = await query(store, `SELECT * FROM "${table}"`);
        expect(JSON.stringify(rows), table).not.toContain(key);
      }
    } finally {
      await store.close();
    }
    expect(readFileSync(dbPathIn(dir)).toString('latin1')).not.toContain(key_of(keyFile));
  });

  it('defaults to pseudo.key beside the store when neither option nor env gives a key', async () => {
    const { dir, landing } = tempLanding('default-keyfile');
    copyBatch(SAMPLE_BATCH_DIR, landing, '2026-11-24T02-00Z');
    const store = await openTestStore(dir); // store at <dir>/store.duckdb
    try {
      const { report } = await runImport(store, landing, { key: null });
      expect(report.status).toBe('succeeded');
    } finally {
      await store.close();
    }
    const keyFile = join(dir, 'pseudo.key');
    expect(existsSync(keyFile)).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  });

  it('the env PORTAL_PSEUDO_KEY is used when no key option is given (a key file is not needed)', async () => {
    const { dir, landing } = tempLanding('envkey');
    const keyFile = join(dir, 'pseudo.key');
    copyBatch(SAMPLE_BATCH_DIR, landing, '2026-11-24T02-00Z');
    process.env.PORTAL_PSEUDO_KEY = 'env-supplied-key-for-spec-tests';
    const store = await openTestStore(dir);
    try {
      const { report } = await runImport(store, landing, { key: null, keyFile });
      expect(report.status).toBe('succeeded');
      expect(existsSync(keyFile)).toBe(false);
    } finally {
      await store.close();
    }
  });
});

function key_of(file: string): string {
  return readFileSync(file, 'utf8').trim();
}
