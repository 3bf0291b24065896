/**
 * Specification: objections are honoured (contract rule 5).
 *
 * An episode (patient, scope) runs from objection_registered until objection_withdrawn. An event of
 * that patient whose org_code / source_org_code equals the scope (any event for `*`) and whose
 * occurred_at is before the withdrawal (or the episode is still open) is not kept: stored ones are
 * purged when the objection arrives, new ones are withheld. Later events are stored again.
 * Usage events with empty org_code are only covered by `*`.
 *
 * Two patients, A and B, both registered at practice E85001.
 *
 * b1 (2026-07-01T02-00Z) — no consent events, everything stored:
 *   enrolment  e-A1 A E85001 invited · e-A2 A E85001 registered · e-A3 A at RYJ activated · e-B1 B E85001 invited
 *   usage      u-A1 A E85001 · u-A2 A RYJ · u-A3 A RYJ · u-A4 A login (no org) · u-B1 B RYJ · u-B2 B login (no org)
 *   feeds      f-A1 A RYJ · f-A2 A E85001 · f-B1 B RYJ
 * b2 (2026-07-02T02-00Z) — A objects to RYJ from 2026-05-01T12:00Z:
 *   consent    c-A1 A RYJ objection_registered                                  → stored
 *   usage      u-A5 A RYJ 05-10 → withheld · u-A6 A E85001 → loaded · u-B3 B RYJ → loaded
 *   feeds      f-A3 A RYJ 04-20 (before the objection, episode open) → withheld
 *   purged:    e-A3, u-A2, u-A3, f-A1 (A at RYJ). Not B's RYJ events, not A's other orgs, not A's login.
 * b3 (2026-07-03T02-00Z) — A withdraws the RYJ objection at 2026-06-01T12:00Z:
 *   consent    c-A2 A RYJ objection_withdrawn                                   → stored
 *   usage      u-A7 A RYJ 05-20 (before withdrawal) → withheld · u-A8 A RYJ 06-15 → loaded ·
 *              u-A9 A RYJ 04-15 (late arrival, before withdrawal) → withheld
 *   feeds      f-A4 A RYJ 06-02 → loaded
 * b4 (2026-07-04T02-00Z) — B objects to everything (`*`) from 2026-07-01T00:00Z:
 *   consent    c-B1 B * objection_registered                                    → stored
 *   usage      u-B4 B E85001 06-20 → withheld
 *   purged:    e-B1, u-B1, u-B2 (login, empty org: covered by `*`), u-B3, f-B1.
 *
 * Final state: enrolment e-A1 e-A2 · usage u-A1 u-A4 u-A6 u-A8 · feeds f-A2 f-A4 · consent c-A1 c-A2 c-B1.
 * (A re-delivery of b1 under a new name after that changes nothing.)
 * b6 (2026-07-06T02-00Z) — A objects to RYJ again from 2026-08-01T00:00Z (a second, open episode):
 *   an open episode covers every in-scope event whatever its time, so u-A8 and f-A4 (stored after
 *   the first withdrawal) are purged now. A's first episode stays as it was.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../server/store/store.js';
import {
  HEADERS,
  batchOf,
  copyBatch,
  counts,
  csv,
  eventIds,
  expectCountsIdentity,
  fileCounts,
  makeTempDir,
  tempLanding,
  openTestStore,
  query,
  removeTempDirs,
  runImport,
  writeBatch,
} from './helpers/harness.js';
import { makeNhsNumber, spaced } from './helpers/nhs.js';

const A = makeNhsNumber('485777302'); // 4857773023
const B = makeNhsNumber('485777310'); // 4857773104

const ORGS = csv(HEADERS.organisations, [
  ['QRV', 'North West London ICB', 'icb', '', '', '', ''],
  ['08Y', 'West London CCG', 'ccg', 'QRV', '', '', ''],
  ['RYJ', 'Imperial College Healthcare NHS Trust', 'trust', 'QRV', '', '2019-04-01', ''],
  ['E85001', 'Sample Street Surgery', 'practice', '08Y', 6210, '2019-06-03', 40],
]);
const PATIENTS = csv(HEADERS.patients, [
  [A, 'E85001', 1950, 'F', 3],
  [spaced(B), 'E85001', 1960, 'M', 6],
]);

const BATCHES: Record<string, Record<string, string>> = {
  '2026-07-01T02-00Z': {
    'organisations.csv': ORGS,
    'patients.csv': PATIENTS,
    'enrolment_events.csv': csv(HEADERS.enrolment_events, [
      ['e-A1', '2026-03-01T09:00:00Z', A, 'E85001', 'E85001', 'invited', 'sms', ''],
      ['e-A2', '2026-03-02T09:00:00Z', A, 'E85001', 'E85001', 'registered', 'web', ''],
      ['e-A3', '2026-03-03T09:00:00Z', A, 'E85001', 'RYJ', 'activated', 'clinic', ''],
      ['e-B1', '2026-03-01T10:00:00Z', B, 'E85001', 'E85001', 'invited', 'letter', ''],
    ]),
    'usage_events.csv': csv(HEADERS.usage_events, [
      ['u-A1', '2026-04-01T08:00:00Z', A, 'E85001', 'record_viewed', 'web'],
      ['u-A2', '2026-04-02T08:00:00Z', A, 'RYJ', 'letter_viewed', 'web'],
      ['u-A3', '2026-04-03T08:00:00Z', A, 'RYJ', 'result_viewed', 'ios'],
      ['u-A4', '2026-04-04T08:00:00Z', A, '', 'login', 'web'],
      ['u-B1', '2026-04-01T09:00:00Z', B, 'RYJ', 'letter_viewed', 'android'],
      ['u-B2', '2026-04-02T09:00:00Z', B, '', 'login', 'android'],
    ]),
    'record_feeds.csv': csv(HEADERS.record_feeds, [
      ['f-A1', '2026-03-10T02:00:00Z', A, 'RYJ', 'letter', 1],
      ['f-A2', '2026-03-11T02:00:00Z', A, 'E85001', 'medication', 2],
      ['f-B1', '2026-03-10T03:00:00Z', B, 'RYJ', 'letter', 3],
    ]),
  },
  '2026-07-02T02-00Z': {
    'consent_events.csv': csv(HEADERS.consent_events, [['c-A1', '2026-05-01T12:00:00Z', A, 'RYJ', 'objection_registered']]),
    'usage_events.csv': csv(HEADERS.usage_events, [
      ['u-A5', '2026-05-10T08:00:00Z', A, 'RYJ', 'letter_viewed', 'web'],
      ['u-A6', '2026-05-11T08:00:00Z', A, 'E85001', 'message_sent', 'web'],
      ['u-B3', '2026-05-10T09:00:00Z', B, 'RYJ', 'result_viewed', 'web'],
    ]),
    'record_feeds.csv': csv(HEADERS.record_feeds, [['f-A3', '2026-04-20T02:00:00Z', A, 'RYJ', 'result', 1]]),
  },
  '2026-07-03T02-00Z': {
    'consent_events.csv': csv(HEADERS.consent_events, [['c-A2', '2026-06-01T12:00:00Z', A, 'RYJ', 'objection_withdrawn']]),
    'usage_events.csv': csv(HEADERS.usage_events, [
      ['u-A7', '2026-05-20T08:00:00Z', A, 'RYJ', 'letter_viewed', 'web'],
      ['u-A8', '2026-06-15T08:00:00Z', A, 'RYJ', 'letter_viewed', 'web'],
      ['u-A9', '2026-04-15T08:00:00Z', A, 'RYJ', 'record_viewed', 'web'],
    ]),
    'record_feeds.csv': csv(HEADERS.record_feeds, [['f-A4', '2026-06-02T02:00:00Z', A, 'RYJ', 'letter', 1]]),
  },
  '2026-07-04T02-00Z': {
    'consent_events.csv': csv(HEADERS.consent_events, [['c-B1', '2026-07-01T00:00:00Z', B, '*', 'objection_registered']]),
    'usage_events.csv': csv(HEADERS.usage_events, [['u-B4', '2026-06-20T09:00:00Z', B, 'E85001', 'record_viewed', 'web']]),
  },
};
const [B1, B2, B3, B4] = Object.keys(BATCHES) as [string, string, string, string];

const FINAL = {
  enrolment_events: ['e-A1', 'e-A2'],
  usage_events: ['u-A1', 'u-A4', 'u-A6', 'u-A8'],
  record_feeds: ['f-A2', 'f-A4'],
  consent_events: ['c-A1', 'c-A2', 'c-B1'],
};

async function storedEvents(store: Store) {
  return {
    enrolment_events: await eventIds(store, 'enrolment_events'),
    usage_events: await eventIds(store, 'usage_events'),
    record_feeds: await eventIds(store, 'record_feeds'),
    consent_events: await eventIds(store, 'consent_events'),
  };
}

async function episodes(store: Store) {
  return query(
    store,
    `SELECT p.birth_year, o.scope,
            strftime(o.registered_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS registered,
            strftime(o.withdrawn_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS withdrawn
       FROM objection_episodes o JOIN patients p USING (patient_id) ORDER BY p.birth_year, o.registered_at`,
  );
}

describe('objections delivered batch by batch', () => {
  let store: Store;
  let landing: string;

  beforeAll(async () => {
    const dir = makeTempDir('objections');
    landing = join(dir, 'landing');
    store = await openTestStore(dir);
  });

  afterAll(async () => {
    await store?.close();
    removeTempDirs();
  });

  it('b1: stores everything while nobody objects', async () => {
    writeBatch(landing, B1, BATCHES[B1]!);
    const { report } = await runImport(store, landing);
    expectCountsIdentity(report);
    expect(batchOf(report, B1).withheld).toBe(0);
    expect(await storedEvents(store)).toEqual({
      enrolment_events: ['e-A1', 'e-A2', 'e-A3', 'e-B1'],
      usage_events: ['u-A1', 'u-A2', 'u-A3', 'u-A4', 'u-B1', 'u-B2'],
      record_feeds: ['f-A1', 'f-A2', 'f-B1'],
      consent_events: [],
    });
  });

  it("b2: an RYJ objection purges exactly A's RYJ events and withholds new ones in scope", async () => {
    writeBatch(landing, B2, BATCHES[B2]!);
    const { report } = await runImport(store, landing);
    expectCountsIdentity(report);
    expect(fileCounts(batchOf(report, B2))).toEqual({
      'consent_events.csv': { kind: 'consent_events', ...counts(1, 1) },
      'usage_events.csv': { kind: 'usage_events', ...counts(3, 2, { withheld: 1 }) },
      'record_feeds.csv': { kind: 'record_feeds', ...counts(1, 0, { withheld: 1 }) },
    });
    expect(await storedEvents(store)).toEqual({
      enrolment_events: ['e-A1', 'e-A2', 'e-B1'], // e-A3 (A at RYJ) purged
      usage_events: ['u-A1', 'u-A4', 'u-A6', 'u-B1', 'u-B2', 'u-B3'], // u-A2, u-A3 purged; u-A5 withheld
      record_feeds: ['f-A2', 'f-B1'], // f-A1 purged; f-A3 withheld
      consent_events: ['c-A1'],
    });
    expect(await episodes(store)).toEqual([{ birth_year: 1950, scope: 'RYJ', registered: '2026-05-01T12:00:00Z', withdrawn: null }]);
  });

  it('b3: after the withdrawal, events occurring after it are stored again; earlier ones stay out', async () => {
    writeBatch(landing, B3, BATCHES[B3]!);
    const { report } = await runImport(store, landing);
    expectCountsIdentity(report);
    expect(fileCounts(batchOf(report, B3))).toEqual({
      'consent_events.csv': { kind: 'consent_events', ...counts(1, 1) },
      'usage_events.csv': { kind: 'usage_events', ...counts(3, 1, { withheld: 2 }) },
      'record_feeds.csv': { kind: 'record_feeds', ...counts(1, 1) },
    });
    expect(await storedEvents(store)).toEqual({
      enrolment_events: ['e-A1', 'e-A2', 'e-B1'],
      usage_events: ['u-A1', 'u-A4', 'u-A6', 'u-A8', 'u-B1', 'u-B2', 'u-B3'],
      record_feeds: ['f-A2', 'f-A4', 'f-B1'],
      consent_events: ['c-A1', 'c-A2'],
    });
    expect(await episodes(store)).toEqual([
      { birth_year: 1950, scope: 'RYJ', registered: '2026-05-01T12:00:00Z', withdrawn: '2026-06-01T12:00:00Z' },
    ]);
  });

  it("b4: a `*` objection purges every event of B (including org-less logins) and nothing of A's", async () => {
    writeBatch(landing, B4, BATCHES[B4]!);
    const { report } = await runImport(store, landing);
    expectCountsIdentity(report);
    expect(fileCounts(batchOf(report, B4))).toEqual({
      'consent_events.csv': { kind: 'consent_events', ...counts(1, 1) },
      'usage_events.csv': { kind: 'usage_events', ...counts(1, 0, { withheld: 1 }) },
    });
    expect(await storedEvents(store)).toEqual(FINAL);
    expect(await episodes(store)).toEqual([
      { birth_year: 1950, scope: 'RYJ', registered: '2026-05-01T12:00:00Z', withdrawn: '2026-06-01T12:00:00Z' },
      { birth_year: 1960, scope: '*', registered: '2026-07-01T00:00:00Z', withdrawn: null },
    ]);
  });

  it('a later re-delivery of b1 under a new name does not bring purged events back', async () => {
    copyBatch(join(landing, B1), landing, '2026-07-05T02-00Z');
    const { report } = await runImport(store, landing);
    expectCountsIdentity(report);
    const again = batchOf(report, '2026-07-05T02-00Z');
    expect(again.status).toBe('succeeded');
    for (const f of again.files) if (!['organisations', 'patients'].includes(f.kind)) expect(f.loaded, f.fileName).toBe(0);
    expect(await storedEvents(store)).toEqual(FINAL);
  });

  it('b6: a second RYJ objection by A purges what was stored after the first withdrawal', async () => {
    writeBatch(landing, '2026-07-06T02-00Z', {
      'consent_events.csv': csv(HEADERS.consent_events, [['c-A3', '2026-08-01T00:00:00Z', A, 'RYJ', 'objection_registered']]),
    });
    const { report } = await runImport(store, landing);
    expectCountsIdentity(report);
    expect(await storedEvents(store)).toEqual({
      enrolment_events: ['e-A1', 'e-A2'],
      usage_events: ['u-A1', 'u-A4', 'u-A6'],
      record_feeds: ['f-A2'],
      consent_events: ['c-A1', 'c-A2', 'c-A3', 'c-B1'],
    });
    expect(await episodes(store)).toEqual([
      { birth_year: 1950, scope: 'RYJ', registered: '2026-05-01T12:00:00Z', withdrawn: '2026-06-01T12:00:00Z' },
      { birth_year: 1950, scope: 'RYJ', registered: '2026-08-01T00:00:00Z', withdrawn: null },
      { birth_year: 1960, scope: '*', registered: '2026-07-01T00:00:00Z', withdrawn: null },
    ]);
  });
});

describe('the same four batches delivered in one run', () => {
  afterAll(() => removeTempDirs());

  it('end in the same state as batch by batch (batches apply in name order)', async () => {
    const { dir, landing } = tempLanding('objections-one-run');
    // Written in reverse so that directory creation order cannot stand in for name order.
    for (const id of [B4, B3, B2, B1]) writeBatch(landing, id, BATCHES[id]!);
    const store = await openTestStore(dir);
    try {
      const { report } = await runImport(store, landing);
      expect(report.batches.map((b) => b.batchId)).toEqual([B1, B2, B3, B4]);
      expectCountsIdentity(report);
      expect(await storedEvents(store)).toEqual(FINAL);
      expect(await episodes(store)).toHaveLength(2);
    } finally {
      await store.close();
    }
  });
});
