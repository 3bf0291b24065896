// Charts of the equity metric.
import type { Breakdown, MetricRow } from '../api/types.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { formatCount, formatPercent } from '../lib/format.js';
import { COLUMNS, numberAt } from '../lib/metric.js';
import { COLOURS, Plot, base, tick } from './plots.js';

export interface EquityData extends TableData<MetricRow<'equity'>> {
  overall: number | null;
  by: Breakdown;
  /** Most deprived (deciles 1–2) and least deprived (9–10) fifths, and the gap in points. */
  quintiles: { most: number | null; least: number | null; gap: number | null };
}

export function equityChart(d: EquityData, { width }: ChartSize) {
  const bars = d.rows
    .map((r) => ({ group: String(r.group), pct: numberAt(r, COLUMNS.equity.uptake_pct), n: numberAt(r, COLUMNS.equity.population), hidden: !!r._suppressed?.includes(COLUMNS.equity.uptake_pct) }))
    .filter((b) => b.group);
  const shown = bars.filter((b): b is typeof b & { pct: number } => b.pct !== null);
  const max = Math.max(d.overall ?? 0, ...shown.map((b) => b.pct), 5);
  return Plot.plot({
    ...base(width, 280, { marginBottom: d.by === 'imd_decile' ? 50 : 40 }),
    x: { label: null, domain: bars.map((b) => b.group), tickRotate: d.by === 'imd_decile' && width < 700 ? -30 : 0 },
    y: { label: 'Uptake (%)', grid: true, tickFormat: tick('percent'), domain: [0, max * 1.15] },
    marks: [
      Plot.barY(shown, { x: 'group', y: 'pct', fill: d.by === 'imd_decile' ? COLOURS.purple : d.by === 'age_band' ? COLOURS.blue : COLOURS.aqua }),
      // The overall line first, then the labels with a white halo, so a label on the line stays readable.
      d.overall !== null ? Plot.ruleY([d.overall], { stroke: COLOURS.text, strokeDasharray: '6 4', strokeWidth: 1.5 }) : null,
      Plot.text(shown, { x: 'group', y: 'pct', text: (b: (typeof shown)[number]) => formatPercent(b.pct), dy: -8, fontSize: 11, stroke: 'white', strokeWidth: 3, paintOrder: 'stroke', fill: COLOURS.text }),
      Plot.text(bars.filter((b) => b.hidden), { x: 'group', y: 0, text: () => '*', dy: -8, fontWeight: 700 }),
      Plot.ruleY([0]),
      Plot.tip(
        shown,
        Plot.pointerX({
          x: 'group',
          y: 'pct',
          title: (b: (typeof shown)[number]) => `${b.group}\nUptake ${formatPercent(b.pct)}${b.n !== null ? ` of ${formatCount(b.n)} patients` : ''}`,
        }),
      ),
    ],
  });
}
