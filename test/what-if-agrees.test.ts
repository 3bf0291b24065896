/**
 * Cross-layer: the what-if panel recomputes savings in the browser (web/src/lib/savings.ts) from
 * the savings metric's activity and the published model. With the model's own values its central
 * (and low and high) case must equal the server's savings metric to the penny — per month, per
 * saving type, per organisation and in total — or the panel would show a different number from
 * the tiles and the exports before anyone has changed a value.
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
import { activityRows, savingsModel } from '../web/src/pages/Savings.js';
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
}

const REGIONS: Region[] = [
  // 10 letters read at trust T01 in February × 60% = 6 avoided × £0.85 = £5.10.
  { name: 'small region', build: buildSmallRegion, from: '2026-01-01', to: '2026-02-28', level: 'trust', central: 5.1 },
  // 1,600 appointment cancellations at P01: × 80% × £2.50 (booking calls) + × 25% × £50 (missed appointments) = £23,200.
  { name: 'programme region', build: buildProgrammeRegion, from: '2025-10-01', to: '2026-02-28', level: 'practice', central: 23_200 },
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
