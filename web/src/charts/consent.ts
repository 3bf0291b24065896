// Charts of the consent metric.
import { ALL_SCOPES } from '../../../server/metrics/catalogue-data.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { COLUMNS, dateCol } from '../lib/metric.js';
import { COLOURS, PARTIAL_OPACITY, Plot, base, intervalFor, isPartial, num, partialNote, periodTitle, tick, toDate } from './plots.js';

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
    // The total of every scope is the tiles' figure; the bars are its scopes.
    if (r[COLUMNS.consent.scope] === ALL_SCOPES) continue;
    const value = r._suppressed?.includes(COLUMNS.consent.objections_in_force) ? null : num(r[COLUMNS.consent.objections_in_force]);
    const p = r[period];
    if (value === null || typeof p !== 'string' || p === '') continue;
    if (isPartial(r)) partial.add(p);
    const scope = r[COLUMNS.consent.scope] === '*' ? 'All organisations' : String(r[COLUMNS.consent.scope_name] ?? r[COLUMNS.consent.scope] ?? 'All');
    let byScope = cells.get(p);
    if (!byScope) {
      byScope = new Map();
      cells.set(p, byScope);
    }
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

export function objectionsChart(d: TableData, { width }: ChartSize) {
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
