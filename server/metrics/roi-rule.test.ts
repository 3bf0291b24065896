/**
 * The payback rule, worked examples (server/metrics/roi-rule.ts): the roi metric and the what-if
 * panel both call it, so these are the answers of both.
 */
import { describe, expect, it } from 'vitest';
import { paybackPeriod } from './roi-rule.js';

describe('paybackPeriod', () => {
  it('is the first period whose savings to date cover the cost to date', () => {
    // Cost £100 a month; savings to date £50, £150, £310: £310 >= £300 in March.
    const months = [
      { period: '2026-01-01', savings: 50, cost: 100 },
      { period: '2026-02-01', savings: 150, cost: 200 },
      { period: '2026-03-01', savings: 310, cost: 300 },
      { period: '2026-04-01', savings: 350, cost: 400 },
    ];
    expect(paybackPeriod(months)).toBe('2026-03-01');
    // Falling behind again later does not move it: it is when the cost was first covered.
    expect(paybackPeriod(months.slice(0, 2))).toBeNull();
  });

  it('compares to the penny, as the figures are published', () => {
    // £299.996 is published as £300.00: covered.
    expect(paybackPeriod([{ period: '2026-01-01', savings: 299.996, cost: 300 }])).toBe('2026-01-01');
    expect(paybackPeriod([{ period: '2026-01-01', savings: 299.994, cost: 300 }])).toBeNull();
  });

  it('needs a cost: savings before anything is spent pay nothing back', () => {
    expect(paybackPeriod([
      { period: '2025-12-01', savings: 10, cost: 0 },
      { period: '2026-01-01', savings: 20, cost: 15 },
    ])).toBe('2026-01-01');
    expect(paybackPeriod([{ period: '2026-01-01', savings: 0, cost: 0 }])).toBeNull();
  });
});
