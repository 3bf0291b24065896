// Charts of the uptake metric: uptake against target over time, and for a trust or community
// service (no registered list) the patients activated there and reached by its record feeds.
import type { MetricRow } from '../api/types.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { COLUMNS, dateCol } from '../lib/metric.js';
import { COLOURS, Plot, base, lineWithPartial, partialNote, periodTitle, tick } from './plots.js';
import { series } from './series.js';

export function uptakeSeriesChart(d: TableData<MetricRow<'uptake'>> & { target: number | null }, { width }: ChartSize) {
  const pts = series(d.rows, dateCol(d) ?? COLUMNS.uptake.period_start, COLUMNS.uptake.uptake_pct);
  const max = Math.max(d.target ?? 0, ...pts.map((p) => p.value), 1);
  return Plot.plot({
    ...base(width, 280),
    x: { type: 'utc', label: null },
    y: { label: 'Uptake (%)', grid: true, domain: [0, Math.ceil((max * 1.15) / 5) * 5], tickFormat: tick('percent') },
    marks: [
      Plot.areaY(pts, { x: 'date', y1: 0, y2: 'value', fill: COLOURS.blue, fillOpacity: 0.08, curve: 'monotone-x' }),
      ...lineWithPartial(pts, { x: 'date', y: 'value', stroke: COLOURS.blue, curve: 'monotone-x', dots: true }),
      d.target !== null ? Plot.ruleY([d.target], { stroke: COLOURS.orange, strokeWidth: 2, strokeDasharray: '6 4' }) : null,
      Plot.ruleY([0]),
      Plot.tip(
        pts,
        Plot.pointerX({
          x: 'date',
          y: 'value',
          title: (p: { period: string; value: number; partial: boolean }) => `${periodTitle(d.grain)(p)}\nUptake ${tick('percent')(p.value)}${partialNote(p)}`,
        }),
      ),
    ],
  });
}

/** A trust or community service: patients activated there and patients its records reached. */
export function providerChart(d: TableData<MetricRow<'uptake'>>, { width }: ChartSize) {
  const period = dateCol(d) ?? COLUMNS.uptake.period_start;
  const activated = series(d.rows, period, COLUMNS.uptake.activated).map((p) => ({ ...p, what: 'Activated here' }));
  const reached = series(d.rows, period, COLUMNS.uptake.reached_by_feeds).map((p) => ({ ...p, what: 'Reached by its record feeds' }));
  const pts = [...activated, ...reached];
  return Plot.plot({
    ...base(width, 280),
    x: { type: 'utc', label: null },
    y: { label: 'Patients', grid: true, tickFormat: tick('count') },
    color: { domain: ['Activated here', 'Reached by its record feeds'], range: [COLOURS.blue, COLOURS.aqua] },
    marks: [
      Plot.lineY(pts, { x: 'date', y: 'value', stroke: 'what', strokeWidth: 2.5 }),
      Plot.ruleY([0]),
      Plot.dot(pts.filter((p) => p.partial), { x: 'date', y: 'value', stroke: 'what', fill: 'white', strokeWidth: 2, r: 4 }),
      Plot.tip(pts, Plot.pointer({ x: 'date', y: 'value', title: (p: { period: string; value: number; what: string; partial: boolean }) => `${periodTitle(d.grain)(p)}\n${p.what}: ${tick('count')(p.value)}${partialNote(p)}` })),
    ],
  });
}
