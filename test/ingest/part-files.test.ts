/**
 * Specification: part files of one kind (`usage_events.part-0001.csv`, `usage_events.part-0002.csv.gz`,
 * …) are one delivery. Repeats are found across them, every quarantined row keeps the file and line
 * it came from whatever the file's compression and column order, one unparsable line costs only
 * that line, the first rule a row breaks is the one reported (also for the organisation check), and
 * rows_in = loaded + duplicates + quarantined + withheld holds for each part file.
 *
 * Clock 2026-11-24T03:00Z. Line numbers count the header as line 1. Every batch below is loaded after
 * the contract sample, whose consent file leaves two objections in force:
 *   9757491187 → RYJ from 2026-03-20;   9895559798 → `*` (everything) from 2026-04-02.
 *
 * ── Batch `parts` (2026-11-24T07-00Z) ───────────────────────────────────────────────────────────
 * consent_events.part-0001.csv (1 row)
 *   L2 con-800001 9518190933 objects to RYJ from 2026-06-01                       → loaded
 *      (purges the sample's use-000068 and feed-000092: that patient at RYJ)
 * usage_events.part-0001.csv (plain, contract column order; 7 rows)
 *   L2 use-800001 9434765919 E85001 record_viewed web                             → loaded
 *   L3 use-800002 9908301667 (no org) login ios                                   → loaded
 *   L4 use-800003 org ZZZ999 AND occurred_at 2026-12-01 (future)                  → unknown_org (references before the clock)
 *   L5 use-800004 occurred_at `2026-07-02 08:10:00` (no zone) AND org ZZZ999      → bad_value (a value's form before references)
 *   L6 use-800005 9757491187 at RYJ                                               → withheld (objection to RYJ)
 *   L7 use-800006 9131860915 E85501 record_viewed android                         → loaded
 *   L8 use-800007 9131860915 E85501 message_sent web                              → loaded (first version)
 *   7 in = 4 loaded + 2 quarantined + 1 withheld
 * usage_events.part-0002.csv.gz (gzip, contract column order; 6 rows)
 *   L2 use-800006 identical to part-0001 L7                                       → duplicate
 *   L3 use-800007 platform ios (part-0001 L8 has web)                             → conflict: "appears earlier in this batch
 *                                                                                    (usage_events.part-0001.csv) … (line 8)"
 *   L4 use-800008 platform `palm`                                                 → unknown_value
 *   L5 use-800009 9895559798 login (no org)                                       → withheld (objection to `*`)
 *   L6 use-800010 9082462818 E85002 record_viewed ios                             → loaded
 *   L7 use-800011 9082462818 E85002 appointment_booked web                        → loaded
 *   6 in = 2 loaded + 1 duplicate + 2 quarantined + 1 withheld
 * usage_events.part-0003.csv (plain, contract column order; 6 rows)
 *   L2 use-800012 9518190933 E85001 login                                         → loaded (the objection is to RYJ only)
 *   L3 use-000032 exactly as in the sample batch                                  → duplicate
 *   L4 use-800013 event_type `teleported` AND org ZZZ999                          → unknown_value (enum before references)
 *   L5 use-800002 record_viewed at E85002 (part-0001 L3 is a login)               → conflict naming part-0001.csv (line 3)
 *   L6 use-800014 9786579755 E85002 message_sent ios                              → loaded
 *   L7 use-800019 9518190933 at RYJ                                               → withheld (objection in this batch's consent part)
 *   6 in = 2 loaded + 1 duplicate + 2 quarantined + 1 withheld
 * usage_events.part-0004.csv (plain, columns in the order platform, org_code, event_id, nhs_number,
 * event_type, occurred_at; 6 rows)
 *   L2 use-800015 9390996031 E85001 record_viewed web                             → loaded
 *   L3 use-800016 nhs 9434765918 (check digit should be 9)                        → bad_nhs_number
 *   L4 use-800017 9757491187 at E85001                                            → loaded (objection is to RYJ only)
 *   L5 use-800001 identical to part-0001 L2 (other column order, same content)    → duplicate
 *   L6 use-800010 platform android (part-0002 L6 has ios)                         → conflict naming part-0002.csv.gz (line 6)
 *   L7 use-800018 occurred_at 2026-11-25T00:00Z (after now)                       → future_timestamp
 *   6 in = 2 loaded + 1 duplicate + 3 quarantined
 * Batch: 26 in = 11 loaded + 3 duplicates + 9 quarantined + 3 withheld.
 * Store after: usage 45 (sample) + 10 − 1 purged = 54; record_feeds 24 − 1 purged = 23; consent 3 + 1 = 4.
 *
 * ── Batch `order` (2026-11-24T08-00Z): delivery order is part order, whatever the format ───────
 * usage_events.part-0001.csv    L2 use-810001 → loaded
 * usage_events.part-0002.csv.gz L2 use-810002 platform web → loaded (first occurrence)
 *                               L3 use-810004 → loaded (first occurrence)
 * usage_events.part-0003.csv    L2 use-810002 platform ios → conflict naming part-0002.csv.gz (line 2)
 *                               L3 use-810004 identical to part-0002 L3 → duplicate
 *                               L4 use-810003 → loaded
 * (part-0001 and part-0003 share format and header, part-0002 does not: the repeat is in the later part.)
 * Counts: part-0001 1 in = 1 loaded; part-0002 2 in = 2 loaded; part-0003 3 in = 1 loaded + 1 duplicate + 1 quarantined.
 *
 * ── Batch `malformed` (2026-11-24T09-00Z): one part has unparsable lines ─────────────────────────
 * usage_events.part-0001.csv (clean; 3 rows)
 *   L2 use-820001 → loaded · L3 use-820002 → loaded · L4 use-820003 → loaded
 * usage_events.part-0002.csv (8 rows)
 *   L2 use-820004                                   → loaded
 *   L3 seven fields (one too many)                  → malformed_row
 *   L4 use-820006                                   → loaded
 *   L5 use-820007 platform `palm`                   → unknown_value (line 5, not 4)
 *   L6 use-820001 different event_type than part-0001 L2 → conflict naming part-0001.csv (line 2)
 *   L7 use-820006 different platform than L4        → conflict: "appears earlier in this file … (line 4)"
 *   L8 use-820009                                   → loaded
 *   L9 `use-820010,"2026-07-05T…` (quote never closed, last line) → malformed_row
 *   8 in = 3 loaded + 5 quarantined (2 malformed_row)
 * Store after: usage 45 + 3 + 3 = 51.
 *
 * Batches `order` and `malformed` pin two behaviours an earlier version of the importer got wrong
 * (see the comment above each describe).
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../server/store/store.js';
import {
  HEADERS,
  SAMPLE_BATCH_DIR,
  batchOf,
  batchCounts,
  copyBatch,
  counts,
  csv,
  eventIds,
  expectCountsIdentity,
  fileCounts,
  importOnceForBlock,
  query,
  rowCount,
  scalar,
  writeBatch,
  type ImportReport,
  type QuarantineRow,
} from './helpers/harness.js';
import { isValidNhsNumber } from './helpers/nhs.js';

const SAMPLE = '2026-11-24T02-00Z';
const PARTS = '2026-11-24T07-00Z';
const ORDER = '2026-11-24T08-00Z';
const MALFORMED = '2026-11-24T09-00Z';

type UsageRow = readonly [eventId: string, occurredAt: string, nhs: string, org: string, eventType: string, platform: string];

/** A usage CSV whose header lists the columns in `order`; rows are given in contract order. */
function usageCsvInOrder(order: readonly (typeof HEADERS.usage_events)[number][], rows: readonly UsageRow[]): string {
  const at = order.map((name) => HEADERS.usage_events.indexOf(name));
  return csv(
    order,
    rows.map((r) => at.map((i) => r[i]!)),
  );
}

const REORDERED = ['platform', 'org_code', 'event_id', 'nhs_number', 'event_type', 'occurred_at'] as const;

const PARTS_FILES: Record<string, string | Buffer> = {
  'consent_events.part-0001.csv': csv(HEADERS.consent_events, [
    ['con-800001', '2026-06-01T12:00:00Z', '9518190933', 'RYJ', 'objection_registered'],
  ]),
  'usage_events.part-0001.csv': csv(HEADERS.usage_events, [
    ['use-800001', '2026-07-02T08:00:00Z', '9434765919', 'E85001', 'record_viewed', 'web'],
    ['use-800002', '2026-07-02T08:05:00Z', '9908301667', '', 'login', 'ios'],
    ['use-800003', '2026-12-01T00:00:00Z', '9434765919', 'ZZZ999', 'record_viewed', 'web'],
    ['use-800004', '2026-07-02 08:10:00', '9908301667', 'ZZZ999', 'login', 'web'],
    ['use-800005', '2026-07-02T08:15:00Z', '9757491187', 'RYJ', 'letter_viewed', 'web'],
    ['use-800006', '2026-07-02T08:20:00Z', '9131860915', 'E85501', 'record_viewed', 'android'],
    ['use-800007', '2026-07-02T08:25:00Z', '9131860915', 'E85501', 'message_sent', 'web'],
  ]),
  'usage_events.part-0002.csv.gz': gzipSync(
    csv(HEADERS.usage_events, [
      ['use-800006', '2026-07-02T08:20:00Z', '9131860915', 'E85501', 'record_viewed', 'android'],
      ['use-800007', '2026-07-02T08:25:00Z', '9131860915', 'E85501', 'message_sent', 'ios'],
      ['use-800008', '2026-07-02T09:00:00Z', '9082462818', 'RYJ', 'result_viewed', 'palm'],
      ['use-800009', '2026-07-02T09:05:00Z', '9895559798', '', 'login', 'web'],
      ['use-800010', '2026-07-02T09:10:00Z', '9082462818', 'E85002', 'record_viewed', 'ios'],
      ['use-800011', '2026-07-02T09:15:00Z', '9082462818', 'E85002', 'appointment_booked', 'web'],
    ]),
  ),
  'usage_events.part-0003.csv': csv(HEADERS.usage_events, [
    ['use-800012', '2026-07-03T08:00:00Z', '9518190933', 'E85001', 'login', 'web'],
    ['use-000032', '2026-04-10T08:15:00Z', '9434765919', 'E85001', 'message_sent', 'web'],
    ['use-800013', '2026-07-03T08:10:00Z', '9518190933', 'ZZZ999', 'teleported', 'web'],
    ['use-800002', '2026-07-02T08:05:00Z', '9908301667', 'E85002', 'record_viewed', 'ios'],
    ['use-800014', '2026-07-03T08:20:00Z', '9786579755', 'E85002', 'message_sent', 'ios'],
    ['use-800019', '2026-07-03T08:25:00Z', '9518190933', 'RYJ', 'result_viewed', 'web'],
  ]),
  'usage_events.part-0004.csv': usageCsvInOrder(REORDERED, [
    ['use-800015', '2026-07-04T08:00:00Z', '9390996031', 'E85001', 'record_viewed', 'web'],
    ['use-800016', '2026-07-04T08:05:00Z', '9434765918', 'E85001', 'login', 'web'],
    ['use-800017', '2026-07-04T08:10:00Z', '9757491187', 'E85001', 'appointment_booked', 'web'],
    ['use-800001', '2026-07-02T08:00:00Z', '9434765919', 'E85001', 'record_viewed', 'web'],
    ['use-800010', '2026-07-02T09:10:00Z', '9082462818', 'E85002', 'record_viewed', 'android'],
    ['use-800018', '2026-11-25T00:00:00Z', '9390996031', 'E85001', 'login', 'web'],
  ]),
};

const QUARANTINE_SQL = `SELECT batch_id, file_name, file_kind, line, event_id, reason_code, reason, record FROM quarantine WHERE batch_id = $1 ORDER BY file_name, line`;

async function quarantineOf(store: Store, batchId: string): Promise<QuarantineRow[]> {
  return query<QuarantineRow>(store, QUARANTINE_SQL, [batchId]);
}

const where = (rows: QuarantineRow[]) => rows.map((q) => ({ file: q.file_name, line: Number(q.line), eventId: q.event_id, code: q.reason_code }));

describe('part files of one kind are one delivery (mixed .csv / .csv.gz, mixed column order)', () => {
  let store: Store;
  let report: ImportReport;
  let quarantine: QuarantineRow[];

  importOnceForBlock(
    'parts',
    (landing) => {
      copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
      writeBatch(landing, PARTS, PARTS_FILES);
    },
    async (loaded, run) => {
      store = loaded;
      report = run;
      quarantine = await quarantineOf(store, PARTS);
    },
  );

  it('uses NHS numbers that are valid exactly where the header comment says so', () => {
    for (const nhs of ['9434765919', '9908301667', '9131860915', '9082462818', '9518190933', '9786579755', '9390996031', '9757491187', '9895559798']) {
      expect(isValidNhsNumber(nhs), nhs).toBe(true);
    }
    expect(isValidNhsNumber('9434765918')).toBe(false);
  });

  it('reports each part file with the hand-derived counts, and rows_in = loaded + duplicates + quarantined + withheld', () => {
    expect(report.batches.map((b) => [b.batchId, b.status, b.error])).toEqual([
      [SAMPLE, 'succeeded', undefined],
      [PARTS, 'succeeded', undefined],
    ]);
    expect(fileCounts(batchOf(report, PARTS))).toEqual({
      'consent_events.part-0001.csv': { kind: 'consent_events', ...counts(1, 1) },
      'usage_events.part-0001.csv': { kind: 'usage_events', ...counts(7, 4, { quarantined: 2, withheld: 1 }) },
      'usage_events.part-0002.csv.gz': { kind: 'usage_events', ...counts(6, 2, { duplicates: 1, quarantined: 2, withheld: 1 }) },
      'usage_events.part-0003.csv': { kind: 'usage_events', ...counts(6, 2, { duplicates: 1, quarantined: 2, withheld: 1 }) },
      'usage_events.part-0004.csv': { kind: 'usage_events', ...counts(6, 2, { duplicates: 1, quarantined: 3 }) },
    });
    expect(batchCounts(report, PARTS)).toEqual(
      counts(26, 11, { duplicates: 3, quarantined: 9, withheld: 3 }),
    );
    expectCountsIdentity(report);
  });

  it('records the same per-file counts in ingest_files', async () => {
    const rows = await query<Record<string, string>>(
      store,
      `SELECT file_name, file_kind, rows_in, loaded, duplicates, quarantined, withheld FROM ingest_files WHERE batch_id = $1 ORDER BY file_name`,
      [PARTS],
    );
    expect(rows.map((r) => [r.file_name, r.file_kind, ...['rows_in', 'loaded', 'duplicates', 'quarantined', 'withheld'].map((k) => Number(r[k]))])).toEqual([
      ['consent_events.part-0001.csv', 'consent_events', 1, 1, 0, 0, 0],
      ['usage_events.part-0001.csv', 'usage_events', 7, 4, 0, 2, 1],
      ['usage_events.part-0002.csv.gz', 'usage_events', 6, 2, 1, 2, 1],
      ['usage_events.part-0003.csv', 'usage_events', 6, 2, 1, 2, 1],
      ['usage_events.part-0004.csv', 'usage_events', 6, 2, 1, 3, 0],
    ]);
    for (const r of rows) {
      expect(Number(r.loaded) + Number(r.duplicates) + Number(r.quarantined) + Number(r.withheld), r.file_name).toBe(Number(r.rows_in));
    }
  });

  it('quarantines each bad row at its own file and line, whatever the compression or column order', () => {
    expect(where(quarantine)).toEqual([
      { file: 'usage_events.part-0001.csv', line: 4, eventId: 'use-800003', code: 'unknown_org' },
      { file: 'usage_events.part-0001.csv', line: 5, eventId: 'use-800004', code: 'bad_value' },
      { file: 'usage_events.part-0002.csv.gz', line: 3, eventId: 'use-800007', code: 'conflict' },
      { file: 'usage_events.part-0002.csv.gz', line: 4, eventId: 'use-800008', code: 'unknown_value' },
      { file: 'usage_events.part-0003.csv', line: 4, eventId: 'use-800013', code: 'unknown_value' },
      { file: 'usage_events.part-0003.csv', line: 5, eventId: 'use-800002', code: 'conflict' },
      { file: 'usage_events.part-0004.csv', line: 3, eventId: 'use-800016', code: 'bad_nhs_number' },
      { file: 'usage_events.part-0004.csv', line: 6, eventId: 'use-800010', code: 'conflict' },
      { file: 'usage_events.part-0004.csv', line: 7, eventId: 'use-800018', code: 'future_timestamp' },
    ]);
    for (const q of quarantine) expect(q.file_kind, `${q.file_name}:${q.line}`).toBe('usage_events');
  });

  it('applies the first rule broken, with the organisation check after the form checks and before the clock', () => {
    const reasonAt = (file: string, line: number) => quarantine.find((q) => q.file_name === file && Number(q.line) === line)!;
    // L4: unknown org and a future time → the organisation is reported, naming the column.
    expect(reasonAt('usage_events.part-0001.csv', 4).reason).toContain('org_code');
    expect(reasonAt('usage_events.part-0001.csv', 4).reason).toContain('ZZZ999');
    // L5: a timestamp without a zone and an unknown org → the timestamp's form is reported.
    expect(reasonAt('usage_events.part-0001.csv', 5).reason).toContain('occurred_at');
    // part-0003 L4: an unknown event_type and an unknown org → the enum is reported.
    expect(reasonAt('usage_events.part-0003.csv', 4).reason).toContain('event_type');
    expect(reasonAt('usage_events.part-0004.csv', 7).reason).toContain('occurred_at');
  });

  it('names the earlier part file and line in each conflict reason', () => {
    const conflicts = quarantine.filter((q) => q.reason_code === 'conflict').map((q) => [q.file_name, Number(q.line), q.reason]);
    expect(conflicts).toEqual([
      ['usage_events.part-0002.csv.gz', 3, expect.stringContaining('appears earlier in this batch (usage_events.part-0001.csv)')],
      ['usage_events.part-0003.csv', 5, expect.stringContaining('appears earlier in this batch (usage_events.part-0001.csv)')],
      ['usage_events.part-0004.csv', 6, expect.stringContaining('appears earlier in this batch (usage_events.part-0002.csv.gz)')],
    ]);
    expect(conflicts.map(([, , reason]) => /\(line (\d+)\)/.exec(String(reason))?.[1])).toEqual(['8', '3', '6']);
  });

  it('stores the first occurrence of a repeated event, once', async () => {
    const rows = await query(
      store,
      `SELECT event_id, org_code, event_type, platform, batch_id, count(*) OVER (PARTITION BY event_id) AS copies
         FROM usage_events WHERE event_id IN ('use-800001', 'use-800002', 'use-800006', 'use-800007', 'use-800010', 'use-000032')
         ORDER BY event_id`,
    );
    expect(rows).toEqual([
      { event_id: 'use-000032', org_code: 'E85001', event_type: 'message_sent', platform: 'web', batch_id: SAMPLE, copies: '1' },
      { event_id: 'use-800001', org_code: 'E85001', event_type: 'record_viewed', platform: 'web', batch_id: PARTS, copies: '1' },
      { event_id: 'use-800002', org_code: null, event_type: 'login', platform: 'ios', batch_id: PARTS, copies: '1' },
      { event_id: 'use-800006', org_code: 'E85501', event_type: 'record_viewed', platform: 'android', batch_id: PARTS, copies: '1' },
      { event_id: 'use-800007', org_code: 'E85501', event_type: 'message_sent', platform: 'web', batch_id: PARTS, copies: '1' },
      { event_id: 'use-800010', org_code: 'E85002', event_type: 'record_viewed', platform: 'ios', batch_id: PARTS, copies: '1' },
    ]);
  });

  it('stores exactly the loaded rows of the four parts', async () => {
    const ids = (await eventIds(store, 'usage_events')).filter((id) => id.startsWith('use-8'));
    expect(ids).toEqual([
      'use-800001',
      'use-800002',
      'use-800006',
      'use-800007',
      'use-800010',
      'use-800011',
      'use-800012',
      'use-800014',
      'use-800015',
      'use-800017',
    ]);
    expect(await rowCount(store, 'usage_events')).toBe(54); // 45 + 10 − use-000068 purged
  });

  it('withholds the events of patients with an objection in force and purges what the new objection covers', async () => {
    const ids = await eventIds(store, 'usage_events');
    for (const id of ['use-800005', 'use-800009', 'use-800019', 'use-000068']) expect(ids, id).not.toContain(id);
    expect(await eventIds(store, 'record_feeds')).not.toContain('feed-000092');
    expect(await rowCount(store, 'record_feeds')).toBe(23);
    expect(await rowCount(store, 'consent_events')).toBe(4);
    // Withheld rows are not quarantined either: they are counted, not kept.
    expect(await scalar(store, `SELECT count(*) FROM quarantine WHERE event_id IN ('use-800005', 'use-800009', 'use-800019')`)).toBe(0);
  });

  it('masks every NHS number in the quarantined records', () => {
    for (const q of quarantine) {
      for (const nhs of ['9434765919', '9908301667', '9131860915', '9082462818', '9518190933', '9390996031', '9434765918']) {
        expect(q.record, `${q.file_name}:${q.line}`).not.toContain(nhs);
      }
      expect((JSON.parse(q.record) as { event_id?: string }).event_id, `${q.file_name}:${q.line}`).toBe(q.event_id);
    }
  });
});

const ORDER_FILES: Record<string, string | Buffer> = {
  'usage_events.part-0001.csv': csv(HEADERS.usage_events, [['use-810001', '2026-07-05T08:00:00Z', '9434765919', 'E85001', 'login', 'web']]),
  'usage_events.part-0002.csv.gz': gzipSync(
    csv(HEADERS.usage_events, [
      ['use-810002', '2026-07-05T08:05:00Z', '9434765919', 'E85001', 'record_viewed', 'web'],
      ['use-810004', '2026-07-05T08:15:00Z', '9908301667', 'E85002', 'record_viewed', 'web'],
    ]),
  ),
  'usage_events.part-0003.csv': csv(HEADERS.usage_events, [
    ['use-810002', '2026-07-05T08:05:00Z', '9434765919', 'E85001', 'record_viewed', 'ios'],
    ['use-810004', '2026-07-05T08:15:00Z', '9908301667', 'E85002', 'record_viewed', 'web'],
    ['use-810003', '2026-07-05T08:10:00Z', '9434765919', 'E85001', 'login', 'ios'],
  ]),
};

/*
 * Part files of different formats sit between each other in delivery order (.csv, .csv.gz, .csv):
 * the first occurrence is decided by delivery order (file, then line), not by how the files happen
 * to be grouped for reading. (An earlier importer kept the later part's version here.)
 */
describe('the first occurrence in part order wins, whatever format each part has', () => {
  let store: Store;
  let report: ImportReport;

  importOnceForBlock(
    'parts-order',
    (landing) => {
      copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
      writeBatch(landing, ORDER, ORDER_FILES);
    },
    async (loaded, run) => {
      store = loaded;
      report = run;
    },
  );

  it('loads the batch', () => {
    expect(batchOf(report, ORDER).status).toBe('succeeded');
    expectCountsIdentity(report);
  });

  it('counts the repeat (conflict and duplicate) against the later part', () => {
    expect(fileCounts(batchOf(report, ORDER))).toEqual({
      'usage_events.part-0001.csv': { kind: 'usage_events', ...counts(1, 1) },
      'usage_events.part-0002.csv.gz': { kind: 'usage_events', ...counts(2, 2) },
      'usage_events.part-0003.csv': { kind: 'usage_events', ...counts(3, 1, { duplicates: 1, quarantined: 1 }) },
    });
  });

  it('quarantines the later occurrence and names the earlier part in the reason', async () => {
    const q = await quarantineOf(store, ORDER);
    expect(where(q)).toEqual([{ file: 'usage_events.part-0003.csv', line: 2, eventId: 'use-810002', code: 'conflict' }]);
    expect(q[0]!.reason).toContain('appears earlier in this batch (usage_events.part-0002.csv.gz)');
    expect(q[0]!.reason).toContain('(line 2)');
  });

  it('stores the version from the earlier part', async () => {
    expect(await query(store, `SELECT event_id, platform FROM usage_events WHERE event_id LIKE 'use-81%' ORDER BY event_id`)).toEqual([
      { event_id: 'use-810001', platform: 'web' },
      { event_id: 'use-810002', platform: 'web' },
      { event_id: 'use-810003', platform: 'ios' },
      { event_id: 'use-810004', platform: 'web' },
    ]);
  });
});

/** A usage row as a CSV line (no quoting needed: the values hold no comma or quote). */
const line = (r: UsageRow) => r.join(',');

const MALFORMED_FILES: Record<string, string> = {
  'usage_events.part-0001.csv': csv(HEADERS.usage_events, [
    ['use-820001', '2026-07-05T09:00:00Z', '9434765919', 'E85001', 'login', 'web'],
    ['use-820002', '2026-07-05T09:05:00Z', '9908301667', 'E85002', 'record_viewed', 'ios'],
    ['use-820003', '2026-07-05T09:10:00Z', '9131860915', 'E85501', 'record_viewed', 'android'],
  ]),
  'usage_events.part-0002.csv':
    `${[
      HEADERS.usage_events.join(','),
      line(['use-820004', '2026-07-05T10:00:00Z', '9390996031', 'E85001', 'login', 'web']),
      `${line(['use-820005', '2026-07-05T10:05:00Z', '9390996031', 'E85001', 'login', 'web'])},extra`,
      line(['use-820006', '2026-07-05T10:10:00Z', '9082462818', 'E85002', 'record_viewed', 'ios']),
      line(['use-820007', '2026-07-05T10:15:00Z', '9082462818', 'E85002', 'record_viewed', 'palm']),
      line(['use-820001', '2026-07-05T09:00:00Z', '9434765919', 'E85001', 'record_viewed', 'web']),
      line(['use-820006', '2026-07-05T10:10:00Z', '9082462818', 'E85002', 'record_viewed', 'web']),
      line(['use-820009', '2026-07-05T10:25:00Z', '9518190933', 'E85001', 'message_sent', 'web']),
      'use-820010,"2026-07-05T10:30:00Z,9518190933,E85001,login,web',
    ].join('\n')}\n`,
};

/*
 * An unparsable line must not abort the batch's transaction: the direct read skips it and records
 * it, and the kind is then re-read carefully with the line set aside. (An earlier importer refused
 * the whole batch: the parse error aborted the transaction before the careful path could run.)
 */
describe('a part file with unparsable lines next to a clean one', () => {
  let store: Store;
  let report: ImportReport;
  let quarantine: QuarantineRow[];

  importOnceForBlock(
    'parts-malformed',
    (landing) => {
      copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
      writeBatch(landing, MALFORMED, MALFORMED_FILES);
    },
    async (loaded, run) => {
      store = loaded;
      report = run;
      quarantine = await quarantineOf(store, MALFORMED);
    },
  );

  it('loads the batch with the hand-derived per-file counts', () => {
    const batch = batchOf(report, MALFORMED);
    expect([batch.status, batch.error]).toEqual(['succeeded', undefined]);
    expect(fileCounts(batch)).toEqual({
      'usage_events.part-0001.csv': { kind: 'usage_events', ...counts(3, 3) },
      'usage_events.part-0002.csv': { kind: 'usage_events', ...counts(8, 3, { quarantined: 5 }) },
    });
    expectCountsIdentity(report);
  });

  it('quarantines the unparsable lines as malformed_row and keeps later lines numbered right', () => {
    expect(where(quarantine)).toEqual([
      { file: 'usage_events.part-0002.csv', line: 3, eventId: null, code: 'malformed_row' },
      { file: 'usage_events.part-0002.csv', line: 5, eventId: 'use-820007', code: 'unknown_value' },
      { file: 'usage_events.part-0002.csv', line: 6, eventId: 'use-820001', code: 'conflict' },
      { file: 'usage_events.part-0002.csv', line: 7, eventId: 'use-820006', code: 'conflict' },
      { file: 'usage_events.part-0002.csv', line: 9, eventId: null, code: 'malformed_row' },
    ]);
  });

  it('gives conflicts in the slow path the right earlier file and line', () => {
    const reasons = quarantine.filter((q) => q.reason_code === 'conflict').map((q) => q.reason);
    expect(reasons[0]).toContain('appears earlier in this batch (usage_events.part-0001.csv)');
    expect(reasons[0]).toContain('(line 2)');
    expect(reasons[1]).toContain('appears earlier in this file');
    expect(reasons[1]).toContain('(line 4)');
  });

  it('masks the NHS number in a malformed line kept in quarantine', () => {
    const malformed = quarantine.filter((r) => r.reason_code === 'malformed_row');
    expect(malformed.map((q) => Number(q.line))).toEqual([3, 9]);
    for (const q of malformed) {
      expect(q.record).not.toMatch(/9390996031|9518190933/);
      expect(q.reason.length).toBeGreaterThan(0);
    }
  });

  it('stores every parsable good row of both parts', async () => {
    const ids = (await eventIds(store, 'usage_events')).filter((id) => id.startsWith('use-82'));
    expect(ids).toEqual(['use-820001', 'use-820002', 'use-820003', 'use-820004', 'use-820006', 'use-820009']);
    expect(await rowCount(store, 'usage_events')).toBe(51);
    expect(await query(store, `SELECT event_type, platform FROM usage_events WHERE event_id IN ('use-820001', 'use-820006') ORDER BY event_id`)).toEqual([
      { event_type: 'login', platform: 'web' },
      { event_type: 'record_viewed', platform: 'ios' },
    ]);
  });
});

