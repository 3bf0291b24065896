import type { Column, MetricResult, Row } from '../api/types.js';
import { isSuppressed } from './format.js';

/** Each metric's column names, from the metric catalogue: `COLUMNS.uptake.uptake_pct`. */
export { COLUMNS } from '../../../server/metrics/catalogue-data.js';

// Small readers over a metric result, so pages name the columns they need in one place and
// degrade gracefully (a missing column is an empty chart, not a crash).

/** The first of `names` that the result has. */
export function firstCol(result: { columns: Column[] }, names: string[]): string | undefined {
  return names.find((n) => result.columns.some((c) => c.name === n));
}

/** The period column of a time series (the first date column). */
export function dateCol(result: { columns: Column[] }): string | undefined {
  return result.columns.find((c) => c.type === 'date')?.name;
}

export function numberAt(row: Row | undefined, name: string | undefined): number | null {
  if (!row || !name || isSuppressed(row, name)) return null;
  const v = row[name];
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

export function stringAt(row: Row | undefined, name: string | undefined): string | null {
  if (!row || !name) return null;
  const v = row[name];
  return v === null || v === undefined ? null : String(v);
}

/** Rows of a breakdown without its total ("All") row. */
export function withoutTotal(rows: Row[], dim: string | undefined): Row[] {
  if (!dim) return rows;
  return rows.filter((r) => r[dim] !== 'All' && r[dim] !== 'all' && r[dim] !== null);
}

export function totalRow(rows: Row[], dim: string | undefined): Row | undefined {
  if (!dim) return undefined;
  return rows.find((r) => r[dim] === 'All' || r[dim] === 'all');
}

/**
 * The last complete period's row with a visible value in `name`: headlines of activity in a
 * period skip the partial period at the end (four days of December against a whole November).
 */
export function latestComplete(rows: Row[], date: string | undefined, name: string | undefined): Row | undefined {
  return latestWith(rows.filter((r) => r.complete !== false), date, name);
}

/** The last row in date order that has a visible value in `name`. */
export function latestWith(rows: Row[], date: string | undefined, name: string | undefined): Row | undefined {
  if (!date || !name) return undefined;
  const sorted = [...rows].filter((r) => numberAt(r, name) !== null).sort((a, b) => String(a[date]).localeCompare(String(b[date])));
  return sorted[sorted.length - 1];
}

/** Keeps only the listed columns (in that order) of a result, for a focused table/CSV. */
export function pickColumns<T extends Pick<MetricResult, 'columns' | 'rows'>>(result: T, names: string[]): T {
  const columns = names.map((n) => result.columns.find((c) => c.name === n)).filter((c): c is Column => !!c);
  return { ...result, columns };
}
