// Charts of the active_users metric.
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { COLUMNS, dateCol } from '../lib/metric.js';
import { COLOURS, Plot, base, lineWithPartial, partialNote, periodTitle, tick } from './plots.js';
import { series } from './series.js';

export function activeChart(d: TableData, { width }: ChartSize) {
  const pts = series(d.rows, dateCol(d) ?? COLUMNS.active_users.period_start, COLUMNS.active_users.active_patients);
  return Plot.plot({
    ...base(width, 280),
    x: { type: 'utc', label: null },
    y: { label: 'Active patients', grid: true, tickFormat: tick('count') },
    marks: [
      // The partial period is left out of the filled area: only its dashed line and hollow dot show it.
      Plot.areaY(pts.filter((p) => !p.partial), { x: 'date', y1: 0, y2: 'value', fill: COLOURS.aqua, fillOpacity: 0.12 }),
      ...lineWithPartial(pts, { x: 'date', y: 'value', stroke: COLOURS.aqua }),
      Plot.ruleY([0]),
      Plot.tip(
        pts,
        Plot.pointerX({
          x: 'date',
          y: 'value',
          title: (p: { period: string; value: number; partial: boolean }) => `${periodTitle(d.grain)(p)}\n${tick('count')(p.value)} active patients${partialNote(p)}`,
        }),
      ),
    ],
  });
}
