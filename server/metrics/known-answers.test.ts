/**
 * Known answers: the small region in test/fixtures/metrics/small-region.ts, every expected figure
 * worked out by hand from its story (comments show the raw figure and the rounding).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/store.js';
import { createApp } from '../app.js';
import { signedIn, type SignedInClient } from '../auth/testing.js';
import { buildSmallRegion } from '../../test/fixtures/metrics/small-region.js';
import { buildProgrammeRegion } from '../../test/fixtures/metrics/programme-region.js';
import { metricRows, type MetricRow } from '../../test/fixtures/metrics/metric-rows.js';
import { loadSavingsModel } from './savings-model.js';

let store: Store;
let app: ReturnType<typeof createApp>;
let admin: SignedInClient;

type Row = MetricRow;
const rows = (path: string): Promise<Row[]> => metricRows(admin, path);
const pick = (r: Row, keys: string[]) => Object.fromEntries(keys.map((k) => [k, r[k]]));

beforeAll(async () => {
  store = await openStore({ path: ':memory:' });
  await buildSmallRegion(store);
  app = createApp({ store, now: () => new Date('2026-03-01T08:00:00Z') });
  admin = await signedIn(app);
});
afterAll(async () => store.close());

describe('the programme\'s first day', () => {
  it('is the earliest go-live, cost, campaign or data day', async () => {
    // P01 went live, the licence began and CAMP1 started on 1 Jan 2026; the first event is 5 Jan.
    const res = await admin.request('/api/orgs');
    expect(((await res.json()) as { asOf: { programmeStart: string } }).asOf.programmeStart).toBe('2026-01-01');
  });
});

describe('uptake', () => {
  it('counts patients whose latest state is activated at each month end, by practice', async () => {
    const r = await rows('/api/metrics/uptake?org=Q00&level=practice&grain=month&from=2026-01-01&to=2026-02-28');
    expect(r.map((x) => pick(x, ['period_start', 'org_code', 'activated', 'eligible', 'uptake_pct']))).toEqual([
      // January: P01 activated 18 -> 20 of 100 = 20.0%
      { period_start: '2026-01-01', org_code: 'P01', activated: 20, eligible: 100, uptake_pct: 20 },
      { period_start: '2026-01-01', org_code: 'P02', activated: 0, eligible: 200, uptake_pct: 0 },
      { period_start: '2026-01-01', org_code: 'P03', activated: 0, eligible: 300, uptake_pct: 0 },
      // February: P01 18 - 2 deactivated = 16 -> 15; P02 10 (activated at the trust, registered here); P03 3 -> suppressed
      { period_start: '2026-02-01', org_code: 'P01', activated: 15, eligible: 100, uptake_pct: 15 },
      { period_start: '2026-02-01', org_code: 'P02', activated: 10, eligible: 200, uptake_pct: 5 },
      { period_start: '2026-02-01', org_code: 'P03', activated: null, eligible: 300, uptake_pct: null },
    ]);
    expect(r[5]!._suppressed).toEqual(['activated', 'uptake_pct']);
  });

  it('sums up the hierarchy: the ICB and its CCGs', async () => {
    const icb = await rows('/api/metrics/uptake?org=Q00&grain=month&from=2026-01-01&to=2026-02-28');
    // Jan 18 -> 20 / 600 = 3.3%; Feb 16 + 10 + 3 = 29 -> 30 / 600 = 5.0%
    expect(icb.map((x) => pick(x, ['org_code', 'activated', 'eligible', 'uptake_pct']))).toEqual([
      { org_code: 'Q00', activated: 20, eligible: 600, uptake_pct: 3.3 },
      { org_code: 'Q00', activated: 30, eligible: 600, uptake_pct: 5 },
    ]);
    const ccg = await rows('/api/metrics/uptake?org=Q00&level=ccg&grain=month&from=2026-02-01&to=2026-02-28');
    // C01: 16 + 10 = 26 -> 25 / 300 = 8.3%; C02: 3 -> suppressed
    expect(ccg.map((x) => pick(x, ['org_code', 'activated', 'uptake_pct']))).toEqual([
      { org_code: 'C01', activated: 25, uptake_pct: 8.3 },
      { org_code: 'C02', activated: null, uptake_pct: null },
    ]);
  });

  it('reads a period that ends mid-month (before the latest data) at its last day', async () => {
    // To 14 Feb: the two deactivations (15 Feb) have not happened: 18 + 10 + 3 = 31 -> 30
    const total = await rows('/api/metrics/uptake?org=Q00&grain=month&from=2026-02-01&to=2026-02-14');
    expect(total.map((x) => [x.period_end, x.activated])).toEqual([['2026-02-14', 30]]);
    // ... also by IMD decile (last month's level + this month's changes): decile 2 is ids 11-18 = 8 -> 10,
    // decile 5 is P02's 10; decile 3 (P03's 3) is suppressed and decile 1 (10) with it, as its complement
    const byImd = await rows('/api/metrics/uptake?org=Q00&grain=month&from=2026-02-01&to=2026-02-14&by=imd_decile');
    expect(byImd.map((x) => [x.breakdown, x.activated])).toEqual([['All', 30], ['1', null], ['2', 10], ['3', null], ['5', 10], ['9', 0], ['10', 0]]);
    // and at day grain: on 9 Feb P03's 3 have not activated: 28 -> 30; on 10 Feb 31 -> 30; on 15 Feb 29 -> 30
    const days = await rows('/api/metrics/uptake?org=Q00&level=practice&grain=day&from=2026-02-09&to=2026-02-10');
    expect(days.filter((x) => x.org_code === 'P03').map((x) => x.activated)).toEqual([0, null]);
  });

  it('for a trust counts activations there and patients its feeds reached', async () => {
    const r = await rows('/api/metrics/uptake?org=Q00&level=trust&grain=month&from=2026-01-01&to=2026-02-28');
    // T01: 10 activations on 4 Feb; letters to ids 1-9 on 20 Feb (9 -> 10); no list size, so no %
    expect(r.map((x) => pick(x, ['period_start', 'org_code', 'activated', 'reached_by_feeds', 'uptake_pct']))).toEqual([
      { period_start: '2026-01-01', org_code: 'T01', activated: 0, reached_by_feeds: 0, uptake_pct: null },
      { period_start: '2026-02-01', org_code: 'T01', activated: 10, reached_by_feeds: 10, uptake_pct: null },
    ]);
  });

  it('by sex: suppresses M (3) and, so it cannot be recovered from the total, F as well', async () => {
    const res = await admin.request('/api/metrics/uptake?org=Q00&grain=month&from=2026-02-01&to=2026-02-28&by=sex');
    const body = (await res.json()) as { rows: Row[]; suppression: { suppressedCells: number; complementary: number } };
    // All 29 -> 30; F = ids 3-18 at P01 (16) + 10 at P02 = 26; M = 3 at P03. 30 - 25 would reveal M.
    expect(body.rows.map((x) => pick(x, ['breakdown', 'activated']))).toEqual([
      { breakdown: 'All', activated: 30 },
      { breakdown: 'F', activated: null },
      { breakdown: 'M', activated: null },
    ]);
    expect(body.rows[1]!._suppressed).toContain('activated');
    expect(body.suppression.complementary).toBe(1);
  });
});

describe('the partial period at the end', () => {
  it('flags a month cut short by `to`', async () => {
    // To 14 Feb: January is whole, February holds 14 of its 28 days.
    const r = await rows('/api/metrics/uptake?org=Q00&grain=month&from=2026-01-01&to=2026-02-14');
    expect(r.map((x) => [x.period_start, x.period_end, x.complete])).toEqual([
      ['2026-01-01', '2026-01-31', true],
      ['2026-02-01', '2026-02-14', false],
    ]);
  });

  it('flags a period that runs past the latest data day, and not one that ends on it', async () => {
    // The latest data day is 28 Feb 2026, the last day of February: February is whole.
    const feb = await rows('/api/metrics/active_users?org=Q00&grain=month&from=2026-01-01&to=2026-02-28');
    expect(feb.map((x) => [x.period_start, x.complete])).toEqual([['2026-01-01', true], ['2026-02-01', true]]);
    // Asked up to 31 March, March has no data day at all yet: it is partial.
    const march = await rows('/api/metrics/uptake?org=Q00&grain=month&from=2026-02-01&to=2026-03-31');
    expect(march.map((x) => [x.period_start, x.complete])).toEqual([['2026-02-01', true], ['2026-03-01', false]]);
  });

  it('counts weeks from Monday to Sunday', async () => {
    // To Saturday 14 Feb: the week of Monday 2 Feb ends Sunday 8 Feb, whole; the week of 9 Feb
    // would end Sunday 15 Feb: partial. (Use on 3, 5 and 10 Feb puts a row in each.)
    const r = await rows('/api/metrics/active_users?org=Q00&grain=week&from=2026-02-02&to=2026-02-14');
    expect([...new Set(r.map((x) => `${x.period_start} ${x.complete}`))]).toEqual(['2026-02-02 true', '2026-02-09 false']);
  });

  it('carries the flag into CSV exports', async () => {
    const res = await admin.request('/api/metrics/active_users?org=Q00&grain=month&from=2026-01-01&to=2026-02-14&format=csv');
    const [header, jan, feb] = (await res.text()).trim().split('\r\n');
    const at = header!.split(',').indexOf('complete');
    expect(at).toBeGreaterThan(-1);
    expect([jan!.split(',')[at], feb!.split(',')[at]]).toEqual(['true', 'false']);
  });
});

describe('funnel', () => {
  it('follows each cohort through the steps, with conversion from rounded counts and median days', async () => {
    const r = await rows('/api/metrics/funnel?org=Q00&grain=month&from=2026-01-01&to=2026-02-28');
    const keys = ['period_start', 'invited', 'registered', 'activated', 'registered_pct', 'activated_pct', 'overall_pct', 'median_days_to_register', 'median_days_to_activate'];
    expect(r.map((x) => pick(x, keys))).toEqual([
      // Jan cohort: 25 invited, 20 registered (2 days later), 18 -> 20 activated (3 days later); 20/20 = 100%
      { period_start: '2026-01-01', invited: 25, registered: 20, activated: 20, registered_pct: 80, activated_pct: 100, overall_pct: 80, median_days_to_register: 2, median_days_to_activate: 3 },
      // Feb cohort: P02 12 invited, 10 registered (+1 day), 10 activated (+1 day); P03 3 activated at once (0, 0)
      // invited 15, registered 13 -> 15, activated 13 -> 15; medians of 0,0,0,1 x 10 = 1
      { period_start: '2026-02-01', invited: 15, registered: 15, activated: 15, registered_pct: 100, activated_pct: 100, overall_pct: 100, median_days_to_register: 1, median_days_to_activate: 1 },
    ]);
  });

  it('counts active in the last 30 days among the activated', async () => {
    const r = await rows('/api/metrics/funnel?org=Q00&grain=month&from=2026-01-01&to=2026-02-28');
    // Active 30 Jan - 28 Feb: ids 1-10 (3 Feb) of the Jan cohort; ids 101-110 of the Feb cohort
    expect(r.map((x) => [x.active_30d, x.active_pct])).toEqual([[10, 50], [10, 66.7]]);
  });
});

describe('active users, lifecycle and retention', () => {
  it('counts distinct active patients, logins and events per month', async () => {
    const r = await rows('/api/metrics/active_users?org=Q00&grain=month&from=2026-01-01&to=2026-02-28');
    // Jan: ids 1-10 twice (20 logins); Feb: ids 1-10 + 101-110 = 20, logins 10, events 10 + 10 + 10 + 8 = 38.
    // Average daily active: 20 patient-days / 31 days = 1 -> suppressed (and stickiness with it).
    expect(r.map((x) => pick(x, ['period_start', 'active_patients', 'logins', 'events', 'avg_daily_active', 'stickiness_pct']))).toEqual([
      { period_start: '2026-01-01', active_patients: 10, logins: 20, events: 20, avg_daily_active: null, stickiness_pct: null },
      { period_start: '2026-02-01', active_patients: 20, logins: 10, events: 38, avg_daily_active: null, stickiness_pct: null },
    ]);
  });

  it('counts feature use by platform as events', async () => {
    const r = await rows('/api/metrics/active_users?org=Q00&grain=month&from=2026-02-01&to=2026-02-28&by=platform');
    // Feb: android 10 logins + 10 letters; ios 10 record views; web 8 messages
    expect(r.map((x) => pick(x, ['breakdown', 'events', 'logins']))).toEqual([
      { breakdown: 'All', events: 38, logins: 10 },
      { breakdown: 'android', events: 20, logins: 10 },
      { breakdown: 'ios', events: 10, logins: 0 },
      { breakdown: 'web', events: 8, logins: 0 },
    ]);
  });

  it('classifies new, returning, resurrecting and dormant users', async () => {
    const r = await rows('/api/metrics/lifecycle?org=Q00&grain=month&from=2026-01-01&to=2026-02-28');
    expect(r.map((x) => pick(x, ['period_start', 'new_users', 'returning_users', 'resurrecting_users', 'active_users', 'dormant_users']))).toEqual([
      { period_start: '2026-01-01', new_users: 10, returning_users: 0, resurrecting_users: 0, active_users: 10, dormant_users: 0 },
      // Feb: ids 1-10 return, ids 101-110 are new
      { period_start: '2026-02-01', new_users: 10, returning_users: 10, resurrecting_users: 0, active_users: 20, dormant_users: 0 },
    ]);
  });

  it('follows activation cohorts month by month', async () => {
    const r = await rows('/api/metrics/retention?org=Q00&from=2026-01-01&to=2026-02-28');
    expect(r.map((x) => pick(x, ['cohort_month', 'months_since', 'cohort_size', 'active', 'retained_pct']))).toEqual([
      // Jan cohort 18 -> 20; ids 1-10 active in Jan and Feb: 10 / 20 = 50%
      { cohort_month: '2026-01-01', months_since: 0, cohort_size: 20, active: 10, retained_pct: 50 },
      { cohort_month: '2026-01-01', months_since: 1, cohort_size: 20, active: 10, retained_pct: 50 },
      // Feb cohort 10 + 3 = 13 -> 15; ids 101-110 active: 10 / 15 = 66.7%
      { cohort_month: '2026-02-01', months_since: 0, cohort_size: 15, active: 10, retained_pct: 66.7 },
    ]);
  });

  it('places events by UK weekday and hour', async () => {
    const r = await rows('/api/metrics/activity_rhythm?org=Q00&from=2026-02-01&to=2026-02-28');
    // 8 messages on Tuesday 10 Feb at 18:30
    expect(r.find((x) => x.weekday === 2 && x.hour === 18)).toMatchObject({ weekday_name: 'Tuesday', events: 8 });
    // 10 logins + 10 letters on Thursday 5 Feb at 10h; 10 record views on Tuesday 3 Feb at 10h
    expect(r.find((x) => x.weekday === 4 && x.hour === 10)?.events).toBe(20);
    expect(r.find((x) => x.weekday === 2 && x.hour === 10)?.events).toBe(10);
  });
});

describe('data accumulation and consent', () => {
  it('counts items received and enrolled patients with 1, 2 and 3 sources', async () => {
    const r = await rows('/api/metrics/data_accumulation?org=Q00&grain=month&from=2026-01-01&to=2026-02-28');
    const keys = ['period_start', 'items', 'feeds', 'enrolled', 'with_1_source', 'with_2_sources', 'with_3_sources', 'with_3_sources_pct'];
    expect(r.map((x) => pick(x, keys))).toEqual([
      // Jan: 12 items from P01; enrolled 18 -> 20; ids 1-12 have 1 source (12 -> 10)
      { period_start: '2026-01-01', items: 12, feeds: 12, enrolled: 20, with_1_source: 10, with_2_sources: 0, with_3_sources: 0, with_3_sources_pct: 0 },
      // Feb: T01 18 items (9 feeds) + K01 8 = 26 items, 17 feeds; enrolled 31 -> 30; >=2: ids 1-9 (10); >=3: ids 1-8 (10)
      { period_start: '2026-02-01', items: 26, feeds: 17, enrolled: 30, with_1_source: 10, with_2_sources: 10, with_3_sources: 10, with_3_sources_pct: 33.3 },
    ]);
  });

  it('counts items only up to `to` when it cuts a month short', async () => {
    // To 21 Feb: T01's 18 items (20 Feb) but not K01's 8 (22 Feb)
    const r = await rows('/api/metrics/data_accumulation?org=Q00&grain=month&from=2026-02-01&to=2026-02-21');
    expect(r.map((x) => [x.items, x.feeds])).toEqual([[18, 9]]);
  });

  it('breaks items down by source organisation', async () => {
    const r = await rows('/api/metrics/data_accumulation?org=Q00&grain=month&from=2026-02-01&to=2026-02-28&by=source_org');
    expect(r.map((x) => pick(x, ['breakdown', 'items', 'feeds']))).toEqual([
      { breakdown: 'All', items: 26, feeds: 17 },
      { breakdown: 'K01', items: 8, feeds: 8 },
      { breakdown: 'T01', items: 18, feeds: 9 },
    ]);
  });

  it('counts objections in force per 1,000 activated, and sharing grants', async () => {
    const r = await rows('/api/metrics/consent?org=Q00&grain=month&from=2026-01-01&to=2026-02-28');
    expect(r.map((x) => pick(x, ['period_start', 'scope', 'objections_in_force', 'enrolled', 'objections_per_1000', 'sharing_granted']))).toEqual([
      // Jan: 9 in force (-> 10) per 18 activated (-> 20) = 500 per 1,000; the total of every scope the same
      { period_start: '2026-01-01', scope: 'ALL', objections_in_force: 10, enrolled: 20, objections_per_1000: 500, sharing_granted: 0 },
      { period_start: '2026-01-01', scope: 'ALL_SCOPES', objections_in_force: 10, enrolled: 20, objections_per_1000: 500, sharing_granted: 0 },
      // (T01 had nothing in January, so it has no row then)
      // Feb: id 31 withdrew: 8 in force; T01: 1 objection (suppressed), 8 grants -> 10. The total of
      // every scope, 9 -> 10 per 29 -> 30 = 333.3, is published; so that T01's 1 cannot be worked out
      // from it (total - ALL), ALL's 8 is suppressed too (complementary suppression).
      { period_start: '2026-02-01', scope: 'ALL', objections_in_force: null, enrolled: 30, objections_per_1000: null, sharing_granted: 0 },
      { period_start: '2026-02-01', scope: 'T01', objections_in_force: null, enrolled: 30, objections_per_1000: null, sharing_granted: 10 },
      { period_start: '2026-02-01', scope: 'ALL_SCOPES', objections_in_force: 10, enrolled: 30, objections_per_1000: 333.3, sharing_granted: 10 },
    ]);
  });

  it('writes objections to every organisation as scope ALL, so * in the CSV only ever means suppressed', async () => {
    const res = await admin.request('/api/metrics/consent?org=Q00&grain=month&from=2026-01-01&to=2026-02-28&format=csv');
    expect(res.status).toBe(200);
    const [header, ...lines] = (await res.text()).trim().split(/\r?\n/);
    const cols = header!.split(',');
    const cells = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
    expect(cells.map((c) => [c.period_start, c.scope, c.scope_name])).toEqual([
      ['2026-01-01', 'ALL', 'All organisations'],
      ['2026-01-01', 'ALL_SCOPES', 'All scopes (total)'],
      ['2026-02-01', 'ALL', 'All organisations'],
      ['2026-02-01', 'T01', 'Test Trust'],
      ['2026-02-01', 'ALL_SCOPES', 'All scopes (total)'],
    ]);
    // The suppressed counts (T01's single objection, and February's ALL so that T01's cannot be
    // worked out from the total) and their rates are the only stars.
    const stars = cells.flatMap((c) => Object.entries(c).filter(([, v]) => v === '*').map(([k]) => `${c.scope}:${k}`));
    expect(stars).toEqual(['ALL:objections_in_force', 'ALL:objections_per_1000', 'T01:objections_in_force', 'T01:objections_per_1000']);
  });

  it('lists quarantined rows by batch and reason', async () => {
    const r = await rows('/api/metrics/data_quality?from=2026-02-01&to=2026-02-28');
    expect(r.map((x) => pick(x, ['batch_id', 'reason_code', 'rows_quarantined']))).toEqual([
      { batch_id: 'B1', reason_code: 'bad_nhs_number', rows_quarantined: 3 },
      { batch_id: 'B1', reason_code: 'unknown_org', rows_quarantined: 1 },
    ]);
  });
});

describe('savings, ROI and campaigns', () => {
  const letters = loadSavingsModel().model.items.find((i) => i.id === 'letters_online')!;

  it('values letters read online with the savings model', async () => {
    const r = await rows('/api/metrics/savings?org=Q00&grain=month&from=2026-02-01&to=2026-02-28');
    const row = r.find((x) => x.saving_type === 'letters_online')!;
    // 10 letters viewed at T01 in Feb x fraction x unit value
    expect(row.activity).toBe(10);
    expect(row.savings_central_gbp).toBeCloseTo(10 * letters.fraction * letters.unit_value_gbp.central, 2);
    expect(row.savings_low_gbp).toBeCloseTo(10 * letters.fraction * letters.unit_value_gbp.low, 2);
    // No appointments or prescriptions in the data
    expect(r.map((x) => x.saving_type)).toEqual(['letters_online']);
  });

  it('sets savings against programme and campaign costs', async () => {
    const r = await rows('/api/metrics/roi?org=Q00&grain=month&from=2026-01-01&to=2026-02-28');
    const feb = 10 * letters.fraction * letters.unit_value_gbp.central;
    // Jan: 31 days x £100 + campaign £620 = £3,720; Feb: 28 x £100 = £2,800
    // Return: £0 and £5.10 of savings per £1 of £3,720 and £6,520 of cost: 0.00 both.
    expect(r.map((x) => pick(x, ['period_start', 'cost_gbp', 'cumulative_cost_gbp', 'return_central_ratio', 'payback_central']))).toEqual([
      { period_start: '2026-01-01', cost_gbp: 3720, cumulative_cost_gbp: 3720, return_central_ratio: 0, payback_central: null },
      { period_start: '2026-02-01', cost_gbp: 2800, cumulative_cost_gbp: 6520, return_central_ratio: 0, payback_central: null },
    ]);
    expect(r[1]!.net_benefit_central_gbp).toBeCloseTo(feb - 6520, 2);
  });

  it('keeps counting from the programme\'s start when the dates shown start later', async () => {
    // Asked for February only: February's own cost is £2,800, but the running totals still
    // include January's £3,720 (£6,520), as they do when January is shown.
    const r = await rows('/api/metrics/roi?org=Q00&grain=month&from=2026-02-01&to=2026-02-28');
    expect(r.map((x) => pick(x, ['period_start', 'cost_gbp', 'cumulative_cost_gbp']))).toEqual([
      { period_start: '2026-02-01', cost_gbp: 2800, cumulative_cost_gbp: 6520 },
    ]);
  });

  it('estimates a campaign\'s additional registrations by difference in differences', async () => {
    const r = await rows('/api/metrics/campaign_impact?org=Q00');
    // In scope (P01, P02; 300 eligible): 20 first registrations in January, 0 in December.
    // Comparison (P03; 300): 0 and 0. Change 20/300 x 1000 = 66.67 per 1,000; additional 20; £620 / 20 = £31.
    expect(pick(r[0]!, ['campaign_code', 'in_scope_eligible', 'in_scope_before', 'in_scope_during', 'comparison_before', 'comparison_during', 'in_scope_change_per_1000', 'comparison_change_per_1000', 'additional_registrations', 'cost_per_additional_gbp'])).toEqual({
      campaign_code: 'CAMP1', in_scope_eligible: 300, in_scope_before: 0, in_scope_during: 20, comparison_before: 0, comparison_during: 0,
      in_scope_change_per_1000: 66.67, comparison_change_per_1000: 0, additional_registrations: 20, cost_per_additional_gbp: 31,
    });
  });
});

describe('rollout and equity', () => {
  it('reports uptake against target with RAG and a projected date', async () => {
    const r = await rows('/api/metrics/rollout?org=Q00&level=practice&to=2026-02-28');
    // P01: 16 -> 15 of 100 = 15%, 0% 12 weeks before: +1.25 pp a week; (50 - 15) / 1.25 = 28 weeks
    // -> 2026-02-28 + 196 days = 2026-09-12; amber (under 80% of target but due within a year)
    expect(pick(r[0]!, ['org_code', 'go_live_date', 'activated', 'uptake_pct', 'weekly_change_pp', 'target_pct', 'rag', 'status', 'projected_target_date'])).toEqual({
      org_code: 'P01', go_live_date: '2026-01-01', activated: 15, uptake_pct: 15, weekly_change_pp: 1.25, target_pct: 50, rag: 'amber', status: 'on track', projected_target_date: '2026-09-12',
    });
    expect(pick(r[1]!, ['org_code', 'uptake_pct', 'rag', 'status'])).toEqual({ org_code: 'P02', uptake_pct: 5, rag: 'none', status: 'no target' });
    // P03: 3 activated -> suppressed, and everything derived from it
    expect(pick(r[2]!, ['org_code', 'activated', 'uptake_pct', 'rag', 'projected_target_date'])).toEqual({ org_code: 'P03', activated: null, uptake_pct: null, rag: null, projected_target_date: null });
  });

  it('shows uptake by deprivation, the quintile gap, and suppresses what could reveal decile 3', async () => {
    const res = await admin.request('/api/metrics/equity?org=Q00&to=2026-02-28');
    const body = (await res.json()) as { rows: Row[]; params: { by: string } };
    expect(body.params.by).toBe('imd_decile');
    expect(body.rows.map((x) => pick(x, ['breakdown', 'activated', 'population', 'uptake_pct']))).toEqual([
      // All: 29 -> 30 of 80
      { breakdown: 'All', activated: 30, population: 80, uptake_pct: 37.5 },
      // decile 3 (3 activated) is suppressed; the smallest visible part (decile 1, 8 -> 10) is hidden with it;
      // then decile 2 too, since quintile 1 = decile 1 + decile 2 is shown.
      { breakdown: '1', activated: null, population: 10, uptake_pct: null },
      { breakdown: '2', activated: null, population: 10, uptake_pct: null },
      { breakdown: '3', activated: null, population: 10, uptake_pct: null },
      { breakdown: '5', activated: 10, population: 30, uptake_pct: 33.3 },
      { breakdown: '9', activated: 0, population: 10, uptake_pct: 0 },
      { breakdown: '10', activated: 0, population: 10, uptake_pct: 0 },
      // Q1 = deciles 1-2: 16 -> 15 of 20 = 75%; Q5 = deciles 9-10: 0 of 20
      { breakdown: 'Q1 most deprived (deciles 1-2)', activated: 15, population: 20, uptake_pct: 75 },
      { breakdown: 'Q5 least deprived (deciles 9-10)', activated: 0, population: 20, uptake_pct: 0 },
    ]);
    expect(body.rows[0]!.gap_q5_q1_pp).toBe(-75);
  });
});

/**
 * The programme region (test/fixtures/metrics/programme-region.ts): a programme that pays back,
 * and uptake rising at a known weekly pace.
 */
describe('programme-to-date return (programme region)', () => {
  let region: Store;
  let api: SignedInClient;
  beforeAll(async () => {
    region = await openStore({ path: ':memory:' });
    await buildProgrammeRegion(region);
    api = await signedIn(createApp({ store: region, now: () => new Date('2026-03-01T08:00:00Z') }));
  });
  afterAll(async () => region.close());
  const roi = (query: string) => metricRows(api, `/api/metrics/roi?org=Q00&grain=month&to=2026-02-28&${query}`);

  it('began on 1 October 2025 (go-live and first cost)', async () => {
    const res = await api.request('/api/orgs');
    expect(((await res.json()) as { asOf: { programmeStart: string } }).asOf.programmeStart).toBe('2025-10-01');
  });

  it('uses the savings model values the worked example assumes', () => {
    // A cancelled appointment counts for two saving types: changed online (80% of them, £1.50 /
    // £2.50 / £4.00) and a missed appointment avoided (25%, £30 / £50 / £120). Per event:
    // low 0.8 x 1.5 + 0.25 x 30 = £8.70; central 0.8 x 2.5 + 0.25 x 50 = £14.50; high 0.8 x 4 + 0.25 x 120 = £33.20.
    const items = loadSavingsModel().model.items.filter((i) => i.event_types.includes('appointment_cancelled'));
    const per = (k: 'low' | 'central' | 'high') => items.reduce((s, i) => s + i.fraction * i.unit_value_gbp[k], 0);
    expect([per('low'), per('central'), per('high')].map((v) => Math.round(v * 100) / 100)).toEqual([8.7, 14.5, 33.2]);
  });

  // Cost £100 a day from 1 Oct 2025: Oct 3,100, Nov 3,000, Dec 3,100, Jan 3,100, Feb 2,800;
  //   cumulative 3,100 / 6,100 / 9,200 / 12,300 / 15,100.
  // Events 0 / 200 / 400 / 600 / 400, so cumulative central savings 0 / 2,900 / 8,700 / 17,400 / 23,200:
  //   net benefit -3,100 / -3,200 / -500 / +5,100 / +8,100 -> central payback January 2026.
  // High: 200 x 33.20 = 6,640 >= 6,100 in November -> November 2025.
  // Low: 1,600 x 8.70 = 13,920 < 15,100 by February -> not yet.
  // February, the return (savings per £1 of cost): central 23,200 / 15,100 = 1.536 -> 1.54; low
  //   13,920 / 15,100 = 0.922 -> 0.92; high 53,120 / 15,100 = 3.518 -> 3.52.
  const february = {
    period_start: '2026-02-01', cost_gbp: 2800, cumulative_cost_gbp: 15100, cumulative_savings_central_gbp: 23200,
    net_benefit_central_gbp: 8100, return_low_ratio: 0.92, return_central_ratio: 1.54, return_high_ratio: 3.52,
    payback_low: null, payback_central: '2026-01-01', payback_high: '2025-11-01',
  };
  const keys = Object.keys(february);

  it('finds the payback month and ROI since the programme began', async () => {
    const r = await roi('from=2025-10-01');
    expect(r.map((x) => [x.period_start, x.cumulative_cost_gbp, x.cumulative_savings_central_gbp, x.net_benefit_central_gbp])).toEqual([
      ['2025-10-01', 3100, 0, -3100],
      ['2025-11-01', 6100, 2900, -3200],
      ['2025-12-01', 9200, 8700, -500],
      ['2026-01-01', 12300, 17400, 5100],
      ['2026-02-01', 15100, 23200, 8100],
    ]);
    expect(pick(r[4]!, keys)).toEqual(february);
  });

  it('gives the same ROI and payback month whatever dates are shown', async () => {
    for (const from of ['2026-02-01', '2026-01-15', '2025-12-01', '2024-01-01']) {
      const r = await roi(`from=${from}`);
      expect(pick(r[r.length - 1]!, keys), from).toEqual(february);
    }
    // The dates only choose the rows: from mid-January, January and February.
    expect((await roi('from=2026-01-15')).map((x) => x.period_start)).toEqual(['2026-01-01', '2026-02-01']);
    // Before the programme began there is nothing to count yet.
    const early = await roi('from=2025-09-01');
    expect(pick(early[0]!, ['period_start', 'cost_gbp', 'cumulative_cost_gbp', 'payback_central'])).toEqual({
      period_start: '2025-09-01', cost_gbp: 0, cumulative_cost_gbp: 0, payback_central: '2026-01-01',
    });
  });

  it('is programme-to-date at `to`: a board paper dated December has not paid back yet', async () => {
    const r = await metricRows(api, '/api/metrics/roi?org=Q00&grain=month&from=2025-12-01&to=2025-12-31');
    expect(pick(r[0]!, ['cumulative_cost_gbp', 'net_benefit_central_gbp', 'payback_central', 'payback_high'])).toEqual({
      cumulative_cost_gbp: 9200, net_benefit_central_gbp: -500, payback_central: null, payback_high: '2025-11-01',
    });
  });

  describe('the rollout rule, on a constructed series', () => {
    // 12 weeks before 28 Feb 2026 is 6 Dec 2025. The week ends of the trend: 6, 13, 20, 27 Dec,
    // 3, 10, 17, 24, 31 Jan, 7, 14, 21, 28 Feb.
    it('projects a steady rise to the target: 0.25 points a week', async () => {
      const r = await metricRows(api, '/api/metrics/rollout?org=C01&level=practice&to=2026-02-28');
      const p01 = r.find((x) => x.org_code === 'P01')!;
      // Steady Practice (list 1,000, target 50%): 100 activated on 6 Dec (10%), 130 on 28 Feb (13%).
      // Trend (13 - 10) / 12 = 0.25 points a week; (50 - 13) / 0.25 = 148 weeks = 1,036 days after
      // 28 Feb 2026: 28 Feb 2028 is 730 days on, then 306 days more = 30 Dec 2028.
      // Red: 13% is under 80% of 50% (40%) and 148 weeks is more than 52.
      expect(pick(p01, ['activated', 'activated_12_weeks_ago', 'uptake_pct', 'uptake_pct_12_weeks_ago', 'weekly_change_pp', 'status', 'projected_target_date', 'rag', 'as_of'])).toEqual({
        activated: 130, activated_12_weeks_ago: 100, uptake_pct: 13, uptake_pct_12_weeks_ago: 10, weekly_change_pp: 0.25,
        status: 'on track', projected_target_date: '2028-12-30', rag: 'red', as_of: '2026-02-28',
      });
      // The series: +10 on 20 Dec, 17 Jan and 14 Feb.
      expect(p01.activated_weekly).toEqual([100, 100, 110, 110, 110, 110, 120, 120, 120, 120, 130, 130, 130]);
    });

    it('keeps a slow trend to three decimals and says when it would take over ten years', async () => {
      const r = await metricRows(api, '/api/metrics/rollout?org=C01&level=practice&to=2026-02-28');
      const p02 = r.find((x) => x.org_code === 'P02')!;
      // Slow Practice (list 10,000, target 40%): 1,000 (10%) -> 1,025 (10.25%). Trend 0.25 / 12 =
      // 0.02083 points a week -> 0.021 (not 0, and not 0.03 as the rounded 10.3% - 10.0% would give).
      // (40 - 10.25) / 0.020833 = 1,428 weeks, over 520: not on track, no date; red.
      expect(pick(p02, ['activated', 'activated_12_weeks_ago', 'weekly_change_pp', 'status', 'projected_target_date', 'rag'])).toEqual({
        activated: 1025, activated_12_weeks_ago: 1000, weekly_change_pp: 0.021, status: 'not on track', projected_target_date: null, rag: 'red',
      });
    });

    it('rolls the CCG up with its list-weighted target', async () => {
      const [c01] = await metricRows(api, '/api/metrics/rollout?org=C01&to=2026-02-28');
      // 1,155 of 11,000 (10.5%), 1,100 (10%) 12 weeks before: 0.5 / 12 = 0.04167 -> 0.042 points a week.
      // Target (50 x 1,000 + 40 x 10,000) / 11,000 = 40.909 -> 40.9; (40.9 - 10.5) / 0.041667 = 729.6 -> 730 weeks: not on track.
      expect(pick(c01!, ['eligible', 'activated', 'uptake_pct', 'target_pct', 'weekly_change_pp', 'status', 'projected_target_date'])).toEqual({
        eligible: 11000, activated: 1155, uptake_pct: 10.5, target_pct: 40.9, weekly_change_pp: 0.042, status: 'not on track', projected_target_date: null,
      });
    });

    it('publishes the trend as percentage points a week, not a percentage', async () => {
      const res = await api.request('/api/metrics/rollout?org=C01&level=practice');
      const body = (await res.json()) as { columns: { name: string; unit?: string }[] };
      expect(body.columns.find((c) => c.name === 'weekly_change_pp')?.unit).toBe('pp_per_week');
    });
  });
});
