import { addDays, differenceInCalendarDays, parseISO } from 'date-fns';
import { toIsoDate } from './filters.js';

export interface Point {
  /** ISO date of the observation (a period start or a day). */
  date: string;
  value: number;
}

export type Projection =
  | { kind: 'reached'; date: string }
  | { kind: 'projected'; date: string; perMonth: number }
  | { kind: 'not-on-course'; perMonth: number }
  | { kind: 'unknown' };

/**
 * When a rising uptake series is expected to reach `target`, from a straight line fitted (least
 * squares) to its last `window` points. Recent points say more about the pace of a rollout than
 * its slow start, hence the window.
 */
export function projectToTarget(points: Point[], target: number | null | undefined, window = 6): Projection {
  if (target === null || target === undefined || !Number.isFinite(target)) return { kind: 'unknown' };
  const clean = points.filter((p) => Number.isFinite(p.value)).sort((a, b) => a.date.localeCompare(b.date));
  const last = clean[clean.length - 1];
  if (!last) return { kind: 'unknown' };
  const firstAt = clean.find((p) => p.value >= target);
  if (firstAt) return { kind: 'reached', date: firstAt.date };
  const recent = clean.slice(-window);
  if (recent.length < 2) return { kind: 'unknown' };
  const t0 = parseISO(recent[0]!.date);
  const xs = recent.map((p) => differenceInCalendarDays(parseISO(p.date), t0));
  const ys = recent.map((p) => p.value);
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  if (sxx === 0) return { kind: 'unknown' };
  const slopePerDay = sxy / sxx;
  const perMonth = slopePerDay * 30.44;
  if (slopePerDay <= 1e-9) return { kind: 'not-on-course', perMonth };
  // The pace comes from the fitted line; the distance still to go from the latest actual value.
  const days = Math.ceil((target - last.value) / slopePerDay);
  // Beyond 20 years is not a date anyone plans with.
  if (days > 365 * 20) return { kind: 'not-on-course', perMonth };
  return { kind: 'projected', date: toIsoDate(addDays(parseISO(last.date), Math.max(0, days))), perMonth };
}
