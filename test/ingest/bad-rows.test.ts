/**
 * Specification: quarantine, never drop (contract rule 4) and idempotency (rule 2), row by row.
 *
 * Batch 1 is the contract sample (reference data, patients, events). Batch 2 is the fixture
 * test/fixtures/ingest/bad-rows/, valid rows mixed with one bad row of every kind. Clock:
 * 2026-11-24T03:00Z. Line numbers count the header as line 1.
 *
 * enrolment_events.csv (17 rows → 3 loaded, 2 duplicates, 12 quarantined)
 *   L2  enr-900001 P1, all valid                                   → loaded
 *   L3  enr-900002 nhs 9434765918 (check digit should be 9)         → bad_nhs_number
 *   L4  enr-900003 nhs 943476591 (9 digits)                         → bad_nhs_number
 *   L5  enr-900004 event_type `enrolled`                            → unknown_value
 *   L6  enr-900005 org_code ZZZ999                                  → unknown_org
 *   L7  enr-900006 practice_code RYJ (a trust, not a practice)      → unknown_org (or bad_value)
 *   L8  enr-900007 campaign_code C2099-NOPE                         → unknown_campaign
 *   L9  enr-900008 occurred_at 2026-03-01T25:00:00Z (hour 25)       → bad_value
 *   L10 enr-900009 occurred_at 2026-11-25T00:00:00Z (after now)     → future_timestamp
 *   L11 enr-900010 2026-11-24T02:30:00-01:00 = 03:30Z (after now)   → future_timestamp
 *   L12 enr-900011 2026-11-24T03:30:00+01:00 = 02:30Z (before now)  → loaded
 *   L13 enr-900012 occurred_at empty                                → missing_field
 *   L14 enr-000001 as in the sample but channel letter (was sms)    → conflict
 *   L15 enr-000002 exactly as in the sample                         → duplicate
 *   L16 enr-900013 new patient `401 023 4563` (valid, spaced)       → loaded
 *   L17 enr-900013 identical to L16                                 → duplicate (not quarantine)
 *   L18 enr-900014 channel `fax`                                    → unknown_value
 * usage_events.csv (columns in a different order; 6 rows → 3 loaded, 3 quarantined)
 *   L2 use-900001 valid; L3 use-900002 login with empty org_code (valid); L4 platform `blackberry`
 *   → unknown_value; L5 event_type `teleported` → unknown_value; L6 org_code ZZZ999 → unknown_org;
 *   L7 use-900006 empty platform (optional) → loaded.
 * record_feeds.csv (7 rows → 1 loaded, 6 quarantined)
 *   L2 valid; L3 item_count 0 → bad_value; L4 item_count empty → missing_field; L5 record_type
 *   `xray` → unknown_value; L6 source_org_code ZZZ999 → unknown_org; L7 item_count `two` →
 *   bad_value; L8 item_count 2.5 → bad_value.
 * patients.csv (5 rows → 1 loaded, 4 quarantined)
 *   L2 P4 with imd_decile 5 (was 4) → loaded (latest snapshot wins); L3 9390996032 fails
 *   Modulus-11 → bad_nhs_number; L4 sex `Q` → unknown_value; L5 practice_code E85099 (no such
 *   organisation) → unknown_org; L6 imd_decile 11 → bad_value.
 * campaigns.csv (3 rows → 1 loaded, 2 quarantined)
 *   L2 C2026-AUT1, name quoted with a comma and doubled quotes → loaded; L3 channel `pigeon` →
 *   unknown_value; L4 cost_gbp −5 → bad_value.
 * Batch: rowsIn 38 = 9 loaded + 2 duplicates + 27 quarantined.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../server/store/store.js';
import {
  FIXTURES_DIR,
  HEADERS,
  csv,
  writeBatch,
  SAMPLE_BATCH_DIR,
  batchOf,
  batchCounts,
  copyBatch,
  counts,
  eventIds,
  expectCountsIdentity,
  fileCounts,
  query,
  removeTempDirs,
  rowCount,
  scalar,
  importOnceForBlock,
  withImportedStore,
  type ImportReport,
  type QuarantineRow,
} from './helpers/harness.js';
import { isValidNhsNumber } from './helpers/nhs.js';

const SAMPLE = '2026-11-24T02-00Z';
const BAD = '2026-11-24T05-00Z';

interface ExpectedQuarantine {
  file: string;
  line: number;
  eventId: string | null;
  reasons: string[]; // the acceptable reason_code(s)
  column: string | null; // the column the reason must name
}

const EXPECTED_QUARANTINE: ExpectedQuarantine[] = [
  { file: 'campaigns.csv', line: 3, eventId: null, reasons: ['unknown_value'], column: 'channel' },
  { file: 'campaigns.csv', line: 4, eventId: null, reasons: ['bad_value'], column: 'cost_gbp' },
  { file: 'enrolment_events.csv', line: 3, eventId: 'enr-900002', reasons: ['bad_nhs_number'], column: 'nhs_number' },
  { file: 'enrolment_events.csv', line: 4, eventId: 'enr-900003', reasons: ['bad_nhs_number'], column: 'nhs_number' },
  { file: 'enrolment_events.csv', line: 5, eventId: 'enr-900004', reasons: ['unknown_value'], column: 'event_type' },
  { file: 'enrolment_events.csv', line: 6, eventId: 'enr-900005', reasons: ['unknown_org'], column: 'org_code' },
  // The contract says practice_code is "org_code of a practice"; RYJ exists but is a trust.
  { file: 'enrolment_events.csv', line: 7, eventId: 'enr-900006', reasons: ['unknown_org', 'bad_value'], column: 'practice_code' },
  { file: 'enrolment_events.csv', line: 8, eventId: 'enr-900007', reasons: ['unknown_campaign'], column: 'campaign_code' },
  { file: 'enrolment_events.csv', line: 9, eventId: 'enr-900008', reasons: ['bad_value'], column: 'occurred_at' },
  { file: 'enrolment_events.csv', line: 10, eventId: 'enr-900009', reasons: ['future_timestamp'], column: 'occurred_at' },
  { file: 'enrolment_events.csv', line: 11, eventId: 'enr-900010', reasons: ['future_timestamp'], column: 'occurred_at' },
  { file: 'enrolment_events.csv', line: 13, eventId: 'enr-900012', reasons: ['missing_field'], column: 'occurred_at' },
  { file: 'enrolment_events.csv', line: 14, eventId: 'enr-000001', reasons: ['conflict'], column: null },
  { file: 'enrolment_events.csv', line: 18, eventId: 'enr-900014', reasons: ['unknown_value'], column: 'channel' },
  { file: 'patients.csv', line: 3, eventId: null, reasons: ['bad_nhs_number'], column: 'nhs_number' },
  { file: 'patients.csv', line: 4, eventId: null, reasons: ['unknown_value'], column: 'sex' },
  { file: 'patients.csv', line: 5, eventId: null, reasons: ['unknown_org'], column: 'practice_code' },
  { file: 'patients.csv', line: 6, eventId: null, reasons: ['bad_value'], column: 'imd_decile' },
  { file: 'record_feeds.csv', line: 3, eventId: 'feed-900002', reasons: ['bad_value'], column: 'item_count' },
  { file: 'record_feeds.csv', line: 4, eventId: 'feed-900003', reasons: ['missing_field'], column: 'item_count' },
  { file: 'record_feeds.csv', line: 5, eventId: 'feed-900004', reasons: ['unknown_value'], column: 'record_type' },
  { file: 'record_feeds.csv', line: 6, eventId: 'feed-900005', reasons: ['unknown_org'], column: 'source_org_code' },
  { file: 'record_feeds.csv', line: 7, eventId: 'feed-900006', reasons: ['bad_value'], column: 'item_count' },
  { file: 'record_feeds.csv', line: 8, eventId: 'feed-900007', reasons: ['bad_value'], column: 'item_count' },
  { file: 'usage_events.csv', line: 4, eventId: 'use-900003', reasons: ['unknown_value'], column: 'platform' },
  { file: 'usage_events.csv', line: 5, eventId: 'use-900004', reasons: ['unknown_value'], column: 'event_type' },
  { file: 'usage_events.csv', line: 6, eventId: 'use-900005', reasons: ['unknown_org'], column: 'org_code' },
];

/** Every NHS number string in the bad-rows fixture, valid or not: none may reach the quarantine. */
const FIXTURE_NHS_STRINGS = [
  '9434765919',
  '9434765918',
  '943476591',
  '9908301667',
  '9390996031',
  '9082462818',
  '4010234563',
  '9518190933',
  '9131860915',
  '9390996032',
  '4010234571',
  '9625276017',
];

describe('bad rows are quarantined with reason and line; good rows load', () => {
  let store: Store;
  let report: ImportReport;
  let quarantine: QuarantineRow[];

  importOnceForBlock(
    'badrows',
    (landing) => {
      copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
      copyBatch(join(FIXTURES_DIR, 'bad-rows'), landing, BAD);
    },
    async (loaded, run) => {
      store = loaded;
      report = run;
      quarantine = await query<QuarantineRow>(
        store,
        `SELECT batch_id, file_name, file_kind, line, event_id, reason_code, reason, record FROM quarantine ORDER BY file_name, line`,
      );
    },
  );

  it('uses fixture NHS numbers that are valid exactly where the fixture says so', () => {
    expect(isValidNhsNumber('401 023 4563')).toBe(true);
    expect(isValidNhsNumber('401 023 4571')).toBe(true);
    expect(isValidNhsNumber('9434765918')).toBe(false);
    expect(isValidNhsNumber('943476591')).toBe(false);
    expect(isValidNhsNumber('9390996032')).toBe(false);
  });

  it('loads both batches and reports the hand-derived per-file counts for the bad batch', () => {
    expect(report.status).toBe('succeeded');
    expect(report.batches.map((b) => [b.batchId, b.status])).toEqual([
      [SAMPLE, 'succeeded'],
      [BAD, 'succeeded'],
    ]);
    expect(fileCounts(batchOf(report, BAD))).toEqual({
      'enrolment_events.csv': { kind: 'enrolment_events', ...counts(17, 3, { duplicates: 2, quarantined: 12 }) },
      'usage_events.csv': { kind: 'usage_events', ...counts(6, 3, { quarantined: 3 }) },
      'record_feeds.csv': { kind: 'record_feeds', ...counts(7, 1, { quarantined: 6 }) },
      'patients.csv': { kind: 'patients', ...counts(5, 1, { quarantined: 4 }) },
      'campaigns.csv': { kind: 'campaigns', ...counts(3, 1, { quarantined: 2 }) },
    });
    expect(batchCounts(report, BAD)).toEqual(
      counts(38, 9, { duplicates: 2, quarantined: 27 }),
    );
    expectCountsIdentity(report);
  });

  it('quarantines exactly the bad rows, each at its line with the right reason_code', () => {
    const got = quarantine.map((q) => ({ file: q.file_name, line: Number(q.line), eventId: q.event_id }));
    expect(got).toEqual(EXPECTED_QUARANTINE.map((e) => ({ file: e.file, line: e.line, eventId: e.eventId })));
    for (const [i, q] of quarantine.entries()) {
      const expected = EXPECTED_QUARANTINE[i]!;
      const where = `${q.file_name}:${q.line}`;
      expect(expected.reasons, `${where} reason_code ${q.reason_code}`).toContain(q.reason_code);
      expect(q.batch_id, where).toBe(BAD);
      expect(q.file_kind, where).toBe(q.file_name.replace(/\.csv$/, ''));
      if (expected.column) expect(q.reason, `${where} reason names the column`).toContain(expected.column);
    }
  });

  it('keeps the quarantined row as JSON with every NHS number masked', () => {
    for (const q of quarantine) {
      const where = `${q.file_name}:${q.line}`;
      const record = JSON.parse(q.record) as Record<string, unknown>;
      if (q.event_id) expect(record.event_id, where).toBe(q.event_id);
      for (const nhs of FIXTURE_NHS_STRINGS) expect(q.record, `${where} leaks ${nhs}`).not.toContain(nhs);
      expect(q.record, where).not.toMatch(/\d{3} \d{3} \d{3,4}/);
    }
  });

  it('stores the good enrolment rows and not the bad ones', async () => {
    // Sample: 30 stored; batch 2 adds enr-900001, enr-900011, enr-900013.
    expect(await rowCount(store, 'enrolment_events')).toBe(33);
    const ids = await eventIds(store, 'enrolment_events');
    for (const id of ['enr-900001', 'enr-900011', 'enr-900013']) expect(ids).toContain(id);
    for (let n = 2; n <= 14; n++) {
      const id = `enr-9000${String(n).padStart(2, '0')}`;
      if (id === 'enr-900011' || id === 'enr-900013') continue;
      expect(ids, id).not.toContain(id);
    }
    // The in-file duplicate is stored once.
    expect(await scalar(store, `SELECT count(*) FROM enrolment_events WHERE event_id = 'enr-900013'`)).toBe(1);
  });

  it('keeps the first version of a conflicting event, from its first batch', async () => {
    const rows = await query(store, `SELECT channel, batch_id FROM enrolment_events WHERE event_id = 'enr-000001'`);
    expect(rows).toEqual([{ channel: 'sms', batch_id: SAMPLE }]);
    expect(await query(store, `SELECT batch_id FROM enrolment_events WHERE event_id = 'enr-000002'`)).toEqual([{ batch_id: SAMPLE }]);
  });

  it('stores the good usage rows (column order does not matter; empty org_code and platform are null)', async () => {
    expect(await rowCount(store, 'usage_events')).toBe(48); // 45 + 3
    const rows = await query(
      store,
      `SELECT event_id, org_code, event_type, platform FROM usage_events WHERE event_id LIKE 'use-9%' ORDER BY event_id`,
    );
    expect(rows).toEqual([
      { event_id: 'use-900001', org_code: 'E85002', event_type: 'record_viewed', platform: 'web' },
      { event_id: 'use-900002', org_code: null, event_type: 'login', platform: 'ios' },
      { event_id: 'use-900006', org_code: 'E85002', event_type: 'record_viewed', platform: null },
    ]);
  });

  it('stores the one good record feed', async () => {
    expect(await rowCount(store, 'record_feeds')).toBe(25); // 24 + 1
    expect(await query(store, `SELECT source_org_code, record_type, item_count FROM record_feeds WHERE event_id LIKE 'feed-9%'`)).toEqual([
      { source_org_code: 'RYX', record_type: 'letter', item_count: 1 },
    ]);
  });

  it('upserts the good patient row and creates an attribute-less patient for a new NHS number', async () => {
    // 12 sample patients + `401 023 4563` first seen in enr-900013; `401 023 4571` was quarantined.
    expect(await rowCount(store, 'patients')).toBe(13);
    expect(await scalar(store, `SELECT imd_decile FROM patients WHERE birth_year = 1955`)).toBe(5); // P4, was 4
    // P7 (1970, sex F) and P11 (1990, imd 1) keep their earlier snapshot values.
    expect(await query(store, `SELECT sex, imd_decile FROM patients WHERE birth_year IN (1970, 1990) ORDER BY birth_year`)).toEqual([
      { sex: 'F', imd_decile: 7 },
      { sex: 'F', imd_decile: 1 },
    ]);
    const newcomer = await query(
      store,
      `SELECT p.practice_code, p.birth_year, p.sex, p.imd_decile FROM patients p
         JOIN enrolment_events e USING (patient_id) WHERE e.event_id = 'enr-900013'`,
    );
    expect(newcomer).toEqual([{ practice_code: null, birth_year: null, sex: null, imd_decile: null }]);
  });

  it('stores the campaign whose name holds a quoted comma', async () => {
    expect(await rowCount(store, 'campaigns')).toBe(2);
    expect(
      await query(store, `SELECT name, org_code, channel, CAST(cost_gbp AS DOUBLE) AS cost FROM campaigns WHERE campaign_code = 'C2026-AUT1'`),
    ).toEqual([{ name: 'Autumn wave, letters and "posters"', org_code: '07W', channel: 'letter', cost: 1250.5 }]);
  });

  it('records the quarantine counts per file in ingest_files', async () => {
    const rows = await query<{ file_name: string; quarantined: string; duplicates: string }>(
      store,
      `SELECT file_name, quarantined, duplicates FROM ingest_files WHERE batch_id = $1 ORDER BY file_name`,
      [BAD],
    );
    expect(rows.map((r) => [r.file_name, Number(r.quarantined), Number(r.duplicates)])).toEqual([
      ['campaigns.csv', 2, 0],
      ['enrolment_events.csv', 12, 2],
      ['patients.csv', 4, 0],
      ['record_feeds.csv', 6, 0],
      ['usage_events.csv', 3, 0],
    ]);
  });
});

describe('one event_id twice in a file with different content', () => {
  afterAll(() => removeTempDirs());

  it('never stores both and never drops one silently: the clash is quarantined', async () => {
    // use-960001 appears on lines 2 and 3 with different platforms. "Seen before with different
    // content" → the clash is quarantined (reason duplicate_key or conflict); at most one version is
    // stored, and rowsIn = loaded + quarantined still holds.
    await withImportedStore(
      'dupkey',
      (landing) => {
        copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
        writeBatch(landing, BAD, {
          'usage_events.csv': csv(HEADERS.usage_events, [
            ['use-960001', '2026-07-01T08:00:00Z', '9434765919', 'E85001', 'record_viewed', 'web'],
            ['use-960001', '2026-07-01T08:00:00Z', '9434765919', 'E85001', 'record_viewed', 'ios'],
            ['use-960002', '2026-07-01T09:00:00Z', '9434765919', 'E85001', 'login', 'web'],
          ]),
        });
      },
      async (store, report) => {
        expectCountsIdentity(report);
        const f = batchOf(report, BAD).files[0]!;
        expect(f.rowsIn).toBe(3);
        expect(f.duplicates).toBe(0);
        expect(f.quarantined).toBeGreaterThanOrEqual(1);
        expect(f.loaded).toBe(3 - f.quarantined);
        const stored = await scalar(store, `SELECT count(*) FROM usage_events WHERE event_id = 'use-960001'`);
        expect(stored).toBe(2 - f.quarantined);
        expect(await eventIds(store, 'usage_events')).toContain('use-960002');
        const q = await query<{ line: string; reason_code: string }>(store, `SELECT line, reason_code FROM quarantine ORDER BY line`);
        expect(q.length).toBe(f.quarantined);
        for (const row of q) {
          expect(['duplicate_key', 'conflict']).toContain(row.reason_code);
          expect(['2', '3']).toContain(row.line);
        }
      },
    );
  });
});
