// Charts of the data_accumulation metric.
import type { MetricRow } from '../api/types.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { formatCount, formatPercent, formatPeriod } from '../lib/format.js';
import { COLUMNS, dateCol, numberAt, stringAt, withoutTotal } from '../lib/metric.js';
import { COLOURS, PARTIAL_OPACITY, Plot, SERIES, base, intervalFor, isPartial, partialNote, tick, toDate } from './plots.js';

/** Patients with data from at least n sources: the count and share columns of data_accumulation. */
export const SOURCES = [
  { n: 1, name: COLUMNS.data_accumulation.with_1_source, pct: COLUMNS.data_accumulation.with_1_source_pct },
  { n: 2, name: COLUMNS.data_accumulation.with_2_sources, pct: COLUMNS.data_accumulation.with_2_sources_pct },
  { n: 3, name: COLUMNS.data_accumulation.with_3_sources, pct: COLUMNS.data_accumulation.with_3_sources_pct },
] as const;

export function feedsChart(d: TableData<MetricRow<'data_accumulation'>> & { orgName: (c: string) => string }, { width }: ChartSize) {
  const period = dateCol(d) ?? COLUMNS.data_accumulation.period_start;
  const dim = COLUMNS.data_accumulation.breakdown;
  const raw = withoutTotal(d.rows, dim)
    .map((r) => ({ date: toDate(r[period]), period: String(r[period]), code: String(stringAt(r, dim)), v: numberAt(r, COLUMNS.data_accumulation.items), partial: isPartial(r) }))
    .filter((p): p is { date: Date; period: string; code: string; v: number; partial: boolean } => p.date !== null && p.v !== null);
  // The biggest sources by name, the rest together, so the colours stay tellable apart.
  const totals = new Map<string, number>();
  for (const p of raw) totals.set(p.code, (totals.get(p.code) ?? 0) + p.v);
  const top = new Set([...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([c]) => c));
  const grouped = new Map<string, { date: Date; period: string; source: string; v: number; partial: boolean }>();
  for (const p of raw) {
    const source = top.has(p.code) ? d.orgName(p.code) : 'Other sources';
    const key = `${p.period}|${source}`;
    const g = grouped.get(key) ?? { date: p.date, period: p.period, source, v: 0, partial: p.partial };
    g.v += p.v;
    grouped.set(key, g);
  }
  const pts = [...grouped.values()];
  const order = [...[...top].map((c) => d.orgName(c)), ...(totals.size > top.size ? ['Other sources'] : [])];
  return Plot.plot({
    ...base(width, 300, { marginLeft: 64 }),
    x: { type: 'utc', label: null },
    y: { label: 'Items received', grid: true, tickFormat: tick('count') },
    color: { legend: true, domain: order, range: [...SERIES.slice(0, 6), COLOURS.midGrey] },
    marks: [
      Plot.rectY(pts, {
        x: 'date',
        interval: intervalFor(d.grain),
        inset: 0.5,
        y: 'v',
        fill: 'source',
        fillOpacity: (p: (typeof pts)[number]) => (p.partial ? PARTIAL_OPACITY : 1),
        order,
        tip: true,
        title: (p: (typeof pts)[number]) => `${formatPeriod(p.period, d.grain)}\n${p.source}: ${formatCount(p.v)} items${partialNote(p)}`,
      }),
      Plot.ruleY([0]),
    ],
  });
}

export function sourcesChart(d: TableData<MetricRow<'data_accumulation'>> & { n: number }, { width }: ChartSize) {
  const period = dateCol(d) ?? COLUMNS.data_accumulation.period_start;
  const long: Array<{ date: Date; period: string; n: number; pct: number }> = [];
  for (const r of d.rows) {
    const date = toDate(r[period]);
    if (!date) continue;
    for (const s of SOURCES) {
      const pct = numberAt(r, s.pct);
      if (pct !== null) long.push({ date, period: String(r[period]), n: s.n, pct });
    }
  }
  return Plot.plot({
    ...base(width, 280),
    x: { type: 'utc', label: null },
    y: { label: 'Patients (%)', grid: true, tickFormat: tick('percent'), domain: [0, 100] },
    color: { domain: SOURCES.map((s) => s.n), range: SERIES },
    marks: [
      Plot.lineY(long.filter((p) => p.n !== d.n), { x: 'date', y: 'pct', stroke: 'n', z: 'n', strokeWidth: 1.5, strokeDasharray: '5 4' }),
      Plot.lineY(long.filter((p) => p.n === d.n), { x: 'date', y: 'pct', stroke: 'n', strokeWidth: 3.5 }),
      Plot.ruleY([0]),
      Plot.tip(long, Plot.pointer({ x: 'date', y: 'pct', title: (p: (typeof long)[number]) => `${formatPeriod(p.period, d.grain)}\n${formatPercent(p.pct)} with ${p.n}+ sources` })),
    ],
  });
}
