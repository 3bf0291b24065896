/**
 * Specification: every delivery format in the contract loads — CSV, gzip CSV, NDJSON (plain and
 * gzip), Parquet (natural types) and part files — and row-level quarantine lines are counted in
 * the file the row came from.
 *
 * Batch 1: the contract sample. Batch 2 (`formats`):
 *   organisations.csv.gz        1 row: new practice E85003 (08Y)                      → 1 loaded
 *   enrolment_events.ndjson     3 lines: 2 valid (one at E85003, delivered in the same batch),
 *                               line 3 event_type `enrolled`                          → 2 loaded, 1 quarantined (line 3)
 *   usage_events.part-0001.csv  2 valid rows                                          → 2 loaded
 *   usage_events.part-0002.csv  line 2 valid; line 3 platform `palm`                  → 1 loaded, 1 quarantined (line 3)
 *   record_feeds.parquet        2 rows, TIMESTAMPTZ and INTEGER columns               → 2 loaded
 *   consent_events.ndjson.gz    1 sharing_granted (no effect on storage)              → 1 loaded
 *   Batch: 11 in = 9 loaded + 2 quarantined.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { sqlLiteral } from '../../server/store/sql-literal.js';
import type { Store } from '../../server/store/store.js';
import {
  HEADERS,
  SAMPLE_BATCH_DIR,
  batchOf,
  copyBatch,
  counts,
  csv,
  expectCountsIdentity,
  fileCounts,
  tempLanding,
  openTestStore,
  query,
  removeTempDirs,
  rowCount,
  runImport,
  writeBatch,
  importOnceForBlock,
  withImportedStore,
  type ImportReport,
} from './helpers/harness.js';

const SAMPLE = '2026-11-24T02-00Z';
const FORMATS = '2026-11-24T06-00Z';

const ndjson = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

async function writeParquet(path: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run(`
      COPY (
        SELECT * FROM (VALUES
          ('feed-910001', TIMESTAMPTZ '2026-07-03 02:00:00+00', '9131860915', 'RYX', 'care_plan', 4::INTEGER),
          ('feed-910002', TIMESTAMPTZ '2026-07-03 03:00:00+00', '9948219937', 'E85501', 'medication', 7::INTEGER)
        ) AS t(event_id, occurred_at, nhs_number, source_org_code, record_type, item_count)
      ) TO ${sqlLiteral(path)} (FORMAT parquet)`);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** The text/gzip files of the formats batch; record_feeds.parquet is written by DuckDB. */
const TEXT_FILES: Record<string, string | Buffer> = {
    'organisations.csv.gz': gzipSync(
      csv(HEADERS.organisations, [['E85003', 'Canal Side Practice', 'practice', '08Y', 4100, '2021-01-04', 30]]),
    ),
    'enrolment_events.ndjson': ndjson([
      {
        event_id: 'enr-910001',
        occurred_at: '2026-07-01T09:00:00Z',
        nhs_number: '9131860915',
        practice_code: 'E85501',
        org_code: 'E85501',
        event_type: 'deactivated',
        channel: 'web',
        campaign_code: null,
      },
      {
        campaign_code: '',
        channel: 'clinic',
        event_type: 'invited',
        org_code: 'E85003',
        practice_code: 'E85003',
        nhs_number: '962 527 6017',
        occurred_at: '2026-07-01T10:00:00+01:00',
        event_id: 'enr-910002',
      },
      {
        event_id: 'enr-910003',
        occurred_at: '2026-07-01T11:00:00Z',
        nhs_number: '9625276017',
        practice_code: 'E85002',
        org_code: 'E85002',
        event_type: 'enrolled',
        channel: 'web',
        campaign_code: null,
      },
    ]),
    'usage_events.part-0001.csv': csv(HEADERS.usage_events, [
      ['use-910001', '2026-07-02T08:00:00Z', '9908301667', 'E85002', 'record_viewed', 'ios'],
      ['use-910002', '2026-07-02T08:05:00Z', '9908301667', '', 'login', 'ios'],
    ]),
    'usage_events.part-0002.csv': csv(HEADERS.usage_events, [
      ['use-910003', '2026-07-02T09:00:00Z', '9082462818', 'RYJ', 'result_viewed', 'android'],
      ['use-910004', '2026-07-02T09:05:00Z', '9082462818', 'RYJ', 'result_viewed', 'palm'],
    ]),
    'consent_events.ndjson.gz': gzipSync(
      ndjson([{ event_id: 'con-910001', occurred_at: '2026-07-04T12:00:00Z', nhs_number: '9908301667', org_code: 'E85002', event_type: 'sharing_granted' }]),
    ),
};

const EXPECTED_FILES = {
  'organisations.csv.gz': { kind: 'organisations', ...counts(1, 1) },
  'enrolment_events.ndjson': { kind: 'enrolment_events', ...counts(3, 2, { quarantined: 1 }) },
  'usage_events.part-0001.csv': { kind: 'usage_events', ...counts(2, 2) },
  'usage_events.part-0002.csv': { kind: 'usage_events', ...counts(2, 1, { quarantined: 1 }) },
  'record_feeds.parquet': { kind: 'record_feeds', ...counts(2, 2) },
  'consent_events.ndjson.gz': { kind: 'consent_events', ...counts(1, 1) },
} as const;
type FormatFile = keyof typeof EXPECTED_FILES;

async function writeFormatsBatch(landing: string, batchId: string, names: string[]): Promise<void> {
  const text = Object.fromEntries(Object.entries(TEXT_FILES).filter(([n]) => names.includes(n)));
  const batchDir = writeBatch(landing, batchId, text);
  if (names.includes('record_feeds.parquet')) await writeParquet(join(batchDir, 'record_feeds.parquet'));
}

describe('every contract file format loads, all in one batch', () => {
  let store: Store;
  let report: ImportReport;

  importOnceForBlock(
    'formats',
    async (landing) => {
      copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
      await writeFormatsBatch(landing, FORMATS, Object.keys(EXPECTED_FILES));
    },
    (loaded, run) => {
      store = loaded;
      report = run;
    },
  );

  it('reports each file with its kind and hand-derived counts', () => {
    expect(report.batches.map((b) => [b.batchId, b.status, b.error])).toEqual([
      [SAMPLE, 'succeeded', undefined],
      [FORMATS, 'succeeded', undefined],
    ]);
    expect(report.batches.map((b) => [b.batchId, b.status])).toEqual([
      [SAMPLE, 'succeeded'],
      [FORMATS, 'succeeded'],
    ]);
    expect(fileCounts(batchOf(report, FORMATS))).toEqual(EXPECTED_FILES);
    const b = batchOf(report, FORMATS);
    expect({ rowsIn: b.rowsIn, loaded: b.loaded, quarantined: b.quarantined }).toEqual({ rowsIn: 11, loaded: 9, quarantined: 2 });
    expectCountsIdentity(report);
  });

  it('quarantines by line within the file the row came from (NDJSON has no header: line = object number)', async () => {
    const rows = await query(store, `SELECT file_name, file_kind, line, event_id, reason_code FROM quarantine ORDER BY file_name`);
    expect(rows).toEqual([
      { file_name: 'enrolment_events.ndjson', file_kind: 'enrolment_events', line: '3', event_id: 'enr-910003', reason_code: 'unknown_value' },
      { file_name: 'usage_events.part-0002.csv', file_kind: 'usage_events', line: '3', event_id: 'use-910004', reason_code: 'unknown_value' },
    ]);
  });

  it('stores the gzip organisation, so events at E85003 in the same batch are accepted', async () => {
    expect(await rowCount(store, 'organisations')).toBe(9);
    expect(await query(store, `SELECT org_type, parent_code, eligible_population FROM organisations WHERE org_code = 'E85003'`)).toEqual([
      { org_type: 'practice', parent_code: '08Y', eligible_population: 4100 },
    ]);
  });

  it('stores NDJSON enrolments: null and empty strings are missing values; offsets are honoured', async () => {
    const rows = await query(
      store,
      `SELECT event_id, org_code, event_type, channel, campaign_code, strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS at
         FROM enrolment_events WHERE event_id LIKE 'enr-91%' ORDER BY event_id`,
    );
    expect(rows).toEqual([
      { event_id: 'enr-910001', org_code: 'E85501', event_type: 'deactivated', channel: 'web', campaign_code: null, at: '2026-07-01T09:00:00Z' },
      { event_id: 'enr-910002', org_code: 'E85003', event_type: 'invited', channel: 'clinic', campaign_code: null, at: '2026-07-01T09:00:00Z' },
    ]);
    // enr-910002 is P11 (spaced in NDJSON), the same patient as in the sample.
    expect(
      await query(store, `SELECT p.birth_year FROM enrolment_events e JOIN patients p USING (patient_id) WHERE e.event_id = 'enr-910002'`),
    ).toEqual([{ birth_year: 1990 }]);
  });

  it('stores usage rows from both part files', async () => {
    expect(await rowCount(store, 'usage_events')).toBe(48); // 45 + 2 + 1
    const rows = await query(store, `SELECT event_id, org_code FROM usage_events WHERE event_id LIKE 'use-91%' ORDER BY event_id`);
    expect(rows).toEqual([
      { event_id: 'use-910001', org_code: 'E85002' },
      { event_id: 'use-910002', org_code: null },
      { event_id: 'use-910003', org_code: 'RYJ' },
    ]);
  });

  it('stores Parquet record feeds with their natural types', async () => {
    expect(await rowCount(store, 'record_feeds')).toBe(26); // 24 + 2
    const rows = await query(
      store,
      `SELECT event_id, source_org_code, record_type, item_count, strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS at
         FROM record_feeds WHERE event_id LIKE 'feed-91%' ORDER BY event_id`,
    );
    expect(rows).toEqual([
      { event_id: 'feed-910001', source_org_code: 'RYX', record_type: 'care_plan', item_count: 4, at: '2026-07-03T02:00:00Z' },
      { event_id: 'feed-910002', source_org_code: 'E85501', record_type: 'medication', item_count: 7, at: '2026-07-03T03:00:00Z' },
    ]);
  });

  it('stores the gzip NDJSON consent event', async () => {
    expect(await rowCount(store, 'consent_events')).toBe(4);
    expect(await rowCount(store, 'objection_episodes')).toBe(2); // sharing_granted opens no episode
  });
});

describe('each format on its own (so one broken reader does not hide another)', () => {
  afterAll(() => removeTempDirs());

  const cases: Array<{ name: string; files: FormatFile[] }> = [
    { name: 'gzip CSV', files: ['organisations.csv.gz'] },
    // The NDJSON enrolments refer to E85003, which the gzip organisations file delivers.
    { name: 'NDJSON', files: ['organisations.csv.gz', 'enrolment_events.ndjson'] },
    { name: 'part files', files: ['usage_events.part-0001.csv', 'usage_events.part-0002.csv'] },
    { name: 'Parquet', files: ['record_feeds.parquet'] },
    { name: 'gzip NDJSON', files: ['consent_events.ndjson.gz'] },
  ];

  it.each(cases)('$name loads with the expected counts', async ({ files }) => {
    await withImportedStore(
      'format-one',
      async (landing) => {
        copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
        await writeFormatsBatch(landing, FORMATS, files);
      },
      async (_store, report) => {
        const batch = batchOf(report, FORMATS);
        expect([batch.status, batch.error]).toEqual(['succeeded', undefined]);
        expect(fileCounts(batch)).toEqual(Object.fromEntries(files.map((f) => [f, EXPECTED_FILES[f]])));
        expectCountsIdentity(report);
      },
    );
  });
});

describe('CRLF and LF files read the same', () => {
  afterAll(() => removeTempDirs());

  it('counts quarantine lines the same way in a CRLF file, and keeps a quoted line break in a value', async () => {
    await withImportedStore(
      'crlf',
      (landing) => {
        copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
        writeBatch(landing, FORMATS, {
          'usage_events.csv': csv(HEADERS.usage_events, [
            ['use-970001', '2026-07-02T08:00:00Z', '9908301667', 'E85002', 'record_viewed', 'ios'],
            ['use-970002', '2026-07-02T08:05:00Z', '9908301667', 'E85002', 'record_viewed', 'fax'],
            ['use-970003', '2026-07-02T08:10:00Z', '9908301667', '', 'login', 'web'],
          ]).replace(/\n/g, '\r\n'),
          'campaigns.csv': csv(HEADERS.campaigns, [['C2026-NL', 'Winter wave\nsecond line', '07W', 'poster', '2026-12-01', '2026-12-31', 99]]),
        });
      },
      async (store, report) => {
        expectCountsIdentity(report);
        expect(fileCounts(batchOf(report, FORMATS))).toEqual({
          'usage_events.csv': { kind: 'usage_events', ...counts(3, 2, { quarantined: 1 }) },
          'campaigns.csv': { kind: 'campaigns', ...counts(1, 1) },
        });
        expect(await query(store, `SELECT file_name, line, event_id, reason_code FROM quarantine`)).toEqual([
          { file_name: 'usage_events.csv', line: '3', event_id: 'use-970002', reason_code: 'unknown_value' },
        ]);
        expect(await query(store, `SELECT name FROM campaigns WHERE campaign_code = 'C2026-NL'`)).toEqual([{ name: 'Winter wave\nsecond line' }]);
      },
    );
  });

  it('loads an LF copy of a CRLF file to identical rows', async () => {
    // The sample's usage_events.csv is CRLF; an LF copy in a second store must store the same rows.
    const results: unknown[] = [];
    for (const lineEnding of ['\r\n', '\n']) {
      const { dir, landing } = tempLanding('eol');
      const batch = copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
      const usage = join(batch, 'usage_events.csv');
      writeFileSync(usage, readFileSync(usage, 'utf8').replace(/\r\n/g, lineEnding));
      const store = await openTestStore(dir);
      try {
        await runImport(store, landing);
        results.push(await query(store, `SELECT event_id, org_code, event_type, platform FROM usage_events ORDER BY event_id`));
      } finally {
        await store.close();
      }
    }
    expect((results[0] as unknown[]).length).toBe(45);
    expect(results[1]).toEqual(results[0]);
  });
});
