import { describe, expect, it } from 'vitest';
import type { Row } from '../api/types.js';
import { leagueForReport } from './Report.js';

const row = (code: string, uptake: number, target: number, rag: string): Row => ({ org_code: code, org_name: code, uptake_pct: uptake, target_pct: target, rag });

describe("the report's league of organisations below", () => {
  it('shows those behind first (red, amber, then on target; furthest below target first) and counts what is left out', () => {
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => row(`G${i}`, 60 + i, 40, 'green')),
      row('A1', 30, 40, 'amber'),
      row('R1', 5, 40, 'red'),
      row('A2', 35, 50, 'amber'),
      row('R2', 20, 50, 'red'),
    ];
    const { shown, left, leftCount } = leagueForReport(rows, 8);
    expect(shown.map((r) => r.org_code)).toEqual(['R1', 'R2', 'A2', 'A1', 'G0', 'G1', 'G2', 'G3']);
    expect(leftCount).toBe(6);
    expect(left).toEqual({ red: 0, amber: 0, none: 0, green: 6 });
  });

  it('leaves out nothing when all fit', () => {
    const { shown, leftCount } = leagueForReport([row('G', 50, 40, 'green'), row('R', 5, 40, 'red')]);
    expect(shown.map((r) => r.org_code)).toEqual(['R', 'G']);
    expect(leftCount).toBe(0);
  });
});
