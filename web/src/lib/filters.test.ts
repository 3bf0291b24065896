import { describe, expect, it } from 'vitest';
import { RANGE_PRESETS, defaultGrain, financialYearStart, readFilters, resolveRange, toIsoDate } from './filters.js';

const anchor = new Date(2026, 2, 14); // 14 March 2026, the day of the latest data

describe('date range presets', () => {
  it('counts whole months back from the day of the latest data', () => {
    // 12 months ending 14 Mar 2026: April 2025 .. March 2026.
    expect(resolveRange('12m', anchor)).toEqual({ from: '2025-04-01', to: '2026-03-14' });
    expect(resolveRange('3m', anchor)).toEqual({ from: '2026-01-01', to: '2026-03-14' });
  });

  it('starts the financial year on 1 April', () => {
    expect(toIsoDate(financialYearStart(new Date(2026, 2, 14)))).toBe('2025-04-01');
    expect(toIsoDate(financialYearStart(new Date(2026, 3, 1)))).toBe('2026-04-01');
    expect(resolveRange('fytd', anchor)).toEqual({ from: '2025-04-01', to: '2026-03-14' });
  });

  it('starts "since the programme began" on the day the programme began', () => {
    expect(resolveRange('all', anchor, {}, '2023-04-01')).toEqual({ from: '2023-04-01', to: '2026-03-14' });
    // Only an empty store (no programme start known) leaves it open.
    expect(resolveRange('all', anchor)).toEqual({ from: undefined, to: '2026-03-14' });
  });

  it('gives every preset the whole range it names, never the API\'s default window', () => {
    // A request without `from` would get the metric's own default (12 or 24 months): each preset
    // must name its first day. Latest data 14 Mar 2026; the programme began 1 Apr 2023.
    const expected: Record<string, string> = {
      '3m': '2026-01-01', // January, February, March 2026
      '6m': '2025-10-01', // October 2025 .. March 2026
      '12m': '2025-04-01',
      '24m': '2024-04-01',
      fytd: '2025-04-01', // the financial year 2025/26 began 1 April 2025
      all: '2023-04-01',
    };
    for (const preset of RANGE_PRESETS) {
      expect(resolveRange(preset.key, anchor, {}, '2023-04-01'), preset.label).toEqual({ from: expected[preset.key], to: '2026-03-14' });
    }
    expect(Object.keys(expected).sort()).toEqual(RANGE_PRESETS.map((p) => p.key).sort());
  });

  it('keeps valid custom dates and ignores invalid ones', () => {
    expect(resolveRange('custom', anchor, { from: '2025-06-01', to: '2025-09-30' })).toEqual({ from: '2025-06-01', to: '2025-09-30' });
    expect(resolveRange('custom', anchor, { from: '2025-13-01', to: 'yesterday' })).toEqual({ from: undefined, to: '2026-03-14' });
  });
});

describe('default grain', () => {
  it('picks days for a month, weeks for a quarter and months beyond', () => {
    expect(defaultGrain('2026-02-14', '2026-03-14')).toBe('day'); // 28 days
    expect(defaultGrain('2026-01-01', '2026-03-14')).toBe('week'); // 72 days
    expect(defaultGrain('2025-04-01', '2026-03-14')).toBe('month');
    expect(defaultGrain(undefined, '2026-03-14')).toBe('month');
  });
});

describe('reading filters from the URL', () => {
  it('uses the last 12 months by month when the URL says nothing', () => {
    const f = readFilters(new URLSearchParams(''), anchor);
    expect(f).toMatchObject({ org: undefined, range: '12m', from: '2025-04-01', to: '2026-03-14', grain: 'month', grainChosen: false });
  });

  it('reads organisation, preset and grain', () => {
    const f = readFilters(new URLSearchParams('org=C01&range=3m&grain=day'), anchor);
    expect(f).toMatchObject({ org: 'C01', range: '3m', from: '2026-01-01', grain: 'day', grainChosen: true });
  });

  it('treats from/to without a preset as a custom range', () => {
    const f = readFilters(new URLSearchParams('from=2025-10-01&to=2025-12-31'), anchor);
    expect(f).toMatchObject({ range: 'custom', from: '2025-10-01', to: '2025-12-31', grain: 'week' }); // 91 days
  });

  it('does not ask for more days than the API serves at day grain', () => {
    // 24 months by day is ~714 periods (the API allows 530): the default grain (month) is used.
    expect(readFilters(new URLSearchParams('range=24m&grain=day'), anchor)).toMatchObject({ grain: 'month', grainChosen: false });
    expect(readFilters(new URLSearchParams('range=12m&grain=day'), anchor)).toMatchObject({ grain: 'day', grainChosen: true });
    expect(readFilters(new URLSearchParams('range=all&grain=day'), anchor)).toMatchObject({ grain: 'month' });
  });

  it('reads "since the programme began" from the programme\'s first day, by month', () => {
    // 1 Dec 2023 to 14 Mar 2026 is 835 days: months (and days are refused: over the API's 530).
    expect(readFilters(new URLSearchParams('range=all'), anchor, '2023-12-01')).toMatchObject({ from: '2023-12-01', to: '2026-03-14', grain: 'month' });
    expect(readFilters(new URLSearchParams('range=all&grain=week'), anchor, '2023-12-01')).toMatchObject({ from: '2023-12-01', grain: 'week', grainChosen: true });
    expect(readFilters(new URLSearchParams('range=all&grain=day'), anchor, '2023-12-01')).toMatchObject({ grain: 'month', grainChosen: false });
  });

  it('ignores an unknown preset or grain instead of failing', () => {
    const f = readFilters(new URLSearchParams('range=forever&grain=year'), anchor);
    expect(f).toMatchObject({ range: '12m', grain: 'month', grainChosen: false });
  });
});

describe('a From after the To', () => {
  it('is refused where the dates are entered, with the reason', async () => {
    const { dateRangeError } = await import('./filters.js');
    expect(dateRangeError('2026-03-01', '2026-02-01')).toBe('The From date must be on or before the To date (1 Feb 2026).');
    expect(dateRangeError('2026-02-01', '2026-02-01')).toBeNull();
    expect(dateRangeError('2026-01-01', '2026-02-01')).toBeNull();
    expect(dateRangeError(undefined, '2026-02-01')).toBeNull();
    expect(dateRangeError('2026-02-30', '2026-03-01')).toMatch(/^Enter the From date as a real date/);
  });

  it('in an address is left out (no metric is asked for an impossible range)', () => {
    const anchor = new Date(2026, 2, 14);
    expect(resolveRange('custom', anchor, { from: '2026-03-01', to: '2026-02-01' })).toEqual({ from: undefined, to: '2026-02-01' });
    expect(resolveRange('custom', anchor, { from: '2026-04-01' })).toEqual({ from: undefined, to: '2026-03-14' });
  });
});
