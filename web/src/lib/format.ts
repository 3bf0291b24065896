import { format as formatDate, isValid, parseISO } from 'date-fns';
import type { Column, Grain, Unit } from '../api/types.js';

const int = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const oneDp = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1, minimumFractionDigits: 0 });
const twoDp = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2, minimumFractionDigits: 0 });
const threeDp = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 3, minimumFractionDigits: 0 });

export function formatCount(n: number): string {
  return int.format(n);
}

/** Money in pounds: exact to the pound below £10k, then £12.3k / £1.25m so tiles stay short. */
export function formatGbp(n: number, compact = false): string {
  const sign = n < 0 ? '−' : '';
  const a = Math.abs(n);
  if (compact && a >= 1_000_000) return `${sign}£${twoDp.format(a / 1_000_000)}m`;
  if (compact && a >= 1_000) return `${sign}£${oneDp.format(a / 1_000)}k`;
  return `${sign}£${int.format(a)}`;
}

export function formatPercent(n: number): string {
  return `${oneDp.format(n)}%`;
}

export function formatNumber(value: number, unit?: Unit | string, compact = false): string {
  if (!Number.isFinite(value)) return '–';
  switch (unit) {
    case 'percent':
      return formatPercent(value);
    case 'gbp':
      return formatGbp(value, compact);
    case 'days':
      return `${oneDp.format(value)} ${value === 1 ? 'day' : 'days'}`;
    case 'ratio':
      return twoDp.format(value);
    case 'per_1000':
      // Column labels say "per 1,000"; the cell is the number.
      return oneDp.format(value);
    case 'pp_per_week':
      // Percentage points a week (the label says so), to the rollout metric's 3 decimals: 0.021, not 0.
      return threeDp.format(value);
    case 'count':
      return compact && Math.abs(value) >= 100_000 ? `${oneDp.format(value / 1_000)}k` : int.format(value);
    default:
      return Number.isInteger(value) ? int.format(value) : twoDp.format(value);
  }
}

export function formatDay(iso: string): string {
  const d = parseISO(iso);
  return isValid(d) ? formatDate(d, 'd MMM yyyy') : iso;
}

export function formatDateTime(iso: string): string {
  const d = parseISO(iso);
  return isValid(d) ? formatDate(d, "d MMM yyyy 'at' HH:mm") : iso;
}

/**
 * A duration in words for people: "less than a second", "4 seconds", "3 minutes 20 seconds",
 * "13 minutes", "2 hours 5 minutes", "3 days 4 hours". Seconds are kept only under 10 minutes and
 * minutes under 2 days, where they still tell the reader something. A negative duration (clocks
 * that disagree) reads as none.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 1) return 'less than a second';
  const unit = (n: number, word: string) => `${int.format(n)} ${word}${n === 1 ? '' : 's'}`;
  const pair = (n: number, big: string, rest: number, small: string) => (rest > 0 ? `${unit(n, big)} ${unit(rest, small)}` : unit(n, big));
  const total = Math.round(seconds);
  if (total < 60) return unit(total, 'second');
  if (total < 600) return pair(Math.floor(total / 60), 'minute', total % 60, 'second');
  const minutes = Math.round(total / 60);
  if (minutes < 60) return unit(minutes, 'minute');
  if (minutes < 48 * 60) return pair(Math.floor(minutes / 60), 'hour', minutes % 60, 'minute');
  const hours = Math.round(minutes / 60);
  return pair(Math.floor(hours / 24), 'day', hours % 24, 'hour');
}

/** A period start date labelled for its grain: "Mar 2026", "Q1 2026/27", "w/c 2 Mar 2026". */
export function formatPeriod(iso: string, grain?: Grain | string): string {
  const d = parseISO(iso);
  if (!isValid(d)) return iso;
  switch (grain) {
    case 'month':
      return formatDate(d, 'MMM yyyy');
    case 'quarter':
      return formatDate(d, "QQQ yyyy");
    case 'week':
      return `w/c ${formatDate(d, 'd MMM yyyy')}`;
    default:
      return formatDate(d, 'd MMM yyyy');
  }
}

export const SUPPRESSED_MARK = '*';

export function isSuppressed(row: { _suppressed?: string[] }, column: string): boolean {
  return !!row._suppressed && row._suppressed.includes(column);
}

/** How one cell reads in a table (and in the CSV): suppressed cells are `*`. */
export function formatCell(value: unknown, column: Column, suppressed = false, grain?: Grain | string): string {
  if (suppressed) return SUPPRESSED_MARK;
  if (value === null || value === undefined || value === '') return '–';
  if (column.type === 'number' && typeof value === 'number') return formatNumber(value, column.unit);
  if (column.type === 'number' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return formatNumber(Number(value), column.unit);
  }
  if (column.type === 'date' && typeof value === 'string') {
    return /period|week|month|quarter/.test(column.name) ? formatPeriod(value, grain) : formatDay(value);
  }
  if (column.type === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

const VALUE_LABELS: Record<string, string> = {
  ios: 'iOS app',
  android: 'Android app',
  web: 'Website',
  other: 'Other',
  unknown: 'Not known',
  sms: 'SMS',
};

/** A breakdown value as a reader would say it: "prescription_requested" → "Prescription requested". */
export function valueLabel(v: string): string {
  const known = VALUE_LABELS[v.toLowerCase()];
  if (known) return known;
  const words = v.replace(/_/g, ' ');
  return /^[a-z]/.test(words) ? words.charAt(0).toUpperCase() + words.slice(1) : words;
}
