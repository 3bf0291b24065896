// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { ResultData } from './result-chart.js';
import { MAX_CATEGORIES, chartData, defaultChart, resultChart } from './result-chart.js';

const weekly: ResultData = {
  columns: [
    { name: 'week', type: 'DATE' },
    { name: 'age_band', type: 'VARCHAR' },
    { name: 'active_patients', type: 'BIGINT' },
  ],
  rows: [
    ['2026-01-05', '18-34', 13],
    ['2026-01-05', '35-49', 19],
    ['2026-01-12', '18-34', '15'],
    ['2026-01-12', '35-49', null],
  ],
};
const practices: ResultData = {
  columns: [
    { name: 'practice', type: 'VARCHAR' },
    { name: 'uptake_pct', type: 'DOUBLE' },
  ],
  rows: Array.from({ length: 80 }, (_, i) => [`Practice ${i + 1}`, i / 2]),
};

describe('defaultChart', () => {
  it('draws a date as a line, coloured by a text column with few values', () => {
    expect(defaultChart(weekly)).toEqual({ mark: 'line', x: 0, y: 2, colour: 1 });
  });
  it('draws text categories as bars, two numbers as dots, and nothing without a number', () => {
    expect(defaultChart(practices)).toEqual({ mark: 'bar', x: 0, y: 1, colour: null });
    expect(defaultChart({ columns: [{ name: 'a', type: 'INTEGER' }, { name: 'b', type: 'DOUBLE' }], rows: [[1, 2]] })).toEqual({ mark: 'dot', x: 0, y: 1, colour: null });
    expect(defaultChart({ columns: [{ name: 'name', type: 'VARCHAR' }], rows: [['x']] })).toBeNull();
  });
});

describe('chartData and resultChart', () => {
  it('reads big integers sent as text, leaves out nulls, and keeps the first categories', () => {
    const { data } = chartData(weekly, { mark: 'line', x: 0, y: 2, colour: 1 });
    expect(data.map((d) => d.y)).toEqual([13, 19, 15]);
    expect((data[0]!.x as Date).toISOString()).toBe('2026-01-05T00:00:00.000Z');
    const bars = chartData(practices, { mark: 'bar', x: 0, y: 1, colour: null });
    expect(bars.data).toHaveLength(MAX_CATEGORIES);
    expect(bars.omitted).toBe(`Only the first ${MAX_CATEGORIES} of 80 practice values are drawn.`);
  });

  it('draws each mark as an SVG figure', () => {
    for (const mark of ['bar', 'line', 'dot'] as const) {
      const figure = resultChart(weekly, { mark, x: 0, y: 2, colour: 1, width: 600 });
      expect(figure.querySelector('svg') ?? figure).toBeTruthy();
      expect(figure.outerHTML).toContain('<svg');
    }
    const bars = resultChart(practices, { mark: 'bar', x: 0, y: 1, colour: null, width: 600 });
    expect(bars.querySelectorAll('rect').length).toBeGreaterThanOrEqual(MAX_CATEGORIES);
  });
});
