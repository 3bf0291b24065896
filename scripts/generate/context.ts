/**
 * Everything a batch needs to generate its rows. The plan and schedule are built once (main
 * thread) and shared; the rest is cheap and rebuilt identically wherever it is needed.
 */
import { fastActive } from './active.js';
import { Calendar, type Period } from './calendar.js';
import { nhsOffsetFor, spaced } from './nhs-number.js';
import type { ResolvedOptions } from './options.js';
import { fastPlan, type Plan } from './population.js';
import { buildRegion, type Region } from './region.js';
import type { Schedule } from './schedule.js';

export interface Context {
  options: ResolvedOptions;
  calendar: Calendar;
  periods: Period[];
  region: Region;
  plan: Plan;
  schedule: Schedule;
  /** Shifts the NHS number sequence so different seeds give different numbers. */
  nhsOffset: number;
  /** dayPrefix[d] = sum of activity weights of sim days before d (for weighted day draws). */
  dayPrefix: Float64Array;
}

export interface Skeleton {
  calendar: Calendar;
  periods: Period[];
  region: Region;
}

export function buildSkeleton(options: ResolvedOptions): Skeleton {
  const calendar = new Calendar(options.end, options.days);
  const periods = calendar.periods(options.batch);
  const region = buildRegion(options.seed, options.scale, calendar);
  return { calendar, periods, region };
}

export function createContext(options: ResolvedOptions, skeleton: Skeleton, plan: Plan, schedule: Schedule): Context {
  const { calendar } = skeleton;
  const dayPrefix = new Float64Array(calendar.days + 1);
  for (let d = 0; d < calendar.days; d++) dayPrefix[d + 1] = (dayPrefix[d] as number) + calendar.activityWeight(d);
  return {
    options,
    ...skeleton,
    plan: fastPlan(plan),
    schedule: { ...schedule, active: fastActive(schedule.active) },
    nhsOffset: nhsOffsetFor(options.seed),
    dayPrefix,
  };
}

/** Share of rows that spell the NHS number with spaces. */
export const NHS_SPACED_SHARE = 0.03;

/** The patient's NHS number, written with spaces in a small share of rows (`u` decides). */
export function nhsText(ctx: Context, patient: number, u: number): string {
  // Only the few rows built as strings come here (the hot paths write numbers as bytes).
  const n = String(ctx.plan.nhs[patient]);
  return u < NHS_SPACED_SHARE ? spaced(n) : n;
}

export function practiceCode(ctx: Context, practice: number): string {
  return ctx.region.practices[practice]?.code ?? '';
}
