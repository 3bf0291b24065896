import * as Plot from '@observablehq/plot';
import type { Unit } from '../api/types.js';
import { COLOURS, splitPartial } from './values.js';
import { formatNumber, formatPeriod } from '../lib/format.js';

export { Plot };
export { COLOURS, PARTIAL_OPACITY, RAG, SERIES, isPartial, num, toDate } from './values.js';

/** Axis tick labels for a unit, kept short (£1.2m, 45%). */
export function tick(unit?: Unit | string): (d: number) => string {
  return (d: number) => formatNumber(d, unit, true);
}

/** Shared look: system font, readable sizes, generous margins for labels. */
export function base(width: number, height: number, options: Plot.PlotOptions = {}): Plot.PlotOptions {
  return {
    width,
    height,
    marginLeft: 56,
    marginRight: 24,
    marginBottom: 36,
    style: {
      fontFamily: 'inherit',
      fontSize: '13px',
      color: COLOURS.text,
      background: 'transparent',
      overflow: 'visible',
    },
    ...options,
  };
}

/** Plot's time interval for a grain (weeks start on Monday, as the API's do). */
export function intervalFor(grain: string | undefined): Plot.Interval {
  switch (grain) {
    case 'day':
      return 'day';
    case 'week':
      return 'monday';
    case 'quarter':
      return '3 months';
    default:
      return 'month';
  }
}

/**
 * A line whose last period may be partial: solid through the whole periods, dashed into the
 * partial one, which gets a hollow dot and the words "so far" (so a short month is not read as a fall).
 */
export function lineWithPartial<T extends { partial?: boolean }>(
  pts: readonly T[],
  options: { x: string; y: string; stroke: string; strokeWidth?: number; curve?: Plot.CurveName; dots?: boolean; label?: boolean },
): Plot.Markish[] {
  const { whole, tail, partial } = splitPartial(pts);
  const line = { x: options.x, y: options.y, stroke: options.stroke, strokeWidth: options.strokeWidth ?? 2.5, curve: options.curve };
  return [
    Plot.lineY(whole, line),
    options.dots ? Plot.dot(whole, { x: options.x, y: options.y, fill: options.stroke, r: 2.5 }) : null,
    Plot.lineY(tail, { ...line, strokeDasharray: '4 4', curve: 'linear' }),
    Plot.dot(partial, { x: options.x, y: options.y, stroke: options.stroke, fill: 'white', strokeWidth: 2, r: 4 }),
    options.label === false ? null : Plot.text(partial, { x: options.x, y: options.y, text: () => 'so far', dx: -6, dy: -12, textAnchor: 'end', fontSize: 11, fill: COLOURS.secondary, stroke: 'white', strokeWidth: 3, paintOrder: 'stroke' }),
  ];
}

/** The words a tooltip adds for a partial period. */
export const partialNote = (p: { partial?: boolean }): string => (p.partial ? '\n(partial period: so far)' : '');

/** A tip's title line: the period of a point, worded for the grain. */
export const periodTitle = (grain?: string) => (d: { period: string }): string => formatPeriod(d.period, grain);

/**
 * The payback month's label: at the top of the frame beside its dashed rule, on the side with
 * more room (right of the rule in the first half of the dates, left of it after), so it is neither
 * clipped at the chart's edge nor drawn over the axis.
 */
export function paybackLabel(at: Date, text: string, dates: readonly Date[]): Plot.Markish {
  const first = dates[0]?.getTime() ?? at.getTime();
  const last = dates[dates.length - 1]?.getTime() ?? at.getTime();
  const early = at.getTime() - first <= (last - first) / 2;
  return Plot.text([at], {
    x: (d: Date) => d,
    frameAnchor: 'top',
    text: () => text,
    dx: early ? 6 : -6,
    dy: 6,
    textAnchor: early ? 'start' : 'end',
    lineAnchor: 'top',
    fontWeight: 700,
    fill: COLOURS.text,
    stroke: 'white',
    strokeWidth: 4,
    paintOrder: 'stroke',
  });
}
