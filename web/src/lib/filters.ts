import { differenceInCalendarDays, format, isValid, parseISO, startOfMonth, subMonths } from 'date-fns';
import type { Grain } from '../api/types.js';

// Filters live in the URL (see router.ts). Date ranges are kept as presets ("last 12 months")
// so that a shared link keeps meaning "the latest 12 months" as new data arrives; only a custom
// range pins dates.

export const RANGE_PRESETS = [
  { key: '3m', label: 'Last 3 months', months: 3 },
  { key: '6m', label: 'Last 6 months', months: 6 },
  { key: '12m', label: 'Last 12 months', months: 12 },
  { key: '24m', label: 'Last 24 months', months: 24 },
  { key: 'fytd', label: 'Financial year to date', months: null },
  { key: 'all', label: 'Since the programme began', months: null },
] as const;

export type RangeKey = (typeof RANGE_PRESETS)[number]['key'] | 'custom';
const DEFAULT_RANGE: RangeKey = '12m';
export const GRAINS: readonly Grain[] = ['day', 'week', 'month', 'quarter'];
export const GRAIN_LABELS: Record<Grain, string> = { day: 'Day', week: 'Week', month: 'Month', quarter: 'Quarter' };

export interface Filters {
  /** Organisation code; undefined means the region's root (the ICB). */
  org?: string;
  range: RangeKey;
  /** ISO dates (inclusive) the metrics are asked for; `from` undefined = from the beginning. */
  from?: string;
  to?: string;
  grain: Grain;
  /** Whether the grain came from the URL (otherwise it follows the range length). */
  grainChosen: boolean;
  /**
   * The day the programme began (undefined when the store is empty). Figures "to date" (savings,
   * cost, ROI, payback) count from here whatever the dates shown.
   */
  programmeStart?: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function isIsoDate(s: string | null | undefined): s is string {
  return !!s && ISO_DATE.test(s) && isValid(parseISO(s));
}

export function toIsoDate(d: Date): string {
  return format(d, 'yyyy-MM-dd');
}

/** The first day of the NHS financial year (1 April) that contains `d`. */
export function financialYearStart(d: Date): Date {
  const year = d.getMonth() >= 3 ? d.getFullYear() : d.getFullYear() - 1;
  return new Date(year, 3, 1);
}

/**
 * Resolves a range preset to dates, counted back from `anchor` (the day of the latest data, so
 * that "last 3 months" of a region whose feed stopped last week is not three-quarters empty).
 * "Since the programme began" starts at `programmeStart` (the server's asOf.programmeStart). It
 * must be a date: a request without `from` gets the metric's own default window (12 or 24
 * months), which is how that preset once showed a year here and two years there.
 */
export function resolveRange(
  range: RangeKey,
  anchor: Date,
  custom: { from?: string; to?: string } = {},
  programmeStart?: string | null,
): { from?: string; to?: string } {
  const to = toIsoDate(anchor);
  if (range === 'custom') {
    const end = isIsoDate(custom.to) ? custom.to : to;
    // A From after the To (an address typed or edited by hand; the filter bar refuses it) would be
    // refused by every metric: it is left out, as if no From were given.
    const start = isIsoDate(custom.from) && custom.from <= end ? custom.from : undefined;
    return { from: start, to: end };
  }
  if (range === 'all') return { from: isIsoDate(programmeStart) && programmeStart <= to ? programmeStart : undefined, to };
  if (range === 'fytd') return { from: toIsoDate(financialYearStart(anchor)), to };
  const preset = RANGE_PRESETS.find((p) => p.key === range);
  const months = preset?.months ?? 12;
  // Whole months: "last 12 months" ending 14 March starts 1 April of the previous year.
  return { from: toIsoDate(startOfMonth(subMonths(anchor, months - 1))), to };
}

/** A grain that gives a readable number of points for the range when the user has not chosen one. */
export function defaultGrain(from: string | undefined, to: string | undefined): Grain {
  if (!from || !to) return 'month';
  const days = differenceInCalendarDays(parseISO(to), parseISO(from));
  if (days <= 45) return 'day';
  if (days <= 120) return 'week';
  return 'month';
}

/** Days the API serves at day grain in one request (server/api/params.ts allows 530 periods). */
const MAX_DAY_PERIODS = 530;

function daysBetween(from: string | undefined, to: string | undefined): number {
  if (!to) return 0;
  if (!from) return Number.POSITIVE_INFINITY;
  return differenceInCalendarDays(parseISO(to), parseISO(from)) + 1;
}

/** Whether a grain can be asked for over the dates (day grain is limited in length). */
export function grainAllowed(grain: Grain, from: string | undefined, to: string | undefined): boolean {
  return grain !== 'day' || daysBetween(from, to) <= MAX_DAY_PERIODS;
}

export function readFilters(query: URLSearchParams, anchor: Date, programmeStart?: string | null): Filters {
  const rawRange = query.get('range');
  const from = query.get('from');
  const to = query.get('to');
  let range: RangeKey;
  if (rawRange && (rawRange === 'custom' || RANGE_PRESETS.some((p) => p.key === rawRange))) range = rawRange as RangeKey;
  else if (isIsoDate(from) || isIsoDate(to)) range = 'custom';
  else range = DEFAULT_RANGE;
  const dates = resolveRange(range, anchor, { from: from ?? undefined, to: to ?? undefined }, programmeStart);
  const rawGrain = query.get('grain');
  let grainChosen = !!rawGrain && (GRAINS as readonly string[]).includes(rawGrain);
  // The API answers at most MAX_PERIODS periods: days over years fall back to the default grain.
  if (grainChosen && rawGrain === 'day' && daysBetween(dates.from, dates.to) > MAX_DAY_PERIODS) grainChosen = false;
  return {
    org: query.get('org') || undefined,
    range,
    from: dates.from,
    to: dates.to,
    grain: grainChosen ? (rawGrain as Grain) : defaultGrain(dates.from, dates.to),
    grainChosen,
    programmeStart: isIsoDate(programmeStart) ? programmeStart : undefined,
  };
}

/** The anchor date for presets: the day of the latest event, or today when there is no data. */
export function anchorDate(latestEventAt: string | null | undefined, today: Date = new Date()): Date {
  if (latestEventAt) {
    const d = parseISO(latestEventAt.slice(0, 10));
    if (isValid(d)) return d;
  }
  return today;
}

export function describeRange(f: Pick<Filters, 'from' | 'to'>): string {
  const fmt = (s: string) => format(parseISO(s), 'd MMM yyyy');
  if (f.from && f.to) return `${fmt(f.from)} to ${fmt(f.to)}`;
  if (f.to) return `up to ${fmt(f.to)}`;
  return 'all dates';
}

/**
 * Why a custom range cannot be used, said where the dates are entered (null when it can): the API
 * refuses a From after the To, which would leave every figure on the page with an error.
 */
export function dateRangeError(from: string | undefined, to: string | undefined): string | null {
  if (from && !isIsoDate(from)) return 'Enter the From date as a real date, for example 1 April 2026.';
  if (to && !isIsoDate(to)) return 'Enter the To date as a real date, for example 31 March 2027.';
  if (from && to && from > to) return `The From date must be on or before the To date (${format(parseISO(to), 'd MMM yyyy')}).`;
  return null;
}

