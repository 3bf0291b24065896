import { describe, expect, it } from 'vitest';
import { isPartial, splitPartial } from './values.js';
import type { MetricRow } from '../api/types.js';
import { latestComplete } from '../lib/metric.js';

// The API marks the period cut short by the end date or the latest data with complete = false.
const rows: MetricRow<'active_users'>[] = [
  { period_start: '2026-10-01', complete: true, active_patients: 298_000 },
  { period_start: '2026-11-01', complete: true, active_patients: 301_000 },
  { period_start: '2026-12-01', complete: false, active_patients: 65_330 }, // 1-4 December
];

describe('the partial period', () => {
  it('is the row the API marks incomplete (rows without the column count as whole)', () => {
    expect(rows.map(isPartial)).toEqual([false, false, true]);
    expect(isPartial({ period_start: '2026-12-01' })).toBe(false);
  });

  it('is left out of "the last complete period" headlines', () => {
    expect(latestComplete(rows, 'period_start', 'active_patients')?.period_start).toBe('2026-11-01');
  });

  it('is drawn apart: solid through whole periods, dashed from the last whole one into it', () => {
    const pts = rows.map((r) => ({ period: r.period_start, partial: isPartial(r) }));
    const { whole, tail, partial } = splitPartial(pts);
    expect(whole.map((p) => p.period)).toEqual(['2026-10-01', '2026-11-01']);
    expect(tail.map((p) => p.period)).toEqual(['2026-11-01', '2026-12-01']);
    expect(partial.map((p) => p.period)).toEqual(['2026-12-01']);
    // Nothing partial: nothing dashed.
    expect(splitPartial(pts.slice(0, 2)).tail).toEqual([]);
  });
});
