/**
 * Specification: reference files are full snapshots upserted by key; their bad rows are
 * quarantined like event rows; UTF-8 and RFC 4180 quoting survive; an empty file is fine.
 *
 * Batch 1: the contract sample. Batch 2 (2026-11-24T08-00Z):
 * organisations.csv (7 rows → 2 loaded, 5 quarantined)
 *   L2 E85004 "Cœur Surgery, Hammersmith" (UTF-8, quoted comma)  → loaded (new)
 *   L3 E85001 list 6210 → 6300, target 40 → 42                    → loaded (update)
 *   L4 org_type `hospital`            → unknown_value     L5 eligible_population −5 → bad_value
 *   L6 target_uptake_pct 150 (> 100)  → bad_value         L7 go_live_date 2020-02-30 → bad_value
 *   L8 name empty                     → missing_field
 * campaigns.csv (3 → 1 loaded, 2 quarantined)
 *   L2 C2026-SMS1 cost 4200 → 4500 → loaded · L3 org_code ZZZ999 → unknown_org · L4 end_date 31/03/2026 → bad_value
 * programme_costs.csv (5 → 2 loaded, 3 quarantined)
 *   L2 QRV 2026 licence 250000 → 260000 (update) · L3 QRV 2026 marketing 15000.75 (new) ·
 *   L4 category `catering` → unknown_value · L5 org ZZZ999 → unknown_org · L6 amount `abc` → bad_value
 * patients.csv (1 → 1 loaded): P1 moves from E85001 to E85002.
 * usage_events.csv: header only (0 rows).
 * Batch: 16 in = 6 loaded + 10 quarantined.
 */
import { describe, expect, it } from 'vitest';
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
  query,
  rowCount,
  scalar,
  writeBatch,
  importOnceForBlock,
  type ImportReport,
} from './helpers/harness.js';

const SAMPLE = '2026-11-24T02-00Z';
const REF = '2026-11-24T08-00Z';

describe('reference data upserts and validation', () => {
  let store: Store;
  let report: ImportReport;

  importOnceForBlock(
    'reference',
    (landing) => {
      copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
      writeBatch(landing, REF, {
        'organisations.csv': csv(HEADERS.organisations, [
          ['E85004', 'Cœur Surgery, Hammersmith', 'practice', '08Y', 5000, '2022-03-01', 45],
          ['E85001', 'Sample Street Surgery', 'practice', '08Y', 6300, '2019-06-03', 42],
          ['E85005', 'Bad Type', 'hospital', '08Y', '', '', ''],
          ['E85006', 'Negative List', 'practice', '08Y', -5, '', ''],
          ['E85007', 'Over Target', 'practice', '08Y', 100, '', 150],
          ['E85008', 'Bad Date', 'practice', '08Y', 100, '2020-02-30', ''],
          ['E85009', '', 'practice', '08Y', 100, '', ''],
        ]),
        'campaigns.csv': csv(HEADERS.campaigns, [
          ['C2026-SMS1', 'Spring SMS invitation wave', '08Y', 'sms', '2026-03-01', '2026-03-31', 4500],
          ['C2026-X', 'Unknown scope', 'ZZZ999', 'sms', '2026-03-01', '2026-03-31', 10],
          ['C2026-Y', 'Bad date', '08Y', 'sms', '2026-03-01', '31/03/2026', 10],
        ]),
        'programme_costs.csv': csv(['org_code', 'period_start', 'period_end', 'category', 'amount_gbp'], [
          ['QRV', '2026-01-01', '2026-12-31', 'licence', 260000],
          ['QRV', '2026-01-01', '2026-12-31', 'marketing', '15000.75'],
          ['QRV', '2026-01-01', '2026-12-31', 'catering', 100],
          ['ZZZ999', '2026-01-01', '2026-12-31', 'staff', 100],
          ['08Y', '2026-01-01', '2026-12-31', 'staff', 'abc'],
        ]),
        'patients.csv': csv(HEADERS.patients, [['9434765919', 'E85002', 1940, 'F', 1]]),
        'usage_events.csv': csv(HEADERS.usage_events, []),
      });
    },
    (loaded, run) => {
      store = loaded;
      report = run;
    },
  );

  it('reports the hand-derived counts', () => {
    const batch = batchOf(report, REF);
    expect([batch.status, batch.error]).toEqual(['succeeded', undefined]);
    expect(fileCounts(batch)).toEqual({
      'organisations.csv': { kind: 'organisations', ...counts(7, 2, { quarantined: 5 }) },
      'campaigns.csv': { kind: 'campaigns', ...counts(3, 1, { quarantined: 2 }) },
      'programme_costs.csv': { kind: 'programme_costs', ...counts(5, 2, { quarantined: 3 }) },
      'patients.csv': { kind: 'patients', ...counts(1, 1) },
      'usage_events.csv': { kind: 'usage_events', ...counts(0, 0) },
    });
    expect({ rowsIn: batch.rowsIn, loaded: batch.loaded, quarantined: batch.quarantined }).toEqual({ rowsIn: 16, loaded: 6, quarantined: 10 });
    expectCountsIdentity(report);
  });

  it('quarantines each bad reference row at its line with the right reason', async () => {
    const rows = await query(store, `SELECT file_name, line, reason_code FROM quarantine ORDER BY file_name, line`);
    expect(rows).toEqual([
      { file_name: 'campaigns.csv', line: '3', reason_code: 'unknown_org' },
      { file_name: 'campaigns.csv', line: '4', reason_code: 'bad_value' },
      { file_name: 'organisations.csv', line: '4', reason_code: 'unknown_value' },
      { file_name: 'organisations.csv', line: '5', reason_code: 'bad_value' },
      { file_name: 'organisations.csv', line: '6', reason_code: 'bad_value' },
      { file_name: 'organisations.csv', line: '7', reason_code: 'bad_value' },
      { file_name: 'organisations.csv', line: '8', reason_code: 'missing_field' },
      { file_name: 'programme_costs.csv', line: '4', reason_code: 'unknown_value' },
      { file_name: 'programme_costs.csv', line: '5', reason_code: 'unknown_org' },
      { file_name: 'programme_costs.csv', line: '6', reason_code: 'bad_value' },
    ]);
  });

  it('adds the new organisation with its UTF-8, comma-holding name and updates the changed one', async () => {
    expect(await rowCount(store, 'organisations')).toBe(9);
    expect(await query(store, `SELECT name, eligible_population, target_uptake_pct FROM organisations WHERE org_code IN ('E85001', 'E85004') ORDER BY org_code`)).toEqual([
      { name: 'Sample Street Surgery', eligible_population: 6300, target_uptake_pct: 42 },
      { name: 'Cœur Surgery, Hammersmith', eligible_population: 5000, target_uptake_pct: 45 },
    ]);
    // Organisations absent from this snapshot stay (upsert, not replace).
    expect(await scalar(store, `SELECT count(*) FROM organisations WHERE org_code IN ('QRV', '08Y', '07W', 'RYJ', 'RYX', 'E85002', 'E85501')`)).toBe(7);
  });

  it('upserts campaigns and programme costs by key', async () => {
    expect(await rowCount(store, 'campaigns')).toBe(1);
    expect(await scalar(store, `SELECT CAST(cost_gbp AS DOUBLE) FROM campaigns WHERE campaign_code = 'C2026-SMS1'`)).toBe(4500);
    expect(await rowCount(store, 'programme_costs')).toBe(3);
    // 260000 licence + 80000 implementation (kept) + 15000.75 marketing.
    expect(await scalar(store, `SELECT CAST(sum(amount_gbp) AS DOUBLE) FROM programme_costs`)).toBe(355000.75);
  });

  it('moves the patient to the practice of the latest snapshot without creating a new patient', async () => {
    expect(await rowCount(store, 'patients')).toBe(12);
    const byPractice = await query<{ practice_code: string; n: string }>(store, `SELECT practice_code, count(*) AS n FROM patients GROUP BY 1 ORDER BY 1`);
    expect(byPractice.map((r) => [r.practice_code, Number(r.n)])).toEqual([
      ['E85001', 3],
      ['E85002', 5],
      ['E85501', 4],
    ]);
    // P1's enrolment history (recorded with practice E85001 at the time) is not rewritten.
    expect(await query(store, `SELECT practice_code FROM enrolment_events WHERE event_id = 'enr-000001'`)).toEqual([{ practice_code: 'E85001' }]);
  });
});
