import type { Row } from '../api/types.js';
import type { TableData } from '../components/ChartCard.js';
import { COLOURS, Plot, base, num, tick, toDate } from '../charts/plots.js';
import { formatPeriod } from '../lib/format.js';
import { dateCol } from '../lib/metric.js';

// Column names of the metrics the pages read (see server/metrics and queries/metrics).
export const U = {
  period: 'period_start',
  org: 'org_code',
  name: 'org_name',
  pct: 'uptake_pct',
  activated: 'activated',
  eligible: 'eligible',
  target: 'target_pct',
} as const;
export const A = { period: 'period_start', active: 'active_patients', logins: 'logins', events: 'events' } as const;
export const R = {
  period: 'period_start',
  savings: 'savings_central_gbp',
  cumSavings: 'cumulative_savings_central_gbp',
  cumLow: 'cumulative_savings_low_gbp',
  cumHigh: 'cumulative_savings_high_gbp',
  cost: 'cost_gbp',
  cumCost: 'cumulative_cost_gbp',
  payback: 'payback_central',
} as const;
export const C = { period: 'period_start', inForce: 'objections_in_force', scope: 'scope', scopeName: 'scope_name' } as const;

/**
 * Objections in force per period, all scopes together (the consent metric has a row per scope).
 * A period with a hidden scope count is shown as at least the visible total, and flagged.
 */
export function objectionTotals(d: TableData): TableData & { partial: Set<string> } {
  const period = dateCol(d) ?? C.period;
  const totals = new Map<string, { n: number; hidden: boolean }>();
  for (const r of d.rows) {
    const key = String(r[period]);
    const t = totals.get(key) ?? { n: 0, hidden: false };
    if (r._suppressed?.includes(C.inForce)) t.hidden = true;
    else t.n += num(r[C.inForce]) ?? 0;
    totals.set(key, t);
  }
  const rows: Row[] = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, t]) => ({ [period]: k, [C.inForce]: t.n }));
  return {
    columns: [
      { name: period, label: 'Period', type: 'date' },
      { name: C.inForce, label: 'Objections in force (all scopes)', type: 'number', unit: 'count' },
    ],
    rows,
    grain: d.grain,
    suppression: d.suppression,
    partial: new Set([...totals.entries()].filter(([, t]) => t.hidden).map(([k]) => k)),
  };
}

/** Points of a time series with a numeric column (suppressed and missing values dropped). */
export function series(rows: Row[], period: string, value: string, extra: (r: Row) => Record<string, unknown> = () => ({})) {
  const out: Array<{ date: Date; value: number; period: string } & Record<string, unknown>> = [];
  for (const r of rows) {
    const date = toDate(r[period]);
    const v = r._suppressed?.includes(value) ? null : num(r[value]);
    if (date && v !== null) out.push({ date, value: v, period: String(r[period]), ...extra(r) });
  }
  return out.sort((a, b) => a.date.getTime() - b.date.getTime());
}

const periodTitle = (grain?: string) => (d: { period: string }) => formatPeriod(d.period, grain);

export function uptakeSeriesChart(d: TableData & { target: number | null }, width: number) {
  const pts = series(d.rows, dateCol(d) ?? U.period, U.pct);
  const max = Math.max(d.target ?? 0, ...pts.map((p) => p.value), 1);
  return Plot.plot({
    ...base(width, 280),
    x: { type: 'utc', label: null },
    y: { label: 'Uptake (%)', grid: true, domain: [0, Math.ceil((max * 1.15) / 5) * 5], tickFormat: tick('percent') },
    marks: [
      Plot.areaY(pts, { x: 'date', y: 'value', fill: COLOURS.blue, fillOpacity: 0.08, curve: 'monotone-x' }),
      Plot.lineY(pts, { x: 'date', y: 'value', stroke: COLOURS.blue, strokeWidth: 2.5, curve: 'monotone-x' }),
      Plot.dot(pts, { x: 'date', y: 'value', fill: COLOURS.blue, r: 2.5 }),
      d.target !== null ? Plot.ruleY([d.target], { stroke: COLOURS.orange, strokeWidth: 2, strokeDasharray: '6 4' }) : null,
      Plot.ruleY([0]),
      Plot.tip(
        pts,
        Plot.pointerX({
          x: 'date',
          y: 'value',
          title: (p: { period: string; value: number }) => `${periodTitle(d.grain)(p)}\nUptake ${tick('percent')(p.value)}`,
        }),
      ),
    ],
  });
}

export function activeChart(d: TableData, width: number) {
  const pts = series(d.rows, dateCol(d) ?? A.period, A.active);
  return Plot.plot({
    ...base(width, 280),
    x: { type: 'utc', label: null },
    y: { label: 'Active patients', grid: true, tickFormat: tick('count') },
    marks: [
      Plot.areaY(pts, { x: 'date', y: 'value', fill: COLOURS.aqua, fillOpacity: 0.12 }),
      Plot.lineY(pts, { x: 'date', y: 'value', stroke: COLOURS.aqua, strokeWidth: 2.5 }),
      Plot.ruleY([0]),
      Plot.tip(
        pts,
        Plot.pointerX({
          x: 'date',
          y: 'value',
          title: (p: { period: string; value: number }) => `${periodTitle(d.grain)(p)}\n${tick('count')(p.value)} active patients`,
        }),
      ),
    ],
  });
}

export function roiChart(d: TableData, width: number) {
  const period = dateCol(d) ?? R.period;
  const rows = d.rows
    .map((r) => ({
      date: toDate(r[period]),
      period: String(r[period]),
      savings: num(r[R.cumSavings]),
      low: num(r[R.cumLow]),
      high: num(r[R.cumHigh]),
      cost: num(r[R.cumCost]),
    }))
    .filter((r): r is typeof r & { date: Date } => r.date !== null)
    .sort((a, b) => a.date.getTime() - b.date.getTime());
  const payback = rows.find((r) => r.savings !== null && r.cost !== null && r.cost > 0 && r.savings >= r.cost);
  return Plot.plot({
    ...base(width, 280, { marginLeft: 64 }),
    x: { type: 'utc', label: null },
    y: { label: '£ (cumulative)', grid: true, tickFormat: tick('gbp') },
    marks: [
      Plot.areaY(rows.filter((r) => r.low !== null && r.high !== null), { x: 'date', y1: 'low', y2: 'high', fill: '#a3d9b9', fillOpacity: 0.6 }),
      Plot.lineY(rows.filter((r) => r.savings !== null), { x: 'date', y: 'savings', stroke: COLOURS.green, strokeWidth: 2.5 }),
      Plot.lineY(rows.filter((r) => r.cost !== null), { x: 'date', y: 'cost', stroke: COLOURS.red, strokeWidth: 2.5 }),
      payback ? Plot.ruleX([payback.date], { stroke: COLOURS.text, strokeDasharray: '3 3' }) : null,
      payback
        ? Plot.text([payback], { x: 'date', y: 'savings', text: () => 'Payback', dx: 6, dy: -10, textAnchor: 'start', fontWeight: 700 })
        : null,
      Plot.ruleY([0]),
      Plot.tip(
        rows,
        Plot.pointerX({
          x: 'date',
          y: 'savings',
          title: (r: (typeof rows)[number]) =>
            `${formatPeriod(r.period, 'month')}\nSavings ${tick('gbp')(r.savings ?? 0)} (${tick('gbp')(r.low ?? 0)}–${tick('gbp')(r.high ?? 0)})\nCost ${tick('gbp')(r.cost ?? 0)}`,
        }),
      ),
    ],
  });
}

export function objectionsChart(d: TableData, width: number) {
  const period = dateCol(d) ?? C.period;
  const pts = d.rows
    .map((r) => ({
      date: toDate(r[period]),
      period: String(r[period]),
      scope: String(r[C.scopeName] ?? r[C.scope] ?? 'All'),
      value: r._suppressed?.includes(C.inForce) ? null : num(r[C.inForce]),
    }))
    .filter((p): p is { date: Date; period: string; scope: string; value: number } => p.date !== null && p.value !== null)
    .sort((a, b) => a.date.getTime() - b.date.getTime());
  return Plot.plot({
    ...base(width, 280),
    x: { type: 'utc', label: null },
    y: { label: 'Objections in force', grid: true, tickFormat: tick('count') },
    color: { legend: true, range: [COLOURS.purple, COLOURS.pink, COLOURS.lightBlue, COLOURS.orange, COLOURS.aqua, COLOURS.grey] },
    marks: [
      Plot.areaY(pts, { x: 'date', y: 'value', fill: 'scope', curve: 'step-after', fillOpacity: 0.85 }),
      Plot.ruleY([0]),
      Plot.tip(
        pts,
        Plot.pointer(
          Plot.stackY({
            x: 'date',
            y: 'value',
            z: 'scope',
            title: (p: { period: string; value: number; scope: string }) => `${periodTitle(d.grain)(p)}\n${p.scope}: ${tick('count')(p.value)} in force`,
          }),
        ),
      ),
    ],
  });
}
