import * as Plot from '@observablehq/plot';
import type { Unit } from '../api/types.js';
import { COLOURS } from './values.js';
import { formatNumber } from '../lib/format.js';

export { Plot };
export { COLOURS, RAG, SERIES, num, toDate, withDates } from './values.js';

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

export const dateAxis = (label: string | null = null): Plot.ScaleOptions => ({ type: 'utc', label });

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
