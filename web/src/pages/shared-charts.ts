import type { TableData } from '../components/ChartCard.js';
import { COLOURS, PARTIAL_OPACITY, Plot, base, intervalFor, isPartial, lineWithPartial, num, partialNote, tick, toDate } from '../charts/plots.js';
import { formatPeriod } from '../lib/format.js';
import { COLUMNS, dateCol } from '../lib/metric.js';
import { series } from './shared.js';

const periodTitle = (grain?: string) => (d: { period: string }) => formatPeriod(d.period, grain);

export function uptakeSeriesChart(d: TableData & { target: number | null }, width: number) {
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

export function activeChart(d: TableData, width: number) {
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

export function roiChart(d: TableData, width: number) {
  const period = dateCol(d) ?? COLUMNS.roi.period_start;
  const rows = d.rows
    .map((r) => ({
      date: toDate(r[period]),
      period: String(r[period]),
      savings: num(r[COLUMNS.roi.cumulative_savings_central_gbp]),
      low: num(r[COLUMNS.roi.cumulative_savings_low_gbp]),
      high: num(r[COLUMNS.roi.cumulative_savings_high_gbp]),
      cost: num(r[COLUMNS.roi.cumulative_cost_gbp]),
      partial: isPartial(r),
    }))
    .filter((r): r is typeof r & { date: Date } => r.date !== null)
    .sort((a, b) => a.date.getTime() - b.date.getTime());
  // The payback month is the roi metric's (programme-to-date, so it may be before the first month
  // drawn): marked only when it is one of the months shown, never guessed from the drawn rows.
  const paybackPeriod = d.rows.map((r) => r[COLUMNS.roi.payback_central]).find((p) => typeof p === 'string');
  const payback = rows.find((r) => r.period === paybackPeriod && r.savings !== null);
  return Plot.plot({
    ...base(width, 280, { marginLeft: 64 }),
    x: { type: 'utc', label: null },
    y: { label: '£ (cumulative)', grid: true, tickFormat: tick('gbp') },
    marks: [
      Plot.areaY(rows.filter((r) => r.low !== null && r.high !== null), { x: 'date', y1: 'low', y2: 'high', fill: '#a3d9b9', fillOpacity: 0.6 }),
      ...lineWithPartial(rows.filter((r) => r.savings !== null), { x: 'date', y: 'savings', stroke: COLOURS.green }),
      ...lineWithPartial(rows.filter((r) => r.cost !== null), { x: 'date', y: 'cost', stroke: COLOURS.red, label: false }),
      payback ? Plot.ruleX([payback.date], { stroke: COLOURS.text, strokeDasharray: '3 3' }) : null,
      payback ? Plot.dot([payback], { x: 'date', y: 'savings', r: 5, fill: COLOURS.text }) : null,
      payback
        ? Plot.text([payback], {
            x: 'date',
            y: 'savings',
            text: () => `Payback ${formatPeriod(payback.period, 'month')}`,
            dx: -8,
            dy: -14,
            textAnchor: 'end',
            fontWeight: 700,
            fill: COLOURS.text,
            stroke: 'white',
            strokeWidth: 4,
            paintOrder: 'stroke',
          })
        : null,
      Plot.ruleY([0]),
      Plot.tip(
        rows,
        Plot.pointerX({
          x: 'date',
          y: 'savings',
          title: (r: (typeof rows)[number]) =>
            `${formatPeriod(r.period, 'month')}\nSavings ${tick('gbp')(r.savings ?? 0)} (${tick('gbp')(r.low ?? 0)}–${tick('gbp')(r.high ?? 0)})\nCost ${tick('gbp')(r.cost ?? 0)}${partialNote(r)}`,
        }),
      ),
    ],
  });
}

/** Scopes shown by name in the objections chart; the rest are added up as "Other organisations". */
const NAMED_SCOPES = 4;

/**
 * Objections in force per period for the chart: all-organisation objections, the organisations
 * most objected to in the latest period, and the rest together as "Other organisations".
 */
export function objectionSeries(d: TableData): { order: string[]; pts: Array<{ date: Date; period: string; scope: string; value: number; partial: boolean }> } {
  const period = dateCol(d) ?? COLUMNS.consent.period_start;
  // One pass over the rows (a region has hundreds of scopes over a dozen periods): visible counts
  // per period and scope, and which period is the latest.
  const cells = new Map<string, Map<string, number>>();
  const partial = new Set<string>();
  let lastPeriod = '';
  for (const r of d.rows) {
    const value = r._suppressed?.includes(COLUMNS.consent.objections_in_force) ? null : num(r[COLUMNS.consent.objections_in_force]);
    const p = r[period];
    if (value === null || typeof p !== 'string' || p === '') continue;
    if (isPartial(r)) partial.add(p);
    const scope = r[COLUMNS.consent.scope] === '*' ? 'All organisations' : String(r[COLUMNS.consent.scope_name] ?? r[COLUMNS.consent.scope] ?? 'All');
    let byScope = cells.get(p);
    if (!byScope) cells.set(p, (byScope = new Map()));
    byScope.set(scope, (byScope.get(scope) ?? 0) + value);
    if (p > lastPeriod) lastPeriod = p;
  }
  // Objections to sharing with everyone first, then the organisations most objected to.
  const latest = new Map<string, number>();
  for (const byScope of cells.values()) for (const s of byScope.keys()) latest.set(s, 0);
  for (const [s, n] of cells.get(lastPeriod) ?? []) latest.set(s, n);
  const ranked = [...latest.entries()]
    .sort(([a, na], [b, nb]) => Number(b === 'All organisations') - Number(a === 'All organisations') || nb - na)
    .map(([s]) => s);
  const named = new Set(ranked.slice(0, NAMED_SCOPES));
  const order = [...ranked.filter((s) => named.has(s)), ...(ranked.length > NAMED_SCOPES ? ['Other organisations'] : [])];
  const pts: Array<{ date: Date; period: string; scope: string; value: number; partial: boolean }> = [];
  for (const [p, byScope] of [...cells.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const date = toDate(p);
    if (!date) continue;
    const grouped = new Map<string, number>();
    for (const [s, n] of byScope) {
      const scope = named.has(s) ? s : 'Other organisations';
      grouped.set(scope, (grouped.get(scope) ?? 0) + n);
    }
    for (const [scope, value] of grouped) pts.push({ date, period: p, scope, value, partial: partial.has(p) });
  }
  return { order, pts };
}

export function objectionsChart(d: TableData, width: number) {
  const { order, pts } = objectionSeries(d);
  // Bars per period (a level at the period's end), stacked by scope: the latest period is as
  // visible as the others, which a step area would draw with no width.
  return Plot.plot({
    ...base(width, 280),
    x: { type: 'utc', label: null },
    y: { label: 'Objections in force', grid: true, tickFormat: tick('count') },
    color: { legend: true, domain: order, range: [COLOURS.purple, COLOURS.pink, COLOURS.lightBlue, COLOURS.orange, COLOURS.midGrey] },
    marks: [
      Plot.rectY(pts, {
        x: 'date',
        interval: intervalFor(d.grain),
        inset: 0.5,
        y: 'value',
        fill: 'scope',
        fillOpacity: (p: (typeof pts)[number]) => (p.partial ? PARTIAL_OPACITY : 1),
        order,
        tip: true,
        title: (p: (typeof pts)[number]) => `${periodTitle(d.grain)(p)}\n${p.scope}: ${tick('count')(p.value)} in force${partialNote(p)}`,
      }),
      Plot.ruleY([0]),
    ],
  });
}

/** A trust or community service: patients activated there and patients its records reached. */
export function providerChart(d: TableData, width: number) {
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
