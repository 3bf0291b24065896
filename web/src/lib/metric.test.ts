import { describe, expect, it } from 'vitest';
import type { MetricResult, MetricRow, Row } from '../api/types.js';
import { COLUMNS, firstCol, latestWith, numberAt, stringAt } from './metric.js';

// The readers are typed by the metric catalogue: a row of metric M is read only by M's column
// names. The `@ts-expect-error` lines are the specification: this file is checked by
// `tsc -p web` (npm run typecheck), which fails if any of them stops being an error.

const uptake: MetricRow<'uptake'> = { period_start: '2026-11-01', uptake_pct: 41.2, activated: 4120, _suppressed: ['eligible'] };
const funnel: MetricRow<'funnel'> = { period_start: '2026-11-01', invited: 900 };
const result: MetricResult<'uptake'> = {
  metric: 'uptake',
  label: 'Uptake',
  params: {},
  asOf: { latestEventAt: null, lastImportAt: null, dataVersion: null },
  suppression: { rule: '', suppressedCells: 1, complementary: 0 },
  columns: [{ name: 'period_start', label: 'Period start', type: 'date' }, { name: 'uptake_pct', label: 'Uptake', type: 'number', unit: 'percent' }],
  rows: [uptake],
};

describe('typed row readers', () => {
  it('read a column of the row’s metric (a hidden cell reads as null)', () => {
    expect(numberAt(uptake, COLUMNS.uptake.uptake_pct)).toBe(41.2);
    expect(numberAt(uptake, 'activated')).toBe(4120);
    expect(numberAt(uptake, COLUMNS.uptake.eligible)).toBeNull();
    expect(stringAt(funnel, COLUMNS.funnel.period_start)).toBe('2026-11-01');
    expect(firstCol(result, [COLUMNS.uptake.reached_by_feeds, COLUMNS.uptake.uptake_pct])).toBe('uptake_pct');
    expect(latestWith(result.rows, 'period_start', COLUMNS.uptake.uptake_pct)).toBe(uptake);
  });

  it('refuse a misspelt column, another metric’s column, or a row with no metric', () => {
    // @ts-expect-error: a typo is not a column of uptake
    expect(numberAt(uptake, 'uptake_pc')).toBeNull();
    // @ts-expect-error: `invited` is a funnel column, not an uptake one
    expect(numberAt(uptake, COLUMNS.funnel.invited)).toBeNull();
    // @ts-expect-error: `eligible` is an uptake column, not a funnel one
    expect(stringAt(funnel, 'eligible')).toBeNull();
    // @ts-expect-error: not a column of uptake
    expect(firstCol(result, ['stickiness'])).toBeUndefined();
    // @ts-expect-error: not a column of uptake
    expect(latestWith(result.rows, 'period_start', 'invited')).toBeUndefined();
    const plain: Row = { uptake_pct: 1 };
    // @ts-expect-error: a row a page built itself says no metric, so it has no columns to read
    expect(numberAt(plain, 'uptake_pct')).toBe(1);
  });
});
