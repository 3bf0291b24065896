/**
 * Cross-layer: the what-if panel recomputes savings in the browser (web/src/lib/savings.ts) from
 * the savings metric's activity and the published model. With the model's own values its central
 * (and low and high) case must equal the server's savings metric to the penny — per month, per
 * saving type, per organisation and in total — or the panel would show a different number from
 * the tiles and the exports before anyone has changed a value.
 *
 * The same for the programme-to-date figures of the roi metric: savings and cost to date and the
 * payback month and the return (the server's and the panel's by the one rule, server/metrics/roi-rule.ts), in
 * each scenario: the panel with every central value set to the model's low (or high) one finds
 * the server's low (or high) payback month.
 *
 * The server is asked as a signed-in user (server/auth/testing.ts) over the known-answer regions
 * (test/fixtures/metrics), and the same rows are fed to the browser's own code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.js';
import { signedIn, type SignedInClient } from '../server/auth/testing.js';
import { openStore, type Store } from '../server/store/store.js';
import type { MetricResult } from '../web/src/api/types.js';
import { computeSavings, modelValues } from '../web/src/lib/savings.js';
import { activityRows, costRows, savingsModel, serverToDate } from '../web/src/pages/Savings.js';
import { buildProgrammeRegion } from './fixtures/metrics/programme-region.js';
import { buildSmallRegion } from './fixtures/metrics/small-region.js';

const pence = (gbp: number) => Math.round(gbp * 100);

interface Region {
  name: string;
  build: (store: Store) => Promise<void>;
  from: string;
  to: string;
  /** A level whose organisations have valued activity (for the breakdown by organisation). */
  level: string;
  /** The central total worked out by hand, in pounds. */
  central: number;
  /** The payback months worked out by hand (null: not yet). */
  payback: { low: string | null; central: string | null; high: string | null };
}

const REGIONS: Region[] = [
  // 10 letters read at trust T01 in February × 60% = 6 avoided × £0.85 = £5.10.
  { name: 'small region', build: buildSmallRegion, from: '2026-01-01', to: '2026-02-28', level: 'trust', central: 5.1,
    // £6,520 of cost against £5.10 of savings: not paid back in any scenario.
    payback: { low: null, central: null, high: null } },
  // 1,600 appointment cancellations at P01: × 80% × £2.50 (booking calls) + × 25% × £50 (missed appointments) = £23,200.
  { name: 'programme region', build: buildProgrammeRegion, from: '2025-10-01', to: '2026-02-28', level: 'practice', central: 23_200,
    // server/metrics/known-answers.test.ts: central January 2026, high November 2025, low not yet.
    payback: { low: null, central: '2026-01-01', high: '2025-11-01' } },
];

describe.each(REGIONS)('the what-if panel with the model\'s own values equals the server ($name)', (region) => {
  let store: Store;
  let client: SignedInClient;
  let model: unknown;
  let app: ReturnType<typeof createApp>;

  const metric = async (query: string): Promise<MetricResult<'savings'>> => {
    const res = await client.request(`/api/metrics/savings?org=Q00&grain=month&from=${region.from}&to=${region.to}${query}`);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as MetricResult<'savings'>;
  };
  const serverSum = (d: MetricResult, key: string, keep: (r: Record<string, unknown>) => boolean = () => true) =>
    d.rows.filter(keep).reduce((s, r) => s + Number(r[key] ?? 0), 0);

  beforeAll(async () => {
    store = await openStore({ path: ':memory:' });
    await region.build(store);
    app = createApp({ store, now: () => new Date('2026-03-01T08:00:00Z') });
    client = await signedIn(app, { role: 'commissioner' });
    const res = await client.request('/api/savings-model');
    expect(res.status).toBe(200);
    model = await res.json();
  });
  afterAll(async () => {
    await app.access.close();
    await store.close();
  });

  it('in total, per month and per saving type, low, central and high', async () => {
    const d = await metric('');
    expect(d.rows.length).toBeGreaterThan(0);
    expect(d.rows.every((r) => !r._suppressed?.length)).toBe(true);
    const types = savingsModel(d, model);
    const browser = computeSavings(activityRows(d), types, modelValues(types), []);

    // The known answer, on both sides.
    expect(pence(serverSum(d, 'savings_central_gbp'))).toBe(pence(region.central));
    expect(pence(browser.totals.central)).toBe(pence(region.central));

    for (const [scenario, key] of [['low', 'savings_low_gbp'], ['central', 'savings_central_gbp'], ['high', 'savings_high_gbp']] as const) {
      expect(pence(browser.totals[scenario]), scenario).toBe(pence(serverSum(d, key)));
      for (const p of browser.periods) {
        expect(pence(p[scenario]), `${scenario} ${p.period}`).toBe(pence(serverSum(d, key, (r) => r.period_start === p.period)));
      }
      for (const t of browser.byType) {
        expect(pence(t[scenario]), `${scenario} ${t.type}`).toBe(pence(serverSum(d, key, (r) => r.saving_type === t.type)));
      }
    }
    // Every month the server values is one the browser has.
    expect(new Set(browser.periods.map((p) => p.period))).toEqual(new Set(d.rows.map((r) => String(r.period_start))));
  });

  it('to date: savings, cost and the payback month, in each scenario', async () => {
    const d = await metric('');
    const res = await client.request(`/api/metrics/roi?org=Q00&grain=month&from=${region.from}&to=${region.to}`);
    expect(res.status, await res.clone().text()).toBe(200);
    const roi = (await res.json()) as MetricResult<'roi'>;
    const server = serverToDate(roi);
    const types = savingsModel(d, model);
    const values = modelValues(types);
    const browser = computeSavings(activityRows(d), types, values, costRows(roi));

    // The known answers, on both sides.
    expect(server.payback).toBe(region.payback.central);
    expect(browser.payback).toBe(region.payback.central);
    expect(pence(server.totals.central)).toBe(pence(region.central));
    for (const k of ['low', 'central', 'high', 'cost'] as const) expect(pence(browser.totals[k]), k).toBe(pence(server.totals[k]));
    // The return (savings per £1 of cost), by the same rule.
    expect(server.totals.ratio).not.toBeNull();
    expect(browser.totals.ratio).toBe(server.totals.ratio);
    for (const p of browser.periods) {
      const s = server.periods.find((x) => x.period === p.period)!;
      expect(pence(p.cumCentral), p.period).toBe(pence(s.cumCentral));
      expect(pence(p.cumCost), p.period).toBe(pence(s.cumCost));
    }

    // The low and high scenarios as what-if values: the panel's payback is the server's.
    for (const scenario of ['low', 'high'] as const) {
      const asCentral = Object.fromEntries(Object.entries(values).map(([t, v]) => [t, { ...v, central: v[scenario] }]));
      const whatIf = computeSavings(activityRows(d), types, asCentral, costRows(roi));
      const serverPayback = roi.rows.map((r) => r[`payback_${scenario}`]).find((p) => typeof p === 'string') ?? null;
      expect(serverPayback, scenario).toBe(region.payback[scenario]);
      expect(whatIf.payback, scenario).toBe(serverPayback);
    }
  });

  it('per organisation (the breakdown the panel redraws)', async () => {
    const d = await metric(`&level=${region.level}`);
    expect(d.rows.length).toBeGreaterThan(0);
    const types = savingsModel(d, model);
    const browser = computeSavings(activityRows(d, true), types, modelValues(types), []);
    expect(browser.byOrg.length).toBeGreaterThan(0);
    for (const o of browser.byOrg) {
      expect(pence(o.central), o.org).toBe(pence(serverSum(d, 'savings_central_gbp', (r) => r.org_code === o.org)));
      expect(pence(o.low), o.org).toBe(pence(serverSum(d, 'savings_low_gbp', (r) => r.org_code === o.org)));
      expect(pence(o.high), o.org).toBe(pence(serverSum(d, 'savings_high_gbp', (r) => r.org_code === o.org)));
    }
    expect(pence(browser.totals.central)).toBe(pence(region.central));
  });
});
