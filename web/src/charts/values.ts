import type { Row } from '../api/types.js';

// Chart helpers that do not need Observable Plot, so pages can use them before Plot has loaded.

// NHS identity colours: calm, high-contrast, distinguishable in print.
export const COLOURS = {
  blue: '#005eb8',
  darkBlue: '#003087',
  brightBlue: '#0072ce',
  lightBlue: '#41b6e6',
  aqua: '#00a499',
  green: '#007f3b',
  purple: '#330072',
  pink: '#ae2573',
  darkPink: '#7c2855',
  yellow: '#ffb81c',
  orange: '#ed8b00',
  red: '#d5281b',
  grey: '#768692',
  midGrey: '#aeb7bd',
  paleGrey: '#d8dde0',
  text: '#212b32',
  secondary: '#4c6272',
} as const;

export const SERIES = [
  COLOURS.blue,
  COLOURS.aqua,
  COLOURS.purple,
  COLOURS.orange,
  COLOURS.pink,
  COLOURS.lightBlue,
  COLOURS.green,
  COLOURS.darkPink,
  COLOURS.yellow,
  COLOURS.grey,
];

export const RAG = { red: COLOURS.red, amber: COLOURS.yellow, green: COLOURS.green, none: COLOURS.midGrey } as const;

/** Parses ISO date strings (period starts) to Dates for Plot's time scales (UTC midnight). */
export function toDate(v: unknown): Date | null {
  if (v instanceof Date) return v;
  if (typeof v !== 'string' || v === '') return null;
  const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** Shortens a label to `max` characters with an ellipsis (the tooltip and table keep it whole). */
export function clip(label: string, max: number): string {
  return label.length <= max ? label : `${label.slice(0, Math.max(1, max - 1)).trimEnd()}…`;
}

/** A left margin for category labels, and how many characters fit in it. */
export function labelMargin(labels: string[], width: number): { margin: number; chars: number } {
  const longest = Math.max(8, ...labels.map((l) => l.length));
  const margin = Math.round(Math.min(Math.max(160, width * 0.4), longest * 7 + 24));
  return { margin, chars: Math.max(longest, 0) * 7 + 24 <= margin ? longest : Math.floor((margin - 24) / 7) };
}

/**
 * The partial period: the metric's `complete` column is false for a period cut short by the end
 * date or the latest data (four days of December). Charts draw it apart so it does not read as a
 * collapse; headlines skip it.
 */
export function isPartial(row: Row | undefined): boolean {
  return !!row && row.complete === false;
}

/** Opacity of a partial period's bars (whole periods are opaque). */
export const PARTIAL_OPACITY = 0.35;

/**
 * A series split for drawing: `whole` (complete periods, solid) and `tail` (the last complete
 * point joined to the partial ones, dashed); `partial` are the partial points alone.
 */
export function splitPartial<T extends { partial?: boolean }>(pts: readonly T[]): { whole: T[]; tail: T[]; partial: T[] } {
  const whole = pts.filter((p) => !p.partial);
  const partial = pts.filter((p) => p.partial);
  const lastWhole = whole[whole.length - 1];
  return { whole, partial, tail: partial.length ? [...(lastWhole ? [lastWhole] : []), ...partial] : [] };
}
