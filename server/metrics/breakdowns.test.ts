/**
 * Known answers for breakdowns and grains beyond month / quarter: uptake by breakdown at day and
 * week, active users by patient group at week (kept per CCG), distinct users per platform and kind,
 * lifecycle by week, the activity rhythm of a practice and of a trust, and savings by CCG with its
 * remainder (what no CCG holds).
 *
 * The small region of test/fixtures/metrics/small-region.ts (its story is told there), plus one
 * addition: ids 1-10 (P01, women born 1980, IMD decile 1) log in on the web on Tuesday 24 Feb 2026
 * at 10:00. Ages are at 2026 (the latest data year): born 1980 -> 46 (45-64), 1950 -> 76 (75-84).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../store/store.js';
import { setMeta, META } from '../store/meta.js';
import { createApp } from '../app.js';
import { signedIn, type SignedInClient } from '../auth/testing.js';
import { buildSmallRegion } from '../../test/fixtures/metrics/small-region.js';
import { metricRows, type MetricRow } from '../../test/fixtures/metrics/metric-rows.js';
import { refreshRollups } from './rollups.js';
import { protectMetric } from './query.js';

let store: Store;
let app: ReturnType<typeof createApp>;
let admin: SignedInClient;
type Row = MetricRow;

const rows = (path: string): Promise<Row[]> => metricRows(admin, path);
const pick = (r: Row, keys: string[]) => keys.map((k) => r[k]);

beforeAll(async () => {
  store = await openStore({ path: ':memory:' });
  await buildSmallRegion(store);
  await store.withConnection(async (c) => {
    await c.run(`INSERT INTO usage_events
      SELECT 'l4-' || i, TIMESTAMPTZ '2026-02-24 10:00:00+00', i, NULL, 'login', 'web', 'B1' FROM range(1, 11) t(i)`);
    await c.run('BEGIN');
    await refreshRollups(c);
    await setMeta(c, META.dataVersion, '2');
    await c.run('COMMIT');
  });
  app = createApp({ store });
  admin = await signedIn(app);
});
afterAll(async () => store.close());

describe('uptake broken down at day and week grains', () => {
  it('reads each week end level by sex (last month level + this month changes)', async () => {
    // Registered: F = P01 ids 1-20 + P02 30 = 50; M = P01 ids 21-40 + P03 10 = 30.
    // Sun 8 Feb: F = 18 (P01) + 10 (P02) = 28 -> 30 of 50 = 60%; M 0; All 28 -> 30 of 600 = 5%.
    // Sun 15 Feb: ids 1-2 deactivated, P03's 3 men activated: F 26, M 3 -> suppressed, and F (the
    // only other part of All = 29 -> 30) with it, so M cannot be worked out as 30 - 25.
    const r = await rows('/api/metrics/uptake?org=Q00&grain=week&from=2026-02-02&to=2026-02-15&by=sex');
    expect(r.map((x) => pick(x, ['period_start', 'period_end', 'breakdown', 'activated', 'eligible', 'uptake_pct']))).toEqual([
      ['2026-02-02', '2026-02-08', 'All', 30, 600, 5],
      ['2026-02-02', '2026-02-08', 'F', 30, 50, 60],
      ['2026-02-02', '2026-02-08', 'M', 0, 30, 0],
      ['2026-02-09', '2026-02-15', 'All', 30, 600, 5],
      ['2026-02-09', '2026-02-15', 'F', null, 50, null],
      ['2026-02-09', '2026-02-15', 'M', null, 30, null],
    ]);
  });

  it('reads each day by channel of activation, per CCG', async () => {
    // C01 (P01, P02): 14 Feb 'app' 18 + 10 = 28 -> 30; 15 Feb 16 + 10 = 26 -> 25.
    // C02 (P03): P03's 3 'clinic' activations (10 Feb) are suppressed, and so is its All (3).
    const r = await rows('/api/metrics/uptake?org=Q00&level=ccg&grain=day&from=2026-02-14&to=2026-02-15&by=channel');
    expect(r.map((x) => pick(x, ['period_start', 'org_code', 'breakdown', 'activated']))).toEqual([
      ['2026-02-14', 'C01', 'All', 30], ['2026-02-14', 'C01', 'app', 30],
      ['2026-02-14', 'C02', 'All', null], ['2026-02-14', 'C02', 'clinic', null],
      ['2026-02-15', 'C01', 'All', 25], ['2026-02-15', 'C01', 'app', 25],
      ['2026-02-15', 'C02', 'All', null], ['2026-02-15', 'C02', 'clinic', null],
    ]);
  });
});

describe('active users broken down by week (kept per CCG)', () => {
  it('counts active patients by age band each week, for the ICB', async () => {
    // Week of 2 Feb: ids 1-10 (45-64) viewed records, ids 101-110 (75-84) logged in: 10 + 10 = 20.
    // Week of 9 Feb: ids 101-108 (75-84) sent messages: 8 -> 10. Week of 16 Feb: nobody.
    // Week of 23 Feb: ids 1-10 (45-64) logged in: 10.
    const r = await rows('/api/metrics/active_users?org=Q00&grain=week&from=2026-02-02&to=2026-02-28&by=age_band');
    expect(r.map((x) => pick(x, ['period_start', 'breakdown', 'active_patients']))).toEqual([
      ['2026-02-02', 'All', 20], ['2026-02-02', '45-64', 10], ['2026-02-02', '75-84', 10],
      ['2026-02-09', 'All', 10], ['2026-02-09', '75-84', 10],
      ['2026-02-23', 'All', 10], ['2026-02-23', '45-64', 10],
    ]);
  });

  it('counts events by platform each week for a CCG', async () => {
    // C01, week of 2 Feb: ids 101-110 logged in and viewed letters on Android (20 events, 10 logins),
    // ids 1-10 viewed records on iOS (10). Active patients: 20 in all; not split by platform by week.
    const r = await rows('/api/metrics/active_users?org=C01&grain=week&from=2026-02-02&to=2026-02-08&by=platform');
    expect(r.map((x) => pick(x, ['breakdown', 'events', 'logins', 'active_patients']))).toEqual([
      ['All', 30, 10, 20],
      ['android', 20, 10, null],
      ['ios', 10, 0, null],
    ]);
  });

  it('is refused for a practice level by week and at any level by day, naming the parameter', async () => {
    const res = await admin.request('/api/metrics/active_users?org=Q00&level=practice&grain=week&by=sex');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ parameter: 'by', allowed: ['icb', 'ccg'] });
    const day = await admin.request('/api/metrics/active_users?org=Q00&grain=day&by=sex');
    expect(day.status).toBe(400);
    expect(await day.json()).toMatchObject({ parameter: 'by', allowed: ['week', 'month', 'quarter'] });
  });
});

describe('feature use counts distinct users as well as events', () => {
  it('by platform in a month: each patient once per platform', async () => {
    // Feb: android ids 101-110 (10 users, 20 events); ios ids 1-10 (10 users, 10 record views);
    // web ids 101-108 (messages) + ids 1-10 (logins on 24 Feb) = 18 users -> 20, 8 + 10 = 18 events.
    const r = await rows('/api/metrics/active_users?org=Q00&grain=month&from=2026-02-01&to=2026-02-28&by=platform');
    expect(r.map((x) => pick(x, ['breakdown', 'active_patients', 'events']))).toEqual([
      ['All', 20, 48], ['android', 10, 20], ['ios', 10, 10], ['web', 20, 18],
    ]);
  });

  it('by event type in a quarter: a patient using a kind in two months is one user', async () => {
    // Q1 logins: ids 1-10 (Jan and Feb) + ids 101-110 (Feb) = 20 users, not 10 + 20 = 30;
    // 20 + 10 + 10 = 40 login events. Record views 10, letters 10, messages 8 -> 10 users.
    const r = await rows('/api/metrics/active_users?org=Q00&grain=quarter&from=2026-01-01&to=2026-02-28&by=event_type');
    expect(r.map((x) => pick(x, ['breakdown', 'active_patients', 'events']))).toEqual([
      ['All', 20, 68], ['letter_viewed', 10, 10], ['login', 20, 40], ['message_sent', 10, 8], ['record_viewed', 10, 10],
    ]);
  });
});

describe('lifecycle by week', () => {
  it('classifies users week by week (weeks start on Monday)', async () => {
    const r = await rows('/api/metrics/lifecycle?org=Q00&grain=week&from=2026-01-12&to=2026-03-01');
    const keys = ['period_start', 'new_users', 'returning_users', 'resurrecting_users', 'active_users', 'dormant_users'];
    expect(r.map((x) => pick(x, keys))).toEqual([
      ['2026-01-12', 10, 0, 0, 10, 0], // ids 1-10 log in for the first time (12 Jan)
      ['2026-01-19', 0, 10, 0, 10, 0], // and again on 20 Jan
      ['2026-01-26', 0, 0, 0, 0, 10], // quiet: ids 1-10 dormant
      ['2026-02-02', 10, 0, 10, 20, 0], // ids 101-110 new, ids 1-10 back after a gap
      ['2026-02-09', 0, 10, 0, 10, 10], // ids 101-108 return (8 -> 10); ids 1-10 and 109-110 dormant (12 -> 10)
      ['2026-02-16', 0, 0, 0, 0, 10], // ids 101-108 dormant (8 -> 10)
      ['2026-02-23', 0, 0, 10, 10, 0], // ids 1-10 back on 24 Feb
    ]);
  });
});

describe('activity rhythm at any level', () => {
  it('for practices: events of their registered patients', async () => {
    const r = await rows('/api/metrics/activity_rhythm?org=Q00&level=practice&from=2026-02-01&to=2026-02-28');
    // P01: Tue 3 Feb 10h record views (10) + Tue 24 Feb 10h logins (10) = 20.
    // P02: Thu 5 Feb 10h logins + letters = 20; Tue 10 Feb 18h messages = 8.
    expect(r.map((x) => pick(x, ['org_code', 'weekday_name', 'hour', 'events']))).toEqual([
      ['P01', 'Tuesday', 10, 20],
      ['P02', 'Tuesday', 18, 8],
      ['P02', 'Thursday', 10, 20],
    ]);
  });

  it('for a trust: events that used its content', async () => {
    // T01's letters viewed by ids 101-110 on Thu 5 Feb at 10:05.
    const r = await rows('/api/metrics/activity_rhythm?org=Q00&level=trust&from=2026-02-01&to=2026-02-28');
    expect(r.map((x) => pick(x, ['org_code', 'weekday_name', 'hour', 'events']))).toEqual([['T01', 'Thursday', 10, 10]]);
  });
});

describe('rollout: the weekly series behind the trend', () => {
  // Week ends from `to` (Sat 28 Feb) back 12 weeks: 6, 13, 20, 27 Dec, 3, 10, 17, 24, 31 Jan, 7, 14, 21, 28 Feb.
  it('gives activated patients and uptake at each of the 13 week ends, oldest first', async () => {
    const r = await rows('/api/metrics/rollout?org=C01&level=practice&to=2026-02-28');
    const p01 = r.find((x) => x.org_code === 'P01')!;
    // P01: 18 activated on 10 Jan (-> 20), ids 1-2 deactivated on 15 Feb (16 -> 15); list size 100
    expect(p01.activated_weekly).toEqual([0, 0, 0, 0, 0, 20, 20, 20, 20, 20, 20, 15, 15]);
    expect(p01.uptake_pct_weekly).toEqual([0, 0, 0, 0, 0, 20, 20, 20, 20, 20, 20, 15, 15]);
    // the two ends of the series are the figures the trend is computed from
    expect([p01.activated_12_weeks_ago, p01.activated]).toEqual([0, 15]);
  });

  it('suppresses each small count of the series on its own, and its uptake with it', async () => {
    const r = await rows('/api/metrics/rollout?org=C02&level=practice&to=2026-02-28');
    // P03: its 3 activations on 10 Feb are suppressed from the week ending 14 Feb; list size 300
    expect(r[0]!.activated_weekly).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null]);
    expect(r[0]!.uptake_pct_weekly).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null]);
    expect(r[0]!._suppressed).toContain('activated_weekly');
    const csv = await (await admin.request('/api/metrics/rollout?org=C02&level=practice&to=2026-02-28&format=csv')).text();
    expect(csv).toContain(',0;0;0;0;0;0;0;0;0;0;*;*;*,');
  });

  it('keeps the series as a list of numbers in the Parquet export', async () => {
    const res = await admin.request('/api/metrics/rollout?org=C02&level=practice&to=2026-02-28&format=parquet');
    const dir = await mkdtemp(join(tmpdir(), 'rollout-parquet-'));
    try {
      const file = join(dir, 'x.parquet');
      await writeFile(file, new Uint8Array(await res.arrayBuffer()));
      const read = await store.withConnection(async (c) =>
        (await c.runAndReadAll(`SELECT activated_weekly::VARCHAR AS s FROM read_parquet($file)`, { file })).getRowObjectsJson(),
      );
      expect(read).toEqual([{ s: '[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, NULL, NULL, NULL]' }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('for a trust, counts activations there each week', async () => {
    // T01: ids 101-110 activated there on 4 Feb
    const r = await rows('/api/metrics/rollout?org=Q00&level=trust&to=2026-02-28');
    expect(r.map((x) => [x.org_code, x.activated_weekly])).toEqual([['T01', [0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 10, 10, 10]]]);
  });
});

describe('savings by a level: the remainder row the server adds', () => {
  const SAVINGS = ['period_start', 'org_code', 'org_name', 'saving_type', 'activity', 'avoided', 'savings_low_gbp', 'savings_central_gbp', 'savings_high_gbp'];

  it('by CCG under the ICB: the letters read at trust T01 are in no CCG, so in "Trusts and community services"', async () => {
    // 10 letter_viewed events at T01 on 5 Feb x 60% = 6 letters avoided x £0.60 / £0.85 / £1.20.
    // The CCGs hold no valued activity, so the remainder is the whole ICB total.
    const q = 'org=Q00&level=ccg&grain=month&from=2026-01-01&to=2026-02-28';
    const r = await rows(`/api/metrics/savings?${q}`);
    expect(r.map((x) => pick(x, SAVINGS))).toEqual([['2026-02-01', null, 'Trusts and community services', 'letters_online', 10, 6, 3.6, 5.1, 7.2]]);
    const total = await rows('/api/metrics/savings?org=Q00&grain=month&from=2026-01-01&to=2026-02-28');
    expect(total.map((x) => pick(x, ['org_code', 'activity', 'savings_central_gbp']))).toEqual([['Q00', 10, 5.1]]);
    // The export carries the same row: the remainder has one owner.
    const csv = await (await admin.request(`/api/metrics/savings?${q}&format=csv`)).text();
    expect(csv).toContain(',Trusts and community services,letters_online,');
  });

  it('by the organisation\'s own level: no remainder', async () => {
    const r = await rows('/api/metrics/savings?org=T01&grain=month&from=2026-01-01&to=2026-02-28');
    expect(r.map((x) => pick(x, ['org_code', 'savings_central_gbp']))).toEqual([['T01', 5.1]]);
  });

  it('is the total minus the parts as published: a hidden part is counted in it, and named', () => {
    // CCG C01 by practice, letters (£0.85 central each avoided). February: P01 20 events, P02 5
    // (1-7: hidden, and its savings with it), 5 more at the CCG itself: total 30. The remainder is
    // 30 - 20 = 10 events, 6 avoided, £5.10: P02's £2.55 and the CCG's £2.55, so the rows shown add
    // up to the total (£15.30). March: 5 events in all, at P01: the total is hidden, and the
    // remainder with it (P01's 5 are hidden too). April: all at P01: nothing outside, no remainder.
    const row = (period: string, org: string | null, name: string, activity: number) => ({
      period_start: period, complete: true, org_code: org, org_name: name, saving_type: 'letters_online', saving_label: 'Letters read online',
      activity, avoided: (activity * 6) / 10, savings_low_gbp: (activity * 36) / 100, savings_central_gbp: (activity * 51) / 100, savings_high_gbp: (activity * 72) / 100,
    });
    const rest = 'Other (not at a GP practice)';
    const out = protectMetric('savings', [
      row('2026-02-01', 'P01', 'Practice One', 20), row('2026-02-01', 'P02', 'Practice Two', 5), row('2026-02-01', null, rest, 30),
      row('2026-03-01', 'P01', 'Practice One', 5), row('2026-03-01', null, rest, 5),
      row('2026-04-01', 'P01', 'Practice One', 10), row('2026-04-01', null, rest, 10),
    ], null);
    expect(out.rows.map((x) => pick(x, SAVINGS))).toEqual([
      ['2026-02-01', 'P01', 'Practice One', 'letters_online', 20, 12, 7.2, 10.2, 14.4],
      ['2026-02-01', 'P02', 'Practice Two', 'letters_online', null, null, null, null, null],
      ['2026-02-01', null, `${rest} + hidden`, 'letters_online', 10, 6, 3.6, 5.1, 7.2],
      ['2026-03-01', 'P01', 'Practice One', 'letters_online', null, null, null, null, null],
      ['2026-03-01', null, rest, 'letters_online', null, null, null, null, null],
      ['2026-04-01', 'P01', 'Practice One', 'letters_online', 10, 6, 3.6, 5.1, 7.2],
    ]);
    // Parts + remainder = the total (£15.30 in February), to the penny.
    const feb = out.rows.filter((x) => x.period_start === '2026-02-01');
    expect(feb.reduce((s, x) => s + Math.round(Number(x.savings_central_gbp ?? 0) * 100), 0)).toBe(1530);
    // Hidden cells: P02's and P01's March five, and the March total's, now the remainder's.
    expect(out.rows[4]!._suppressed).toEqual(['activity', 'avoided', 'savings_low_gbp', 'savings_central_gbp', 'savings_high_gbp']);
    expect(out.suppressedCells).toBe(15);
  });
});
