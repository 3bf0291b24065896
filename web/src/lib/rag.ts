import { differenceInCalendarDays, parseISO } from 'date-fns';
import type { Projection } from './projection.js';

// Red / amber / green against the uptake target, the same rule as the rollout metric
// (server/metrics/catalogue.ts): green = at or above target; amber = at least 80% of the target,
// or on course to reach it within a year; red = otherwise. No target means no rating.

export type Rag = 'green' | 'amber' | 'red' | 'none';

export const AMBER_SHARE = 0.8;
export const AMBER_WITHIN_DAYS = 365;

/** Days from `asOf` to the projected date, or null when not on course / unknown. */
export function daysToTarget(p: Projection | undefined, asOf: string | undefined): number | null {
  if (!p || p.kind !== 'projected' || !asOf) return null;
  return differenceInCalendarDays(parseISO(p.date), parseISO(asOf));
}

export function ragStatus(uptakePct: number | null | undefined, targetPct: number | null | undefined, daysToReach: number | null = null): Rag {
  if (uptakePct === null || uptakePct === undefined || !Number.isFinite(uptakePct)) return 'none';
  if (targetPct === null || targetPct === undefined || !Number.isFinite(targetPct) || targetPct <= 0) return 'none';
  if (uptakePct >= targetPct) return 'green';
  if (uptakePct >= targetPct * AMBER_SHARE) return 'amber';
  if (daysToReach !== null && daysToReach <= AMBER_WITHIN_DAYS) return 'amber';
  return 'red';
}

export const RAG_LABEL: Record<Rag, string> = {
  green: 'On target',
  amber: 'Close to target',
  red: 'Behind target',
  none: 'No target',
};

export const RAG_RULE = `On target: uptake at or above the target. Close: at least ${AMBER_SHARE * 100}% of the target, or on course to reach it within a year. Behind: otherwise.`;
