import { describe, expect, it } from 'vitest';
import type { Row } from '../api/types.js';
import { objectionSeries } from './consent.js';

const columns = [
  { name: 'period_start', label: 'Period', type: 'date' as const },
  { name: 'scope', label: 'Scope', type: 'string' as const },
  { name: 'scope_name', label: 'Scope', type: 'string' as const },
  { name: 'objections_in_force', label: 'In force', type: 'number' as const, unit: 'count' as const },
];
const row = (period: string, scope: string, n: number | null): Row => ({
  period_start: period,
  scope,
  scope_name: scope === '*' ? 'All organisations' : `Trust ${scope}`,
  objections_in_force: n,
  ...(n === null ? { _suppressed: ['objections_in_force'] } : {}),
});

describe('objections chart series', () => {
  it('names all-organisation objections and the three scopes most objected to in the latest period; adds up the rest', () => {
    const rows = [
      row('2026-01-01', '*', 100),
      ...['A', 'B', 'C', 'D', 'E', 'F'].map((s, i) => row('2026-01-01', s, 10 + i)),
      row('2026-02-01', '*', 110),
      // Latest period: F 60, E 50, A 40 are named with "all"; B 30, C 20, D 10 (and a hidden one) are "other".
      ...[['A', 40], ['B', 30], ['C', 20], ['D', 10], ['E', 50], ['F', 60]].map(([s, n]) => row('2026-02-01', s as string, n as number)),
      row('2026-02-01', 'G', null),
      // The server's total of every scope: the tiles' figure, not a bar of its own.
      row('2026-01-01', 'ALL_SCOPES', 181),
      row('2026-02-01', 'ALL_SCOPES', 325),
    ];
    const { order, pts } = objectionSeries({ columns, rows });
    expect(order).toEqual(['All organisations', 'Trust F', 'Trust E', 'Trust A', 'Other organisations']);
    const feb = Object.fromEntries(pts.filter((p) => p.period === '2026-02-01').map((p) => [p.scope, p.value]));
    // Other in February: B 30 + C 20 + D 10 = 60 (the hidden G is left out).
    expect(feb).toEqual({ 'All organisations': 110, 'Trust F': 60, 'Trust E': 50, 'Trust A': 40, 'Other organisations': 60 });
    // January: B 11 + C 12 + D 13 = 36 other.
    const jan = Object.fromEntries(pts.filter((p) => p.period === '2026-01-01').map((p) => [p.scope, p.value]));
    expect(jan['Other organisations']).toBe(36);
    expect(pts[0]!.date.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});
