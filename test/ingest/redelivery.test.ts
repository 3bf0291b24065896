/**
 * Specification: idempotent loading (contract rule 2 and "a batch may be re-delivered whole").
 *
 * - The same folder again, unchanged → skipped; every data table is exactly as before.
 * - The same files under a new batch name → loads nothing new. Every event row is either a
 *   duplicate (it is stored already) or withheld again (the sample's two objected events were never
 *   stored, so they can only be withheld once more); nothing is quarantined. Reference rows are
 *   valid rows and count as loaded (upserted to identical values).
 * - The same folder name with one extra row appended → loaded again; only the new row is new.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../server/store/store.js';
import {
  DATA_TABLES,
  REFERENCE_BATCH_COLUMNS,
  SAMPLE_BATCH_DIR,
  batchOf,
  copyBatch,
  eventIds,
  expectCountsIdentity,
  makeTempDir,
  tempLanding,
  openTestStore,
  query,
  removeTempDirs,
  rowCount,
  runImport,
  scalar,
  snapshot,
} from './helpers/harness.js';

const FIRST = '2026-11-24T02-00Z';
const AGAIN = '2026-11-24T04-00Z';

/** Sample rows per event file, and how many of them were withheld on first load (see sample-batch.test.ts). */
const EVENT_FILES = {
  'enrolment_events.csv': { rowsIn: 31, withheldFirstTime: 1 },
  'usage_events.csv': { rowsIn: 45, withheldFirstTime: 0 },
  'record_feeds.csv': { rowsIn: 25, withheldFirstTime: 1 },
  'consent_events.csv': { rowsIn: 3, withheldFirstTime: 0 },
} as const;
const REFERENCE_FILES = { 'organisations.csv': 8, 'campaigns.csv': 1, 'programme_costs.csv': 2, 'patients.csv': 12 } as const;

describe('re-delivery changes nothing', () => {
  let store: Store;
  let landing: string;
  let afterFirst: Record<string, string[]>;

  beforeAll(async () => {
    const dir = makeTempDir('redeliver');
    landing = join(dir, 'landing');
    copyBatch(SAMPLE_BATCH_DIR, landing, FIRST);
    store = await openTestStore(dir);
    const { report } = await runImport(store, landing);
    expect(batchOf(report, FIRST).status).toBe('succeeded');
    afterFirst = await snapshot(store, DATA_TABLES);
  });

  afterAll(async () => {
    await store?.close();
    removeTempDirs();
  });

  it('skips the same folder with identical files and leaves every data table exactly as it was', async () => {
    const dataVersionBefore = await query(store, `SELECT value FROM store_meta WHERE key = 'data_version'`);
    const { report } = await runImport(store, landing);
    expect(report.status).not.toBe('failed');
    expect(report.batches.map((b) => [b.batchId, b.status])).toEqual([[FIRST, 'skipped']]);
    expect(await snapshot(store, DATA_TABLES)).toEqual(afterFirst);
    expect(await query(store, `SELECT batch_id FROM loaded_batches`)).toEqual([{ batch_id: FIRST }]);
    expect(dataVersionBefore).toHaveLength(1);
    // Nothing changed, so API caches keyed on data_version stay valid.
    expect(await query(store, `SELECT value FROM store_meta WHERE key = 'data_version'`)).toEqual(dataVersionBefore);
  });

  it('does not add a run-log row for a batch it skipped as already loaded', async () => {
    // Runs after the skip above. The schedule looks at every batch every 15 minutes; logging each
    // already-loaded batch again would bury the real attempts in the run log.
    expect(await query(store, `SELECT status FROM ingest_runs WHERE batch_id = $1 ORDER BY started_at`, [FIRST])).toEqual([
      { status: 'succeeded' },
    ]);
  });

  it('loads nothing new from the same files under a new batch name: events are duplicates', async () => {
    copyBatch(SAMPLE_BATCH_DIR, landing, AGAIN);
    const { report } = await runImport(store, landing);
    expectCountsIdentity(report);
    // The first folder is still skipped; the new one is processed.
    expect(report.batches.map((b) => [b.batchId, b.status])).toEqual([
      [FIRST, 'skipped'],
      [AGAIN, 'succeeded'],
    ]);
    const again = batchOf(report, AGAIN);
    for (const [name, expected] of Object.entries(EVENT_FILES)) {
      const f = again.files.find((x) => x.fileName === name);
      expect(f, name).toBeDefined();
      expect(f!.rowsIn, name).toBe(expected.rowsIn);
      expect(f!.loaded, name).toBe(0);
      expect(f!.quarantined, name).toBe(0);
      // Stored rows come back as duplicates; the objected rows (never stored) may only be withheld again.
      expect(f!.duplicates, name).toBeGreaterThanOrEqual(expected.rowsIn - expected.withheldFirstTime);
      expect(f!.duplicates + f!.withheld, name).toBe(expected.rowsIn);
    }
    for (const [name, rows] of Object.entries(REFERENCE_FILES)) {
      const f = again.files.find((x) => x.fileName === name);
      expect(f, name).toBeDefined();
      expect({ rowsIn: f!.rowsIn, loaded: f!.loaded, quarantined: f!.quarantined }, name).toEqual({ rowsIn: rows, loaded: rows, quarantined: 0 });
    }
    // Events keep the batch they first came from; reference rows may be re-stamped by the upsert.
    expect(await snapshot(store, DATA_TABLES, REFERENCE_BATCH_COLUMNS)).toEqual(
      await snapshotOf(afterFirst, REFERENCE_BATCH_COLUMNS),
    );
    expect(await scalar(store, `SELECT count(*) FROM usage_events WHERE batch_id = $1`, [AGAIN])).toBe(0);
  });

  it('re-loads a changed re-delivery of a loaded folder, storing only the new row', async () => {
    const usage = join(landing, FIRST, 'usage_events.csv');
    const before = readFileSync(usage, 'utf8');
    expect(before.endsWith('\r\n')).toBe(true);
    appendFileSync(usage, 'use-009999,2026-07-01T08:00:00Z,9434765919,E85001,record_viewed,web\r\n');
    const { report } = await runImport(store, landing);
    expectCountsIdentity(report);
    const changed = batchOf(report, FIRST);
    expect(changed.status).toBe('succeeded');
    const f = changed.files.find((x) => x.fileName === 'usage_events.csv');
    expect(f).toMatchObject({ rowsIn: 46, loaded: 1, duplicates: 45, quarantined: 0, withheld: 0 });
    const eventKinds = ['enrolment_events', 'usage_events', 'record_feeds', 'consent_events'];
    const eventRowsLoaded = changed.files.filter((x) => eventKinds.includes(x.kind)).reduce((s, x) => s + x.loaded, 0);
    expect(eventRowsLoaded).toBe(1);
    expect(await rowCount(store, 'usage_events')).toBe(46);
    expect(await eventIds(store, 'usage_events')).toContain('use-009999');
    expect(await rowCount(store, 'enrolment_events')).toBe(30);
    expect(await rowCount(store, 'record_feeds')).toBe(24);
    expect(await rowCount(store, 'consent_events')).toBe(3);
    expect(await rowCount(store, 'objection_episodes')).toBe(2);
    expect(await rowCount(store, 'patients')).toBe(12);
  });
});

/** Applies the same column drops to an earlier full snapshot by re-parsing its JSON rows. */
async function snapshotOf(full: Record<string, string[]>, drop: Record<string, string[]>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [table, rows] of Object.entries(full)) {
    const cols = drop[table] ?? [];
    out[table] = rows
      .map((r) => {
        const obj = JSON.parse(r) as Record<string, unknown>;
        for (const c of cols) delete obj[c];
        return JSON.stringify(obj);
      })
      .sort();
  }
  return out;
}

describe('an empty landing directory', () => {
  afterAll(() => removeTempDirs());

  it('is nothing to do', async () => {
    const { dir, landing } = tempLanding('empty-landing');
    mkdirSync(landing, { recursive: true });
    const store = await openTestStore(dir);
    try {
      const { report } = await runImport(store, landing);
      expect(report.status).toBe('nothing-to-do');
      expect(report.batches).toEqual([]);
      for (const table of ['usage_events', 'patients', 'loaded_batches']) expect(await rowCount(store, table), table).toBe(0);
    } finally {
      await store.close();
    }
  });
});
