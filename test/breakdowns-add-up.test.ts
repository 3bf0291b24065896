/**
 * Known answer, across the layers: a breakdown shown beside a total adds up to it, or names the
 * remainder. "Savings by CCG" on Savings & ROI sits beside the savings headline; savings at
 * trusts and community services belong to no CCG, so they are a named remainder bar
 * ("Trusts and community services") and the bars sum to the total to the penny.
 *
 * Small region (test/fixtures/metrics/small-region.ts): the only valued activity is 10 letters
 * read at trust T01 in February × 60% × £0.85 = £5.10, so CCGs C01 and C02 save £0 and the
 * remainder is the whole £5.10. Suppression: a part hidden by the small-number rule is not in
 * any organisation's bar; it is counted in the remainder, whose name then says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.js';
import { signedIn, type SignedInClient } from '../server/auth/testing.js';
import { openStore, type Store } from '../server/store/store.js';
import type { MetricResult } from '../web/src/api/types.js';
import { computeSavings, modelValues } from '../web/src/lib/savings.js';
import { activityRows, orgSavingsTable, savingsModel, suppressedParts } from '../web/src/pages/Savings.js';
import { buildSmallRegion } from './fixtures/metrics/small-region.js';

const pence = (gbp: number) => Math.round(gbp * 100);

describe('savings by organisation add up to the savings headline (small region)', () => {
  let store: Store;
  let client: SignedInClient;
  let app: ReturnType<typeof createApp>;
  let model: unknown;

  const savings = async (query: string): Promise<MetricResult<'savings'>> => {
    const res = await client.request(`/api/metrics/savings?org=Q00&grain=month&from=2026-01-01&to=2026-02-28${query}`);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as MetricResult<'savings'>;
  };

  beforeAll(async () => {
    store = await openStore({ path: ':memory:' });
    await buildSmallRegion(store);
    app = createApp({ store, now: () => new Date('2026-03-01T08:00:00Z') });
    client = await signedIn(app, { role: 'commissioner' });
    model = await (await client.request('/api/savings-model')).json();
  });
  afterAll(async () => {
    await app.access.close();
    await store.close();
  });

  it('CCG bars plus the named remainder (trusts and community services) equal the total', async () => {
    const whole = await savings('');
    const byCcg = await savings('&level=ccg');
    const types = savingsModel(whole, model);
    const values = modelValues(types);
    const total = computeSavings(activityRows(whole), types, values, []).totals;
    expect(pence(total.central)).toBe(510);

    const parts = computeSavings(activityRows(byCcg, true), types, values, []);
    expect(suppressedParts(byCcg)).toBe(0);
    const table = orgSavingsTable(parts, (code) => code, total, 'ccg', suppressedParts(byCcg));
    const remainder = table.rows.filter((r) => r.remainder === true);
    expect(remainder).toHaveLength(1);
    expect(remainder[0]!.name).toBe('Trusts and community services');
    expect(pence(Number(remainder[0]!.central))).toBe(510);
    for (const k of ['low', 'central', 'high'] as const) {
      expect(pence(table.rows.reduce((s, r) => s + Number(r[k]), 0))).toBe(pence(total[k]));
    }
    // The CCGs' own bars hold none of it (nothing valued happened at their practices).
    expect(pence(table.rows.filter((r) => r.remainder !== true).reduce((s, r) => s + Number(r.central), 0))).toBe(0);
  });

  it('no remainder bar when the parts already add up; a suppressed part is named in it', () => {
    const parts = { periods: [], byType: [], payback: null, totals: { low: 0, central: 0, high: 0, cost: 0, activity: 0 }, byOrg: [{ org: 'P01', activity: 10, avoided: 6, low: 3, central: 5.1, high: 6 }] };
    expect(orgSavingsTable(parts, (c) => c, { low: 3, central: 5.1, high: 6 }, 'practice').rows.some((r) => r.remainder)).toBe(false);
    const hidden = orgSavingsTable(parts, (c) => c, { low: 4, central: 7.1, high: 8 }, 'practice', 1);
    const rest = hidden.rows.find((r) => r.remainder)!;
    expect(rest.name).toBe('Other (not at a GP practice) + hidden');
    expect(pence(Number(rest.central))).toBe(200);
  });
});
