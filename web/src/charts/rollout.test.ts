// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { goLiveCount, spreadLabels, uptakeCurves } from './rollout.js';

/** The y coordinates of a path's points. */
const ys = (d: string) => [...d.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => Number(m[2]));

describe('GP practices live on the portal over time (many organisations)', () => {
  it('draws the area from 0 to the count, inside the frame, when many go live on the same day', () => {
    // 60 practices: 20 on each of three days, then the end date (a step of its own on the last day).
    const pts = Array.from({ length: 60 }, (_, i) => ({ date: new Date(Date.UTC(2025, 0, 1 + 30 * Math.floor(i / 20))) }));
    const svg = goLiveCount(pts, 640, '2025-03-02') as unknown as SVGSVGElement;
    const height = 260;
    const area = svg.querySelector('g[aria-label="area"] path')!.getAttribute('d')!;
    const line = svg.querySelector('g[aria-label="line"] path')!.getAttribute('d')!;
    // Stacked (the default of areaY with y), 20 rows on one date summed to 210 of a domain of 60:
    // the area rose far above the frame, over the cards above. Now it stays within the plot.
    for (const d of [area, line]) {
      for (const y of ys(d)) {
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(height);
      }
    }
    // The top of the area is the count of all 60 practices: the top of the y domain.
    const top = Math.min(...ys(area));
    const lineTop = Math.min(...ys(line));
    expect(top).toBeCloseTo(lineTop, 5);
  });
});

describe('uptake curves: the names at the lines\' ends do not overlap', () => {
  it('moves labels apart by at least the gap, keeping their order and the floor (known answer)', () => {
    const y = spreadLabels([{ key: 'a', y: 10 }, { key: 'b', y: 10.2 }, { key: 'c', y: 30 }], 1);
    expect(Object.fromEntries(y)).toEqual({ c: 30, b: 10.2, a: 9.2 });
    const floored = spreadLabels([{ key: 'a', y: 0 }, { key: 'b', y: 0 }, { key: 'c', y: 0.5 }], 1, 0);
    expect(Object.fromEntries(floored)).toEqual({ c: 2, a: 1, b: 0 });
  });

  it('draws three CCGs ending at almost the same uptake with their names at least 12 px apart', () => {
    const rows = ['C1', 'C2', 'C3'].flatMap((code, i) =>
      ['2026-01-01', '2026-02-01', '2026-03-01'].map((period_start, m) => ({ period_start, org_code: code, uptake_pct: 10 + m * 10 + i * 0.1 })),
    );
    const orgs = { byCode: new Map(['C1', 'C2', 'C3'].map((c) => [c, { code: c, name: `NHS ${c} CCG` }])) };
    const data = { columns: [{ name: 'period_start', label: 'Period', type: 'date' }], rows, level: 'ccg', highlight: null, grain: 'month' };
    const svg = uptakeCurves(data as unknown as Parameters<typeof uptakeCurves>[0], { width: 640 }, orgs as unknown as Parameters<typeof uptakeCurves>[2]) as unknown as SVGSVGElement;
    const labels = [...svg.querySelectorAll('g[aria-label="text"] text')].filter((t) => /NHS C\d CCG/.test(t.textContent ?? ''));
    expect(labels).toHaveLength(3);
    const at = labels.map((t) => Number((t.getAttribute('transform') ?? '').match(/translate\([\d.-]+,([\d.-]+)\)/)?.[1] ?? t.getAttribute('y'))).sort((a, b) => a - b);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(12);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(12);
  });
});
