/**
 * Specification: a batch is loaded whole or not at all (contract rule 3).
 *
 * The store first holds the sample batch. A second batch then brings new events, a reference
 * update, a bad row (quarantine) and an objection that purges stored rows — i.e. it touches every
 * kind of table. The CLI is run with PORTAL_FAULT=crash:mid-batch, which SIGKILLs the process after
 * the batch's rows are written and before the commit. Afterwards every table must be exactly as
 * before; a re-run without the fault then loads the batch.
 *
 * Batch 2 (2026-11-24T07-00Z):
 *   organisations.csv  RYX renamed                              → upsert
 *   usage_events.csv   use-920001 (P1 E85001) valid · use-920002 platform `pager` (quarantine)
 *   consent_events.csv con-920001 P3 (9131860915) objects to RYJ
 *     → purges P3's RYJ events from the sample: enr-000009 (activated at RYJ), feed-000082 (RYJ
 *       letter), use-000046, use-000048, use-000049 (RYJ letter/result views).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HEADERS,
  SAMPLE_BATCH_DIR,
  TEST_KEY,
  allTables,
  copyBatch,
  csv,
  dbPathIn,
  eventIds,
  makeTempDir,
  openTestStore,
  query,
  removeTempDirs,
  runCli,
  runImport,
  snapshot,
  STACK_LINE,
  writeBatch,
} from './helpers/harness.js';

const SAMPLE = '2026-11-24T02-00Z';
const SECOND = '2026-11-24T07-00Z';

describe('a crash in the middle of a batch', () => {
  let dir: string;
  let landing: string;
  let before: Record<string, string[]>;
  let tablesBefore: string[];

  beforeAll(async () => {
    dir = makeTempDir('crash');
    landing = join(dir, 'landing');
    copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
    const store = await openTestStore(dir);
    try {
      await runImport(store, landing);
    } finally {
      await store.close();
    }
    writeBatch(landing, SECOND, {
      'organisations.csv': csv(HEADERS.organisations, [
        ['RYX', 'Central London Community Healthcare (renamed)', 'community', 'QRV', '', '2020-01-06', ''],
      ]),
      'usage_events.csv': csv(HEADERS.usage_events, [
        ['use-920001', '2026-07-01T08:00:00Z', '9434765919', 'E85001', 'record_viewed', 'web'],
        ['use-920002', '2026-07-01T08:05:00Z', '9434765919', 'E85001', 'record_viewed', 'pager'],
      ]),
      'consent_events.csv': csv(HEADERS.consent_events, [['con-920001', '2026-07-02T12:00:00Z', '9131860915', 'RYJ', 'objection_registered']]),
    });
    const reopened = await openTestStore(dir);
    try {
      tablesBefore = await allTables(reopened);
      before = await snapshot(reopened, tablesBefore);
    } finally {
      await reopened.close();
    }
  });

  afterAll(() => removeTempDirs());

  it('is killed by the injected fault and leaves every table exactly as before', async () => {
    const crashed = await runCli(landing, {
      PORTAL_DB: dbPathIn(dir),
      PORTAL_PSEUDO_KEY: TEST_KEY,
      PORTAL_FAULT: 'crash:mid-batch',
    });
    expect(crashed.signal ?? crashed.code, `stdout:\n${crashed.stdout}\nstderr:\n${crashed.stderr}`).toBe('SIGKILL');

    const store = await openTestStore(dir);
    try {
      const tablesAfter = await allTables(store);
      expect(tablesAfter).toEqual(tablesBefore);
      const after = await snapshot(store, tablesAfter);
      for (const table of tablesBefore) expect(after[table], table).toEqual(before[table]);
      expect(await query(store, `SELECT batch_id FROM loaded_batches`)).toEqual([{ batch_id: SAMPLE }]);
    } finally {
      await store.close();
    }
  });

  it('loads the batch on the next run without the fault', async () => {
    const ok = await runCli(landing, { PORTAL_DB: dbPathIn(dir), PORTAL_PSEUDO_KEY: TEST_KEY });
    expect(ok.code, `stdout:\n${ok.stdout}\nstderr:\n${ok.stderr}`).toBe(0);
    expect(`${ok.stdout}\n${ok.stderr}`).not.toMatch(STACK_LINE);

    const store = await openTestStore(dir);
    try {
      expect(await query(store, `SELECT batch_id FROM loaded_batches ORDER BY batch_id`)).toEqual([{ batch_id: SAMPLE }, { batch_id: SECOND }]);
      expect(await query(store, `SELECT name FROM organisations WHERE org_code = 'RYX'`)).toEqual([
        { name: 'Central London Community Healthcare (renamed)' },
      ]);
      const usage = await eventIds(store, 'usage_events');
      expect(usage).toHaveLength(45 + 1 - 3); // + use-920001, − P3's three RYJ usage events
      expect(usage).toContain('use-920001');
      for (const id of ['use-000046', 'use-000048', 'use-000049']) expect(usage).not.toContain(id);
      expect(await eventIds(store, 'enrolment_events')).toHaveLength(30 - 1); // − enr-000009
      expect(await eventIds(store, 'record_feeds')).toHaveLength(24 - 1); // − feed-000082
      expect(await eventIds(store, 'consent_events')).toHaveLength(4);
      expect(await query(store, `SELECT file_name, line, reason_code FROM quarantine`)).toEqual([
        { file_name: 'usage_events.csv', line: '3', reason_code: 'unknown_value' },
      ]);
      // One succeeded run row for SECOND: the killed attempt left no trace.
      const runs = await query<{ status: string }>(store, `SELECT status FROM ingest_runs WHERE batch_id = $1`, [SECOND]);
      expect(runs).toEqual([{ status: 'succeeded' }]);
    } finally {
      await store.close();
    }
  });
});
