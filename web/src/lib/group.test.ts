/**
 * The one rule of a total over the dates worked out in the browser (sumOverDates): the Funnel's
 * steps and Engagement's events by feature are published cells added up, hidden cells counted.
 */
import { describe, expect, it } from 'vitest';
import { sumOverDates } from './group.js';

describe('sumOverDates', () => {
  it('adds up the published cells per key, in order of first appearance, and counts the hidden ones', () => {
    const rows = [
      { period_start: '2026-01-01', breakdown: 'sms', invited: 5000, registered: 2600 },
      { period_start: '2026-01-01', breakdown: 'letter', invited: 700, registered: null, _suppressed: ['registered'] },
      { period_start: '2026-02-01', breakdown: 'sms', invited: 3000, registered: 1500 },
      // A hidden cell's value, if one came, is not added: only what is published.
      { period_start: '2026-02-01', breakdown: 'letter', invited: 4, registered: 3, _suppressed: ['invited', 'registered'] },
    ];
    const { totals, hidden } = sumOverDates(rows, (r) => String(r.breakdown), ['invited', 'registered']);
    expect(totals).toEqual([
      { key: 'sms', invited: 8000, registered: 4100 },
      { key: 'letter', invited: 700, registered: 0 },
    ]);
    expect(hidden).toBe(3);
  });

  it('gives no totals for no rows', () => {
    expect(sumOverDates([], () => 'x', ['events'])).toEqual({ totals: [], hidden: 0 });
  });
});
