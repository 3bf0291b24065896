// Charts of the active_users metric.
import type { ColumnName, MetricRow } from '../api/types.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { formatCount, formatPercent, formatPeriod, valueLabel } from '../lib/format.js';
import { COLUMNS, dateCol, numberAt, withoutTotal } from '../lib/metric.js';
import { COLOURS, PARTIAL_OPACITY, Plot, SERIES, base, intervalFor, isPartial, lineWithPartial, num, partialNote, periodTitle, tick, toDate } from './plots.js';
import { series } from './series.js';

export function activeChart(d: TableData<MetricRow<'active_users'>>, { width }: ChartSize) {
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

export function featureChart(d: TableData<MetricRow<'active_users'>>, { width }: ChartSize) {
  const dim = d.columns[0]!.name;
  const bars = d.rows.map((r) => ({ key: valueLabel(String(r[dim])), events: num(r.events) ?? 0 }));
  return Plot.plot({
    // Room on the right for the longest bar's count label.
    ...base(width, Math.max(200, bars.length * 26 + 50), { marginLeft: 170, marginRight: 64 }),
    x: { label: 'Events', grid: true, tickFormat: tick('count') },
    y: { label: null, domain: bars.map((b) => b.key) },
    marks: [
      Plot.barX(bars, { y: 'key', x: 'events', fill: COLOURS.blue }),
      Plot.text(bars, { y: 'key', x: 'events', text: (b: (typeof bars)[number]) => formatCount(b.events), dx: 4, textAnchor: 'start', fill: COLOURS.text }),
      Plot.ruleX([0]),
      Plot.tip(bars, Plot.pointerY({ y: 'key', x: 'events', title: (b: (typeof bars)[number]) => `${b.key}\n${formatCount(b.events)} events` })),
    ],
  });
}

export function stickinessChart(d: TableData<MetricRow<'active_users'>> & { stick?: ColumnName<'active_users'> }, { width }: ChartSize) {
  const period = dateCol(d) ?? COLUMNS.active_users.period_start;
  const pts = d.rows
    .map((r) => ({ date: toDate(r[period]), period: String(r[period]), v: numberAt(r, d.stick), partial: isPartial(r) }))
    .filter((p): p is { date: Date; period: string; v: number; partial: boolean } => p.date !== null && p.v !== null);
  return Plot.plot({
    ...base(width, 260),
    x: { type: 'utc', label: null },
    y: { label: 'Stickiness (%)', grid: true, tickFormat: tick('percent'), domain: [0, Math.max(10, ...pts.map((p) => p.v)) * 1.2] },
    marks: [
      ...lineWithPartial(pts, { x: 'date', y: 'v', stroke: COLOURS.purple, dots: true }),
      Plot.ruleY([0]),
      Plot.tip(pts, Plot.pointerX({ x: 'date', y: 'v', title: (p: (typeof pts)[number]) => `${formatPeriod(p.period, d.grain)}\nStickiness ${formatPercent(p.v)}${partialNote(p)}` })),
    ],
  });
}

export function platformChart(d: TableData<MetricRow<'active_users'>>, { width }: ChartSize) {
  const period = dateCol(d) ?? COLUMNS.active_users.period_start;
  const dim = COLUMNS.active_users.breakdown;
  const pts = withoutTotal(d.rows, dim)
    .map((r) => ({ date: toDate(r[period]), period: String(r[period]), platform: valueLabel(String(r[dim])), v: numberAt(r, COLUMNS.active_users.events), partial: isPartial(r) }))
    .filter((p): p is { date: Date; period: string; platform: string; v: number; partial: boolean } => p.date !== null && p.v !== null);
  return Plot.plot({
    ...base(width, 280),
    x: { type: 'utc', label: null },
    y: { label: 'Usage events', grid: true, tickFormat: tick('count') },
    color: { legend: true, range: SERIES },
    marks: [
      Plot.rectY(pts, {
        x: 'date',
        interval: intervalFor(d.grain),
        y: 'v',
        fill: 'platform',
        fillOpacity: (p: (typeof pts)[number]) => (p.partial ? PARTIAL_OPACITY : 1),
        inset: 0.5,
        tip: true,
        title: (p: (typeof pts)[number]) => `${formatPeriod(p.period, d.grain)}\n${p.platform}: ${formatCount(p.v)} events${partialNote(p)}`,
      }),
      Plot.ruleY([0]),
    ],
  });
}
