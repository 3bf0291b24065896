import { describe, expect, it } from 'vitest';
import { computeSavings, decodeValues, encodeValues, modelValues, type SavingType } from './savings.js';

const model: SavingType[] = [
  { type: 'appointment_booked', label: 'Appointments booked online', low: 2, central: 3, high: 5 },
  { type: 'result_viewed', label: 'Results viewed online', low: 1, central: 1.5, high: 2 },
];

const activity = [
  { period: '2026-01-01', type: 'appointment_booked', count: 100, org: 'A' },
  { period: '2026-01-01', type: 'result_viewed', count: 200, org: 'B' },
  { period: '2026-02-01', type: 'appointment_booked', count: 300, org: 'A' },
];
const costs = [
  { period: '2026-01-01', cost: 1000 },
  { period: '2026-02-01', cost: 100 },
];

describe('savings recomputed in the browser', () => {
  it('values activity at the model values and accumulates against cost', () => {
    const r = computeSavings(activity, model, modelValues(model), costs);
    // January: 100 × 3 + 200 × 1.5 = 600 central (low 100×2 + 200×1 = 400, high 500 + 400 = 900).
    // February: 300 × 3 = 900 central; cumulative 1,500 ≥ cost 1,100 → payback in February.
    expect(r.periods).toEqual([
      { period: '2026-01-01', low: 400, central: 600, high: 900, cost: 1000, cumLow: 400, cumCentral: 600, cumHigh: 900, cumCost: 1000 },
      { period: '2026-02-01', low: 600, central: 900, high: 1500, cost: 100, cumLow: 1000, cumCentral: 1500, cumHigh: 2400, cumCost: 1100 },
    ]);
    expect(r.payback).toBe('2026-02-01');
    // Return: 1,500 / 1,100 = 1.36 savings per £1 (server/metrics/roi-rule.ts).
    expect(r.totals).toEqual({ low: 1000, central: 1500, high: 2400, cost: 1100, activity: 600, ratio: 1.36 });
  });

  it('breaks savings down by type and by organisation, largest first', () => {
    const r = computeSavings(activity, model, modelValues(model), costs);
    expect(r.byType.map((t) => [t.label, t.avoided, t.central])).toEqual([
      ['Appointments booked online', 400, 1200],
      ['Results viewed online', 200, 300],
    ]);
    expect(r.byOrg.map((o) => [o.org, o.central])).toEqual([
      ['A', 1200],
      ['B', 300],
    ]);
  });

  it('values only the activities that avoided a cost, and reports all activity', () => {
    // 1,000 results viewed, of which 250 saved a letter at £1.50 (central): £375.
    const r = computeSavings([{ period: '2026-01-01', type: 'result_viewed', count: 250, activity: 1000 }], model, modelValues(model), []);
    expect(r.byType[0]).toMatchObject({ activity: 1000, avoided: 250, central: 375, low: 250, high: 500 });
    expect(r.totals.activity).toBe(1000);
  });

  it('follows a changed value at once (what-if)', () => {
    const values = modelValues(model);
    values.appointment_booked = { low: 0.5, central: 1, high: 2 };
    const r = computeSavings(activity, model, values, costs);
    // January 100 × 1 + 300 = 400; February 300 → cumulative 700 < 1,100: no payback.
    expect(r.totals.central).toBe(700);
    expect(r.payback).toBeNull();
  });

  it('keeps changed values in a short URL parameter and ignores nonsense', () => {
    const values = modelValues(model);
    values.result_viewed = { low: 1, central: 2.25, high: 4 };
    const text = encodeValues(values, model);
    expect(text).toBe('result_viewed:1/2.25/4');
    expect(decodeValues(text, model)).toEqual(values);
    expect(decodeValues('result_viewed:1/x/4,unknown:1/2/3', model)).toEqual(modelValues(model));
    expect(encodeValues(modelValues(model), model)).toBeNull();
  });
});
