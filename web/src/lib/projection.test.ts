import { describe, expect, it } from 'vitest';
import { projectToTarget } from './projection.js';

describe('projected date to reach the uptake target', () => {
  it('extends a steady rise to the target', () => {
    // +1 point every 10 days: 10% on 1 Jan, 11% on 11 Jan, 12% on 21 Jan. 15% is 30 days after 21 Jan.
    const p = projectToTarget(
      [
        { date: '2026-01-01', value: 10 },
        { date: '2026-01-11', value: 11 },
        { date: '2026-01-21', value: 12 },
      ],
      15,
    );
    expect(p).toMatchObject({ kind: 'projected', date: '2026-02-20' });
    if (p.kind === 'projected') expect(p.perMonth).toBeCloseTo(3.044, 3);
  });

  it('says when the target was first reached', () => {
    const p = projectToTarget(
      [
        { date: '2026-01-01', value: 38 },
        { date: '2026-02-01', value: 41 },
        { date: '2026-03-01', value: 43 },
      ],
      40,
    );
    expect(p).toEqual({ kind: 'reached', date: '2026-02-01' });
  });

  it('says "not on course" when uptake is flat or falling', () => {
    const p = projectToTarget(
      [
        { date: '2026-01-01', value: 20 },
        { date: '2026-02-01', value: 20 },
        { date: '2026-03-01', value: 19 },
      ],
      40,
    );
    expect(p.kind).toBe('not-on-course');
  });

  it('needs a target and at least two points', () => {
    expect(projectToTarget([{ date: '2026-01-01', value: 5 }], 40).kind).toBe('unknown');
    expect(projectToTarget([{ date: '2026-01-01', value: 5 }, { date: '2026-02-01', value: 6 }], null).kind).toBe('unknown');
  });

  it('fits only the most recent points', () => {
    // A slow start (0 → 1 over 2 months) then +2 per 30 days; window 3 sees only the fast part:
    // 5% on 1 May, 7% on 31 May, 9% on 30 Jun → 15% is 3 × 30 days after 30 Jun = 28 Sep.
    const p = projectToTarget(
      [
        { date: '2026-03-01', value: 0 },
        { date: '2026-04-01', value: 1 },
        { date: '2026-05-01', value: 5 },
        { date: '2026-05-31', value: 7 },
        { date: '2026-06-30', value: 9 },
      ],
      15,
      3,
    );
    expect(p).toMatchObject({ kind: 'projected', date: '2026-09-28' });
  });
});
