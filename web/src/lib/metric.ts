import type { Column, ColumnName, MetricName, MetricResult, MetricRow, Row } from '../api/types.js';
import { isSuppressed } from './format.js';

/** Each metric's column names, from the metric catalogue: `COLUMNS.uptake.uptake_pct`. */
export { COLUMNS } from '../../../server/metrics/catalogue-data.js';

// Small readers over a metric result, so pages name the columns they need in one place and
// degrade gracefully (a missing column is an empty chart, not a crash). They are typed by the
// catalogue: a row of metric M (`MetricRow<M>`) is read only by a column name of M, so a misspelt
// or another metric's column is a type error, not an empty chart (metric.test.ts checks this).
// `NoInfer`: the metric comes from the row, never from the name asked for.

/** The first of `names` that the result has. */
export function firstCol<M extends MetricName>(result: { columns: Column[]; rows: MetricRow<M>[] }, names: readonly NoInfer<ColumnName<M>>[]): ColumnName<M> | undefined {
  return names.find((n) => result.columns.some((c) => c.name === n));
}

/** The period column of a time series (the first date column). */
export function dateCol(result: { columns: Column[] }): string | undefined {
  return result.columns.find((c) => c.type === 'date')?.name;
}

export function numberAt<M extends MetricName>(row: MetricRow<M> | undefined, name: NoInfer<ColumnName<M>> | undefined): number | null {
  if (!row || !name || isSuppressed(row, name)) return null;
  const v = row[name];
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

export function stringAt<M extends MetricName>(row: MetricRow<M> | undefined, name: NoInfer<ColumnName<M>> | undefined): string | null {
  if (!row || !name) return null;
  const v = row[name];
  return v === null || v === undefined ? null : String(v);
}

/** Rows of a breakdown without its total ("All") row. */
export function withoutTotal<R extends Row>(rows: R[], dim: string | undefined): R[] {
  if (!dim) return rows;
  return rows.filter((r) => r[dim] !== 'All' && r[dim] !== 'all' && r[dim] !== null);
}

export function totalRow<R extends Row>(rows: R[], dim: string | undefined): R | undefined {
  if (!dim) return undefined;
  return rows.find((r) => r[dim] === 'All' || r[dim] === 'all');
}

/**
 * The last complete period's row with a visible value in `name`: headlines of activity in a
 * period skip the partial period at the end (four days of December against a whole November).
 */
export function latestComplete<M extends MetricName>(rows: MetricRow<M>[], date: string | undefined, name: NoInfer<ColumnName<M>> | undefined): MetricRow<M> | undefined {
  return latestWith(rows.filter((r) => r.complete !== false), date, name);
}

/** The last row in date order that has a visible value in `name`. */
export function latestWith<M extends MetricName>(rows: MetricRow<M>[], date: string | undefined, name: NoInfer<ColumnName<M>> | undefined): MetricRow<M> | undefined {
  if (!date || !name) return undefined;
  const sorted = [...rows].filter((r) => numberAt(r, name) !== null).sort((a, b) => String(a[date]).localeCompare(String(b[date])));
  return sorted[sorted.length - 1];
}

/** Keeps only the listed columns (in that order) of a result, for a focused table/CSV. */
export function pickColumns<T extends Pick<MetricResult, 'columns' | 'rows'>>(result: T, names: string[]): T {
  const columns = names.map((n) => result.columns.find((c) => c.name === n)).filter((c): c is Column => !!c);
  return { ...result, columns };
}
