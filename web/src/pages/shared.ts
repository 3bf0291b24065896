import type { Row } from '../api/types.js';
import type { TableData } from '../components/ChartCard.js';
import { num, toDate } from '../charts/values.js';
import { COLUMNS, dateCol } from '../lib/metric.js';

/**
 * Objections in force per period, all scopes together (the consent metric has a row per scope).
 * A period with a hidden scope count is shown as at least the visible total, and flagged.
 */
export function objectionTotals(d: TableData): TableData & { partial: Set<string> } {
  const period = dateCol(d) ?? COLUMNS.consent.period_start;
  const totals = new Map<string, { n: number; hidden: boolean }>();
  for (const r of d.rows) {
    const key = String(r[period]);
    const t = totals.get(key) ?? { n: 0, hidden: false };
    if (r._suppressed?.includes(COLUMNS.consent.objections_in_force)) t.hidden = true;
    else t.n += num(r[COLUMNS.consent.objections_in_force]) ?? 0;
    totals.set(key, t);
  }
  const rows: Row[] = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, t]) => ({ [period]: k, [COLUMNS.consent.objections_in_force]: t.n }));
  return {
    columns: [
      { name: period, label: 'Period', type: 'date' },
      { name: COLUMNS.consent.objections_in_force, label: 'Objections in force (all scopes)', type: 'number', unit: 'count' },
    ],
    rows,
    grain: d.grain,
    suppression: d.suppression,
    partial: new Set([...totals.entries()].filter(([, t]) => t.hidden).map(([k]) => k)),
  };
}

/** Points of a time series with a numeric column (suppressed and missing values dropped). */
export function series(rows: Row[], period: string, value: string, extra: (r: Row) => Record<string, unknown> = () => ({})) {
  const out: Array<{ date: Date; value: number; period: string; partial: boolean } & Record<string, unknown>> = [];
  for (const r of rows) {
    const date = toDate(r[period]);
    const v = r._suppressed?.includes(value) ? null : num(r[value]);
    if (date && v !== null) out.push({ date, value: v, period: String(r[period]), partial: r.complete === false, ...extra(r) });
  }
  return out.sort((a, b) => a.date.getTime() - b.date.getTime());
}

// The chart functions live in shared-charts.ts with Observable Plot. Pages get them through these
// wrappers, so a page can ask for its data while Plot is still loading (the first view is faster).
type ChartModule = typeof import('./shared-charts.js');
let chartModule: Promise<ChartModule> | undefined;
export const loadSharedCharts = (): Promise<ChartModule> => (chartModule ??= import('./shared-charts.js'));

function lazyChart<K extends 'uptakeSeriesChart' | 'providerChart' | 'activeChart' | 'roiChart' | 'objectionsChart'>(name: K) {
  return (d: Parameters<ChartModule[K]>[0], width: number) =>
    loadSharedCharts().then((m) => (m[name] as (d: unknown, w: number) => ReturnType<ChartModule[K]>)(d, width));
}

export const uptakeSeriesChart = lazyChart('uptakeSeriesChart');
export const providerChart = lazyChart('providerChart');
export const activeChart = lazyChart('activeChart');
export const roiChart = lazyChart('roiChart');
export const objectionsChart = lazyChart('objectionsChart');
