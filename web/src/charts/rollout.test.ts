// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { goLiveCount } from './rollout.js';

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
