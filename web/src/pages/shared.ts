import { ALL_SCOPES } from '../../../server/metrics/catalogue-data.js';
import type { MetricRow } from '../api/types.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { COLUMNS, dateCol, numberAt } from '../lib/metric.js';

/**
 * Objections in force at the latest period: the consent metric's total of every scope (scope
 * ALL_SCOPES, consent.sql), published by the server with the usual disclosure control (a hidden
 * scope cannot be worked out from it). The one owner of the figure the Overview, Data & consent
 * and the Report show: nothing is added up here. `n` is null when the total itself is hidden.
 */
export function latestObjections(d: TableData<MetricRow<'consent'>>): { n: number | null; period: string } | null {
  const period = dateCol(d) ?? COLUMNS.consent.period_start;
  let last: MetricRow<'consent'> | undefined;
  for (const r of d.rows) {
    if (r[COLUMNS.consent.scope] !== ALL_SCOPES) continue;
    if (!last || String(r[period]) > String(last[period])) last = r;
  }
  return last ? { n: numberAt(last, COLUMNS.consent.objections_in_force), period: String(last[period]) } : null;
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
