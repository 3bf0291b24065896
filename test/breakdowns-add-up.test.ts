/**
 * Known answer, across the layers: a breakdown shown beside a total adds up to it, or names the
 * remainder. "Savings by CCG" on Savings & ROI sits beside the savings headline; savings at
 * trusts and community services belong to no CCG, so the server's answer by CCG has a named
 * remainder row ("Trusts and community services", server/metrics/catalogue.ts) which the page
 * draws as is, and the API's rows, the export and the bars all sum to the total to the penny.
 *
 * Small region (test/fixtures/metrics/small-region.ts): the only valued activity is 10 letters
 * read at trust T01 in February × 60% × £0.85 = £5.10, so CCGs C01 and C02 save £0 and the
 * remainder is the whole £5.10. Suppression: a part hidden by the small-number rule is not in
 * any organisation's row; the server counts it in the remainder, whose name then says so
 * (server/metrics/breakdowns.test.ts works an example).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.js';
import { signedIn, type SignedInClient } from '../server/auth/testing.js';
import { openStore, type Store } from '../server/store/store.js';
import type { MetricResult } from '../web/src/api/types.js';
import { computeSavings, modelValues } from '../web/src/lib/savings.js';
import { activityRows, orgSavingsTable, remainderOf, savingsModel, suppressedParts } from '../web/src/pages/Savings.js';
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

  it('CCG rows plus the server\'s remainder (trusts and community services) equal the total, in the API and on the page', async () => {
    const whole = await savings('');
    const byCcg = await savings('&level=ccg');
    // The API's answer adds up by itself: the rows by CCG, the remainder row among them, sum to
    // the ICB's own rows (the headline) for every figure, to the penny.
    const sum = (d: MetricResult<'savings'>, k: 'savings_low_gbp' | 'savings_central_gbp' | 'savings_high_gbp') => d.rows.reduce((s, r) => s + pence(Number(r[k] ?? 0)), 0);
    for (const k of ['savings_low_gbp', 'savings_central_gbp', 'savings_high_gbp'] as const) expect(sum(byCcg, k), k).toBe(sum(whole, k));
    const rest = byCcg.rows.filter((r) => r.org_code === null);
    expect(rest.map((r) => [r.org_name, r.savings_central_gbp])).toEqual([['Trusts and community services', 5.1]]);

    // The page draws what it gets: the CCGs' bars and the server's remainder, valued as the headline.
    const types = savingsModel(whole, model);
    const values = modelValues(types);
    const total = computeSavings(activityRows(whole), types, values, []).totals;
    expect(pence(total.central)).toBe(510);
    const parts = computeSavings(activityRows(byCcg, true), types, values, []);
    expect(suppressedParts(byCcg)).toBe(0);
    const table = orgSavingsTable(parts, (code) => code, remainderOf(byCcg, types, values));
    const remainder = table.rows.filter((r) => r.remainder === true);
    expect(remainder).toHaveLength(1);
    expect(remainder[0]!.name).toBe('Trusts and community services');
    expect(pence(Number(remainder[0]!.central))).toBe(510);
    for (const k of ['low', 'central', 'high'] as const) {
      expect(pence(table.rows.reduce((s, r) => s + Number(r[k]), 0))).toBe(pence(total[k]));
    }
    // The CCGs' own bars hold none of it (nothing valued happened at their practices).
    expect(pence(table.rows.filter((r) => r.remainder !== true).reduce((s, r) => s + Number(r.central), 0))).toBe(0);

    // What-if values revalue the remainder as they revalue the headline: £2 a letter, 6 letters = £12.
    const twice = { ...values, letters_online: { low: 1, central: 2, high: 3 } };
    const whatIf = orgSavingsTable(computeSavings(activityRows(byCcg, true), types, twice, []), (code) => code, remainderOf(byCcg, types, twice));
    expect(pence(whatIf.rows.reduce((s, r) => s + Number(r.central), 0))).toBe(pence(computeSavings(activityRows(whole), types, twice, []).totals.central));
    expect(pence(Number(whatIf.rows.find((r) => r.remainder)!.central))).toBe(1200);
  });

  it('exports the remainder row in the CSV as in the JSON', async () => {
    const res = await client.request('/api/metrics/savings?org=Q00&grain=month&from=2026-01-01&to=2026-02-28&level=ccg&format=csv');
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split(/\r?\n/);
    expect(lines.filter((l) => l.includes('Trusts and community services'))).toHaveLength(1);
  });

  it('no remainder bar when there is none; the server\'s name says when it holds hidden parts', () => {
    const parts = { periods: [], byType: [], payback: null, totals: { low: 0, central: 0, high: 0, cost: 0, activity: 0, ratio: null }, byOrg: [{ org: 'P01', activity: 10, avoided: 6, low: 3, central: 5.1, high: 6 }] };
    expect(orgSavingsTable(parts, (c) => c, null).rows.some((r) => r.remainder)).toBe(false);
    const hidden = orgSavingsTable(parts, (c) => c, { name: 'Other (not at a GP practice) + hidden', low: 1, central: 2, high: 2 });
    const rest = hidden.rows.find((r) => r.remainder)!;
    expect(rest.name).toBe('Other (not at a GP practice) + hidden');
    expect(pence(Number(rest.central))).toBe(200);
  });
});
