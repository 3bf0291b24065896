import type { ColumnName, MetricName, MetricRow } from '../api/types.js';
import { num, toDate } from './values.js';

// Reading a time series out of a metric's rows (no Observable Plot here).

/** Points of a time series with a numeric column (suppressed and missing values dropped). */
export function series<M extends MetricName>(
  rows: MetricRow<M>[],
  period: string,
  value: NoInfer<ColumnName<M>>,
  extra: (r: MetricRow<M>) => Record<string, unknown> = () => ({}),
) {
  const out: Array<{ date: Date; value: number; period: string; partial: boolean } & Record<string, unknown>> = [];
  for (const r of rows) {
    const date = toDate(r[period]);
    const v = r._suppressed?.includes(value) ? null : num(r[value]);
    if (date && v !== null) out.push({ date, value: v, period: String(r[period]), partial: r.complete === false, ...extra(r) });
  }
  return out.sort((a, b) => a.date.getTime() - b.date.getTime());
}
