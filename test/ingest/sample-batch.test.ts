/**
 * Specification: loading the contract's sample batch into an empty store.
 *
 * Every expected number below is derived by hand from the files in
 * /work/shared/contract/sample-batch (copied byte-for-byte to test/fixtures/ingest/sample-batch).
 *
 * Patients (12, all pass Modulus-11; three appear in patients.csv in the spaced form):
 *   P1 943 476 5919  E85001 1940 F 1      P7  9518190933   E85001 1970 F 7
 *   P2 9908301667    E85002 1945 M 2      P8  9786579755   E85002 1975 F 8
 *   P3 9131860915    E85501 1950 F 3      P9  943 231 9482 E85501 1980 F 9
 *   P4 9390996031    E85001 1955 F 4      P10 9757491187   E85001 1985 M 10
 *   P5 908 246 2818  E85002 1960 F 5      P11 9625276017   E85002 1990 F 1
 *   P6 9948219937    E85501 1965 M (imd empty)   P12 9895559798 E85501 1995 F 2
 *   → 12 patients (the spaced and unspaced forms are the same person), 9 F + 3 M, one null imd.
 *
 * consent_events.csv (3 rows):
 *   con-000102 2026-03-20 P10 scope RYJ objection_registered  (never withdrawn)
 *   con-000103 2026-04-02 P12 scope *   objection_registered  (never withdrawn)
 *   con-000104 2026-03-05 P1  scope RYX sharing_granted       (no effect on storage)
 *
 * Events of P10: enr-000027 (org E85001), enr-000028 (E85001), feed-000100 (source RYJ),
 *   feed-000101 (E85001); no usage events. → only feed-000100 falls under the RYJ objection.
 * Events of P12: enr-000030 (E85501, 2026-03-12 — before the objection, but the episode is not
 *   withdrawn, so it is covered); no usage, no feeds. → enr-000030 is withheld by the `*` objection.
 *
 * Per file (rowsIn = loaded + duplicates + quarantined + withheld):
 *   organisations.csv     8 →  8 loaded
 *   campaigns.csv         1 →  1 loaded
 *   programme_costs.csv   2 →  2 loaded
 *   patients.csv         12 → 12 loaded
 *   enrolment_events.csv 31 → 30 loaded, 1 withheld (enr-000030)
 *   usage_events.csv     45 → 45 loaded  (use-000032..use-000076; no P10/P12 rows)
 *   record_feeds.csv     25 → 24 loaded, 1 withheld (feed-000100)
 *   consent_events.csv    3 →  3 loaded  (consent events are stored, pseudonymised)
 *   batch: rowsIn 127, loaded 125, withheld 2, duplicates 0, quarantined 0.
 *
 * All timestamps are in March–June 2026, well before the clock 2026-11-24T03:00Z; every org_code,
 * practice_code and campaign_code is in the batch's own reference files; every enum is valid.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../server/store/store.js';
import {
  CONTRACT_SAMPLE_DIR,
  SAMPLE_BATCH_DIR,
  batchOf,
  batchCounts,
  copyBatch,
  counts,
  eventIds,
  expectCountsIdentity,
  fileCounts,
  tempLanding,
  openTestStore,
  query,
  removeTempDirs,
  rowCount,
  runImport,
  scalar,
  importOnceForBlock,
  type ImportReport,
} from './helpers/harness.js';
import { isValidNhsNumber } from './helpers/nhs.js';

const BATCH = '2026-11-24T02-00Z';

describe('sample fixture', () => {
  it.skipIf(!safeExists(CONTRACT_SAMPLE_DIR))('is a byte-exact copy of the contract sample batch', () => {
    const names = readdirSync(CONTRACT_SAMPLE_DIR).sort();
    expect(readdirSync(SAMPLE_BATCH_DIR).filter((n) => !n.startsWith('.')).sort()).toEqual(names);
    for (const name of names) {
      expect(readFileSync(join(SAMPLE_BATCH_DIR, name)).equals(readFileSync(join(CONTRACT_SAMPLE_DIR, name))), name).toBe(true);
    }
  });

  it('has only NHS numbers that pass Modulus-11 (so no sample row should be quarantined)', () => {
    for (const name of readdirSync(SAMPLE_BATCH_DIR)) {
      const [header, ...rows] = readFileSync(join(SAMPLE_BATCH_DIR, name), 'utf8').trim().split(/\r?\n/);
      const col = header!.split(',').indexOf('nhs_number');
      if (col < 0) continue;
      for (const row of rows) expect(isValidNhsNumber(row.split(',')[col]!), `${name}: ${row}`).toBe(true);
    }
  });
});

describe('importing the contract sample batch into an empty store', () => {
  let store: Store;
  let report: ImportReport;

  importOnceForBlock(
    'sample',
    (landing) => {
      copyBatch(SAMPLE_BATCH_DIR, landing, BATCH);
    },
    (loaded, run) => {
      store = loaded;
      report = run;
    },
  );

  it('reports one succeeded batch with the hand-derived per-file counts', () => {
    expect(report.status).toBe('succeeded');
    expect(report.batches.map((b) => [b.batchId, b.status])).toEqual([[BATCH, 'succeeded']]);
    expect(fileCounts(batchOf(report, BATCH))).toEqual({
      'organisations.csv': { kind: 'organisations', ...counts(8, 8) },
      'campaigns.csv': { kind: 'campaigns', ...counts(1, 1) },
      'programme_costs.csv': { kind: 'programme_costs', ...counts(2, 2) },
      'patients.csv': { kind: 'patients', ...counts(12, 12) },
      'enrolment_events.csv': { kind: 'enrolment_events', ...counts(31, 30, { withheld: 1 }) },
      'usage_events.csv': { kind: 'usage_events', ...counts(45, 45) },
      'record_feeds.csv': { kind: 'record_feeds', ...counts(25, 24, { withheld: 1 }) },
      'consent_events.csv': { kind: 'consent_events', ...counts(3, 3) },
    });
  });

  it('reports batch totals 127 in = 125 loaded + 2 withheld, and the identity holds everywhere', () => {
    expect(batchCounts(report, BATCH)).toEqual(
      counts(127, 125, { withheld: 2 }),
    );
    expectCountsIdentity(report);
  });

  it('stores the reference data: 8 organisations, 1 campaign, 2 cost lines', async () => {
    expect(await rowCount(store, 'organisations')).toBe(8);
    expect(await rowCount(store, 'campaigns')).toBe(1);
    expect(await rowCount(store, 'programme_costs')).toBe(2);
    // org types: 1 icb (QRV), 2 ccg (08Y, 07W), 1 trust (RYJ), 1 community (RYX), 3 practices.
    const types = await query<{ org_type: string; n: string }>(
      store,
      `SELECT org_type, count(*) AS n FROM organisations GROUP BY org_type ORDER BY org_type`,
    );
    expect(types.map((t) => [t.org_type, Number(t.n)])).toEqual([
      ['ccg', 2],
      ['community', 1],
      ['icb', 1],
      ['practice', 3],
      ['trust', 1],
    ]);
    const e85001 = await query(
      store,
      `SELECT parent_code, eligible_population, CAST(go_live_date AS VARCHAR) AS go_live, target_uptake_pct
         FROM organisations WHERE org_code = 'E85001'`,
    );
    expect(e85001).toEqual([{ parent_code: '08Y', eligible_population: 6210, go_live: '2019-06-03', target_uptake_pct: 40 }]);
    // Empty fields are missing values, not zeros or empty strings.
    const qrv = await query(store, `SELECT parent_code, eligible_population, go_live_date, target_uptake_pct FROM organisations WHERE org_code = 'QRV'`);
    expect(qrv).toEqual([{ parent_code: null, eligible_population: null, go_live_date: null, target_uptake_pct: null }]);
    // Practice list sizes: 6210 + 11840 + 8925 = 26975.
    expect(await scalar(store, `SELECT sum(eligible_population) FROM organisations WHERE org_type = 'practice'`)).toBe(26975);
    expect(await scalar(store, `SELECT CAST(cost_gbp AS DOUBLE) FROM campaigns WHERE campaign_code = 'C2026-SMS1'`)).toBe(4200);
    // 250000 licence + 80000 implementation.
    expect(await scalar(store, `SELECT CAST(sum(amount_gbp) AS DOUBLE) FROM programme_costs`)).toBe(330000);
  });

  it('stores 12 distinct patients with their attributes; spaced and unspaced NHS numbers are one patient', async () => {
    expect(await rowCount(store, 'patients')).toBe(12);
    expect(await scalar(store, `SELECT count(DISTINCT patient_id) FROM patients`)).toBe(12);
    expect(await scalar(store, `SELECT count(DISTINCT pseudonym) FROM patients`)).toBe(12);
    expect(await scalar(store, `SELECT count(*) FROM patients WHERE regexp_full_match(pseudonym, '[0-9a-f]{64}')`)).toBe(12);
    const bySex = await query<{ sex: string; n: string }>(store, `SELECT sex, count(*) AS n FROM patients GROUP BY sex ORDER BY sex`);
    expect(bySex.map((r) => [r.sex, Number(r.n)])).toEqual([
      ['F', 9],
      ['M', 3],
    ]);
    expect(await scalar(store, `SELECT count(*) FROM patients WHERE imd_decile IS NULL`)).toBe(1);
    // Sum of birth years 1940, 1945, …, 1995 (12 terms, step 5) = 12 × 1967.5 = 23610.
    expect(await scalar(store, `SELECT sum(birth_year) FROM patients`)).toBe(23610);
    // Per practice: E85001 P1 P4 P7 P10; E85002 P2 P5 P8 P11; E85501 P3 P6 P9 P12.
    const byPractice = await query<{ practice_code: string; n: string }>(
      store,
      `SELECT practice_code, count(*) AS n FROM patients GROUP BY 1 ORDER BY 1`,
    );
    expect(byPractice.map((r) => [r.practice_code, Number(r.n)])).toEqual([
      ['E85001', 4],
      ['E85002', 4],
      ['E85501', 4],
    ]);
  });

  it('links every event to a described patient (P1 enrolled with the unspaced number, listed spaced)', async () => {
    for (const table of ['enrolment_events', 'usage_events', 'record_feeds', 'consent_events']) {
      const orphans = await scalar(
        store,
        `SELECT count(*) FROM "${table}" e LEFT JOIN patients p USING (patient_id) WHERE p.birth_year IS NULL`,
      );
      expect(orphans, table).toBe(0);
    }
    // enr-000001 is P1 (9434765919), who is `943 476 5919`, born 1940, in patients.csv.
    expect(
      await scalar(store, `SELECT p.birth_year FROM enrolment_events e JOIN patients p USING (patient_id) WHERE e.event_id = 'enr-000001'`),
    ).toBe(1940);
    // P5 (`908 246 2818` in patients.csv) has 3 enrolment + 6 usage + 3 feed events.
    const p5 = await query<{ n: string }>(
      store,
      `SELECT (SELECT count(*) FROM enrolment_events WHERE patient_id = p.patient_id)
            + (SELECT count(*) FROM usage_events WHERE patient_id = p.patient_id)
            + (SELECT count(*) FROM record_feeds WHERE patient_id = p.patient_id) AS n
         FROM patients p WHERE birth_year = 1960`,
    );
    expect(p5.map((r) => Number(r.n))).toEqual([12]);
  });

  it('stores 30 enrolment events: 11 invited, 10 registered, 8 activated, 1 deactivated', async () => {
    // invited: enr 1,4,7,10,13,16,19,22,25,27,29,30 = 12, minus withheld enr-000030 → 11.
    // registered: 2,5,8,11,14,17,20,23,26,28 = 10; activated: 3,6,9,12,15,18,21,24 = 8; deactivated: 31.
    expect(await rowCount(store, 'enrolment_events')).toBe(30);
    const byType = await query<{ event_type: string; n: string }>(
      store,
      `SELECT event_type, count(*) AS n FROM enrolment_events GROUP BY 1 ORDER BY 1`,
    );
    expect(byType.map((r) => [r.event_type, Number(r.n)])).toEqual([
      ['activated', 8],
      ['deactivated', 1],
      ['invited', 11],
      ['registered', 10],
    ]);
    const ids = await eventIds(store, 'enrolment_events');
    expect(ids).not.toContain('enr-000030');
    expect(ids).toContain('enr-000027');
    expect(ids).toContain('enr-000028');
    // 12 patients enrolled, minus P12 whose only event is withheld.
    expect(await scalar(store, `SELECT count(DISTINCT patient_id) FROM enrolment_events`)).toBe(11);
    // Campaign-prompted: enr 1-6, 10-15, 19-24, 27-29 = 21 (all kept). No campaign: enr 7-9, 16-18,
    // 25, 26, 30, 31 = 10, minus withheld enr-000030 → 9.
    expect(await scalar(store, `SELECT count(*) FROM enrolment_events WHERE campaign_code = 'C2026-SMS1'`)).toBe(21);
    expect(await scalar(store, `SELECT count(*) FROM enrolment_events WHERE campaign_code IS NULL`)).toBe(9);
    // enr-000009 happened at the trust RYJ although the patient's practice is E85501.
    expect(await query(store, `SELECT practice_code, org_code FROM enrolment_events WHERE event_id = 'enr-000009'`)).toEqual([
      { practice_code: 'E85501', org_code: 'RYJ' },
    ]);
  });

  it('reads timestamps with Z and with +00:00 offsets as the same instants', async () => {
    const rows = await query<{ event_id: string; at: string }>(
      store,
      `SELECT event_id, strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS at
         FROM enrolment_events WHERE event_id IN ('enr-000001', 'enr-000002') ORDER BY event_id`,
    );
    expect(rows).toEqual([
      { event_id: 'enr-000001', at: '2026-03-01T09:00:00Z' },
      { event_id: 'enr-000002', at: '2026-03-02T10:30:00Z' },
    ]);
  });

  it('stores all 45 usage events, 6 of them logins with no organisation (org_code null)', async () => {
    expect(await rowCount(store, 'usage_events')).toBe(45);
    // Empty org_code: use-000038, 039, 042, 044, 050, 076 — all logins.
    expect(await scalar(store, `SELECT count(*) FROM usage_events WHERE org_code IS NULL`)).toBe(6);
    expect(await scalar(store, `SELECT count(*) FROM usage_events WHERE event_type = 'login'`)).toBe(6);
    expect(await scalar(store, `SELECT count(*) FROM usage_events WHERE org_code = ''`)).toBe(0);
    // Usage by patient P1..P8 only (3+6+9+3+6+9+3+6).
    expect(await scalar(store, `SELECT count(DISTINCT patient_id) FROM usage_events`)).toBe(8);
    const platforms = await query<{ platform: string; n: string }>(
      store,
      `SELECT platform, count(*) AS n FROM usage_events GROUP BY 1 ORDER BY platform::VARCHAR`,
    );
    // Counted from the file: 15 each.
    expect(platforms.map((r) => [r.platform, Number(r.n)])).toEqual([
      ['android', 15],
      ['ios', 15],
      ['web', 15],
    ]);
  });

  it('stores 24 record feeds (feed-000100 withheld by the RYJ objection), 43 items', async () => {
    expect(await rowCount(store, 'record_feeds')).toBe(24);
    const ids = await eventIds(store, 'record_feeds');
    expect(ids).not.toContain('feed-000100');
    expect(ids).toContain('feed-000101'); // P10 at E85001: outside the RYJ scope
    // item_count over the file is 44; feed-000100 carried 1.
    expect(await scalar(store, `SELECT sum(item_count) FROM record_feeds`)).toBe(43);
    // Feeds by patient: P1..P10 have feeds; P10 keeps feed-000101 → 10 patients.
    expect(await scalar(store, `SELECT count(DISTINCT patient_id) FROM record_feeds`)).toBe(10);
    // RYJ letters: feed 77,80,82,85,87,90,92,95,97,100 = 10, minus feed-000100 → 9.
    expect(await scalar(store, `SELECT count(*) FROM record_feeds WHERE source_org_code = 'RYJ'`)).toBe(9);
  });

  it('stores the 3 consent events and derives two open objection episodes', async () => {
    expect(await eventIds(store, 'consent_events')).toEqual(['con-000102', 'con-000103', 'con-000104']);
    const episodes = await query<{ scope: string; registered: string; withdrawn_at: string | null; birth_year: number }>(
      store,
      `SELECT o.scope, strftime(o.registered_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS registered, o.withdrawn_at, p.birth_year
         FROM objection_episodes o JOIN patients p USING (patient_id) ORDER BY o.scope`,
    );
    expect(episodes).toEqual([
      { scope: '*', registered: '2026-04-02T12:00:00Z', withdrawn_at: null, birth_year: 1995 }, // P12
      { scope: 'RYJ', registered: '2026-03-20T12:00:00Z', withdrawn_at: null, birth_year: 1985 }, // P10
    ]);
  });

  it('keeps no row-level event of an objecting patient in scope', async () => {
    // P12 (born 1995, `*`) has no events left at all in enrolment/usage/feeds.
    for (const table of ['enrolment_events', 'usage_events', 'record_feeds']) {
      const n = await scalar(store, `SELECT count(*) FROM "${table}" JOIN patients USING (patient_id) WHERE birth_year = 1995`);
      expect(n, table).toBe(0);
    }
    // P10 (born 1985, RYJ) keeps 2 enrolments at E85001 and feed-000101 from E85001.
    expect(await scalar(store, `SELECT count(*) FROM enrolment_events JOIN patients USING (patient_id) WHERE birth_year = 1985`)).toBe(2);
    expect(
      await scalar(store, `SELECT count(*) FROM record_feeds JOIN patients USING (patient_id) WHERE birth_year = 1985 AND source_org_code = 'RYJ'`),
    ).toBe(0);
  });

  it('records the batch as loaded, with one ingest_runs row and one ingest_files row per file', async () => {
    const batches = await query<{ batch_id: string }>(store, `SELECT batch_id FROM loaded_batches`);
    expect(batches).toEqual([{ batch_id: BATCH }]);
    const runs = await query(store, `SELECT batch_id, trigger, status, rows_in, loaded, duplicates, quarantined, withheld FROM ingest_runs`);
    expect(runs).toEqual([
      { batch_id: BATCH, trigger: 'test', status: 'succeeded', rows_in: '127', loaded: '125', duplicates: '0', quarantined: '0', withheld: '2' },
    ]);
    expect(await scalar(store, `SELECT count(*) FROM ingest_files WHERE batch_id = $1`, [BATCH])).toBe(8);
    expect(await scalar(store, `SELECT sum(withheld) FROM ingest_files WHERE batch_id = $1`, [BATCH])).toBe(2);
    expect(await rowCount(store, 'quarantine')).toBe(0);
  });

  it('stamps every stored event with the batch it came from', async () => {
    for (const table of ['enrolment_events', 'usage_events', 'record_feeds', 'consent_events']) {
      expect(await scalar(store, `SELECT count(*) FROM "${table}" WHERE batch_id <> $1`, [BATCH]), table).toBe(0);
    }
  });

  it("finds each patient by a key that is the first 128 bits of the patient's pseudonym", async () => {
    // The key is computed in JavaScript, the pseudonym in SQL: they must be the same HMAC.
    expect(await rowCount(store, 'patient_keys')).toBe(12);
    const mismatched = `SELECT count(*) FROM patients p JOIN patient_keys k USING (patient_id)
      WHERE ('0x' || substr(p.pseudonym, 1, 16))::UBIGINT <> k.key_high OR ('0x' || substr(p.pseudonym, 17, 16))::UBIGINT <> k.key_low`;
    expect(await scalar(store, `SELECT count(*) FROM patients p JOIN patient_keys k USING (patient_id)`)).toBe(12);
    expect(await scalar(store, mismatched)).toBe(0);
  });

  it('pseudonyms are not a plain (unkeyed) hash of the NHS number', async () => {
    const plain = createHash('sha256').update('9434765919').digest('hex');
    expect(await scalar(store, `SELECT count(*) FROM patients WHERE pseudonym = $1`, [plain])).toBe(0);
  });
});

describe('pseudonyms depend on the key, and only on the key', () => {
  afterAll(() => removeTempDirs());

  async function pseudonymsWith(key: string): Promise<string[]> {
    const { dir, landing } = tempLanding('pseudo');
    copyBatch(SAMPLE_BATCH_DIR, landing, BATCH);
    const store = await openTestStore(dir);
    try {
      await runImport(store, landing, { key });
      const rows = await query<{ pseudonym: string }>(store, `SELECT pseudonym FROM patients ORDER BY birth_year`);
      return rows.map((r) => r.pseudonym);
    } finally {
      await store.close();
    }
  }

  it('gives the same pseudonyms in two stores fed with the same key, different ones with another key', async () => {
    const a = await pseudonymsWith('key-one-for-spec');
    const b = await pseudonymsWith('key-one-for-spec');
    const c = await pseudonymsWith('key-two-for-spec');
    expect(a).toHaveLength(12);
    expect(b).toEqual(a);
    expect(c.filter((p) => a.includes(p))).toEqual([]);
  });
});

function safeExists(dir: string): boolean {
  try {
    readdirSync(dir);
    return true;
  } catch {
    return false;
  }
}
