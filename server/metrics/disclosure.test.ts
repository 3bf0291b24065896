import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { breakdownGroups, columnGroups, protectCount, protectRows, protectRowsInPlace, rate, type ProtectedColumn, type RawRow } from './disclosure.js';

const people = { kind: 'people' } as const;
const events = { kind: 'events' } as const;

describe('the NHS Digital rule for a single count', () => {
  it('keeps 0, suppresses 1 to 7 and rounds people to the nearest 5', () => {
    expect(protectCount(0, 'people')).toBe(0);
    expect(protectCount(1, 'people')).toBeNull();
    expect(protectCount(7, 'people')).toBeNull();
    expect(protectCount(8, 'people')).toBe(10);
    expect(protectCount(12, 'people')).toBe(10);
    expect(protectCount(13, 'people')).toBe(15);
    expect(protectCount(1002, 'people')).toBe(1000);
    expect(protectCount(1003, 'people')).toBe(1005);
  });

  it('suppresses 1 to 7 events (a few events come from a few people) but shows larger event counts exactly', () => {
    expect(protectCount(0, 'events')).toBe(0);
    expect(protectCount(5, 'events')).toBeNull();
    expect(protectCount(9, 'events')).toBe(9);
    expect(protectCount(1234, 'events')).toBe(1234);
  });
});

describe('rates, means and medians', () => {
  const columns: ProtectedColumn[] = [
    { name: 'activated', protect: people },
    { name: 'eligible', protect: people },
    { name: 'uptake_pct', protect: { kind: 'derived', from: ['activated', 'eligible'], compute: (r) => rate(r.activated!, r.eligible!) } },
    { name: 'median_days', protect: { kind: 'statistic', n: 'activated' } },
  ];

  it('computes a percentage from the rounded counts, not the raw ones', () => {
    // raw 13 / 98 = 13.3%; rounded 15 / 100 = 15.0%
    const { rows } = protectRows([{ activated: 13, eligible: 98, uptake_pct: null, median_days: 4 }], columns);
    expect(rows[0]).toEqual({ activated: 15, eligible: 100, uptake_pct: 15, median_days: 4 });
  });

  it('suppresses the rate and the median together with a small count', () => {
    const { rows, suppressedCells } = protectRows([{ activated: 5, eligible: 100, uptake_pct: null, median_days: 3 }], columns);
    expect(rows[0]).toEqual({ activated: null, eligible: 100, uptake_pct: null, median_days: null, _suppressed: ['activated', 'median_days', 'uptake_pct'] });
    expect(suppressedCells).toBe(3);
  });

  it('keeps a median over 8 people and suppresses it over 7', () => {
    const at = (n: number) => protectRows([{ activated: n, eligible: 100, uptake_pct: null, median_days: 6 }], columns).rows[0]!;
    expect(at(8).median_days).toBe(6);
    expect(at(7).median_days).toBeNull();
  });
});

describe('complementary suppression', () => {
  const columns: ProtectedColumn[] = [{ name: 'sex', protect: { kind: 'none' } }, { name: 'n', protect: people }];

  it('hides a second cell so a suppressed one cannot be recovered from the total', () => {
    // All = 40, F = 35, M = 5. M is suppressed; showing F = 35 would give M = 40 - 35 = 5.
    const raw: RawRow[] = [
      { sex: 'All', n: 40 },
      { sex: 'F', n: 35 },
      { sex: 'M', n: 5 },
    ];
    const result = protectRows(raw, columns, breakdownGroups(raw, [], 'sex', 'All', ['n']));
    expect(result.rows.map((r) => r.n)).toEqual([40, null, null]);
    expect(result.suppressedCells).toBe(2);
    expect(result.complementary).toBe(1);
  });

  it('picks the smallest visible non-zero part as the complement', () => {
    // All = 100 = 50 + 45 + 0 + 5: C is suppressed, then B (45, the smallest non-zero) with it.
    const raw: RawRow[] = [
      { sex: 'All', n: 100 },
      { sex: 'A', n: 50 },
      { sex: 'B', n: 45 },
      { sex: 'Z', n: 0 },
      { sex: 'C', n: 5 },
    ];
    const result = protectRows(raw, columns, breakdownGroups(raw, [], 'sex', 'All', ['n']));
    expect(result.rows.map((r) => r.n)).toEqual([100, 50, null, 0, null]);
  });

  it('leaves a group with two suppressed cells alone', () => {
    const raw: RawRow[] = [
      { sex: 'All', n: 50 },
      { sex: 'F', n: 40 },
      { sex: 'M', n: 4 },
      { sex: 'X', n: 6 },
    ];
    const result = protectRows(raw, columns, breakdownGroups(raw, [], 'sex', 'All', ['n']));
    expect(result.rows.map((r) => r.n)).toEqual([50, 40, null, null]);
    expect(result.complementary).toBe(0);
  });

  it('works across columns that add up (active = new + returning + resurrecting)', () => {
    const cols: ProtectedColumn[] = ['new', 'returning', 'resurrecting', 'active'].map((name) => ({ name, protect: people }));
    const raw: RawRow[] = [{ new: 3, returning: 40, resurrecting: 12, active: 55 }];
    const { rows } = protectRows(raw, cols, columnGroups(1, 'active', ['new', 'returning', 'resurrecting']));
    // new is suppressed; resurrecting (10 after rounding, the smallest) goes with it.
    expect(rows[0]).toEqual({ new: null, returning: 40, resurrecting: null, active: 55, _suppressed: ['new', 'resurrecting'] });
  });

  it('follows a complement into the other groups it belongs to', () => {
    // Two periods x two sexes, with row totals per period and a column total per sex:
    // suppressing M in January forces F in January, which leaves F's column with one hidden cell.
    const cols: ProtectedColumn[] = [{ name: 'period', protect: { kind: 'none' } }, { name: 'F', protect: people }, { name: 'M', protect: people }, { name: 'All', protect: people }];
    const raw: RawRow[] = [
      { period: 'Jan', F: 30, M: 5, All: 35 },
      { period: 'Feb', F: 40, M: 20, All: 60 },
      { period: 'Total', F: 70, M: 25, All: 95 },
    ];
    const groups = [
      ...columnGroups(3, 'All', ['F', 'M']),
      ...['F', 'M', 'All'].map((c) => ({ total: [2, c] as const, parts: [[0, c] as const, [1, c] as const] })),
    ];
    const { rows } = protectRows(raw, cols, groups);
    const hidden = rows.map((r) => r._suppressed ?? []);
    // Every row and column group now has 0 or at least 2 hidden cells.
    for (const g of groups) {
      const cells = [g.total, ...g.parts];
      const n = cells.filter(([r, c]) => hidden[r]!.includes(c)).length;
      expect(n === 0 || n >= 2).toBe(true);
    }
    expect(hidden[0]).toEqual(expect.arrayContaining(['M', 'F']));
  });

  it('never leaves a breakdown group with exactly one suppressed cell (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 8 }), (parts) => {
        const raw: RawRow[] = [{ k: 'All', n: parts.reduce((a, b) => a + b, 0) }, ...parts.map((n, i) => ({ k: `p${i}`, n }))];
        const groups = breakdownGroups(raw, [], 'k', 'All', ['n']);
        const { rows } = protectRows(raw, [{ name: 'k', protect: { kind: 'none' } }, { name: 'n', protect: people }], groups);
        const hiddenCount = rows.filter((r) => r._suppressed?.includes('n')).length;
        return hiddenCount === 0 || hiddenCount >= 2;
      }),
    );
  });
});

describe('event counts', () => {
  it('are suppressed when 1 to 7 and otherwise exact', () => {
    const { rows } = protectRows([{ a: 3, b: 9, c: 0 }], ['a', 'b', 'c'].map((name) => ({ name, protect: events })));
    expect(rows[0]).toEqual({ a: null, b: 9, c: 0, _suppressed: ['a'] });
  });
});

describe('protecting a freshly read result in place', () => {
  const columns: ProtectedColumn[] = [
    { name: 'n', protect: people },
    { name: 'median_days', protect: { kind: 'statistic', n: 'n' } },
    { name: 'pct', protect: { kind: 'derived', from: ['n', 'base'], compute: (r) => rate(r.n!, r.base!) } },
    { name: 'base', protect: people },
  ];

  it('gives the same answer as protectRows, in the rows it was given', () => {
    // n: 7 suppressed (with its median and %), 8 -> 10 (median kept: 8 people), 0 stays 0 (no median: 0 people),
    // 23 -> 25 over 52 -> 50 = 50.0%
    const raw = (): RawRow[] => [
      { n: 7, median_days: 3, pct: null, base: 40 },
      { n: 8, median_days: 4, pct: null, base: 40 },
      { n: 0, median_days: 2, pct: null, base: 40 },
      { n: 23, median_days: 5, pct: null, base: 52 },
    ];
    const mine = raw();
    const result = protectRowsInPlace(mine, columns);
    expect(result.rows).toBe(mine);
    expect(result).toEqual(protectRows(raw(), columns));
    expect(mine).toEqual([
      { n: null, median_days: null, pct: null, base: 40, _suppressed: ['n', 'median_days', 'pct'] },
      { n: 10, median_days: 4, pct: 25, base: 40 },
      { n: 0, median_days: null, pct: 0, base: 40, _suppressed: ['median_days'] },
      { n: 25, median_days: 5, pct: 50, base: 50 },
    ]);
  });
});
