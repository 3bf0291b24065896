import type { MetricRow } from '../api/types.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { num } from '../charts/values.js';
import { COLUMNS, dateCol } from '../lib/metric.js';

/**
 * Objections in force per period, all scopes together (the consent metric has a row per scope).
 * A period with a hidden scope count is shown as at least the visible total, and flagged. The
 * totals are consent rows (two of its columns), so pages read them by the consent metric's names.
 */
export function objectionTotals(d: TableData<MetricRow<'consent'>>): TableData<MetricRow<'consent'>> & { partial: Set<string> } {
  const period = dateCol(d) ?? COLUMNS.consent.period_start;
  const totals = new Map<string, { n: number; hidden: boolean }>();
  for (const r of d.rows) {
    const key = String(r[period]);
    const t = totals.get(key) ?? { n: 0, hidden: false };
    if (r._suppressed?.includes(COLUMNS.consent.objections_in_force)) t.hidden = true;
    else t.n += num(r[COLUMNS.consent.objections_in_force]) ?? 0;
    totals.set(key, t);
  }
  const rows: MetricRow<'consent'>[] = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, t]) => ({ [period]: k, [COLUMNS.consent.objections_in_force]: t.n }));
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

// The charts the headline pages share (web/src/charts/<metric>.ts, with Observable Plot) are
// loaded together on first use. Pages get them through these wrappers, so a page can ask for its
// data while Plot is still loading (the first view is faster).
type ChartModule = typeof import('../charts/headline.js');
let chartModule: Promise<ChartModule> | undefined;
export const loadSharedCharts = (): Promise<ChartModule> => (chartModule ??= import('../charts/headline.js'));

function lazyChart<K extends 'uptakeSeriesChart' | 'providerChart' | 'activeChart' | 'roiChart' | 'objectionsChart'>(name: K) {
  return (d: Parameters<ChartModule[K]>[0], size: ChartSize) =>
    loadSharedCharts().then((m) => (m[name] as (d: unknown, size: ChartSize) => ReturnType<ChartModule[K]>)(d, size));
}

export const uptakeSeriesChart = lazyChart('uptakeSeriesChart');
export const providerChart = lazyChart('providerChart');
export const activeChart = lazyChart('activeChart');
export const roiChart = lazyChart('roiChart');
export const objectionsChart = lazyChart('objectionsChart');
