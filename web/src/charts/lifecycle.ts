// Charts of the lifecycle metric.
import type { MetricRow } from '../api/types.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { formatCount, formatNumber, formatPeriod } from '../lib/format.js';
import { COLUMNS, dateCol, numberAt } from '../lib/metric.js';
import { COLOURS, PARTIAL_OPACITY, Plot, base, intervalFor, isPartial, partialNote, toDate } from './plots.js';

export const LIFECYCLE = [
  COLUMNS.lifecycle.new_users,
  COLUMNS.lifecycle.returning_users,
  COLUMNS.lifecycle.resurrecting_users,
  COLUMNS.lifecycle.dormant_users,
] as const;

export const LIFECYCLE_LABELS: Record<string, string> = {
  new_users: 'New',
  returning_users: 'Returning',
  resurrecting_users: 'Came back',
  dormant_users: 'Went quiet',
};

export const LIFECYCLE_COLOURS: Record<string, string> = {
  new_users: COLOURS.blue,
  returning_users: COLOURS.aqua,
  resurrecting_users: COLOURS.purple,
  dormant_users: COLOURS.midGrey,
};

export function lifecycleChart(d: TableData<MetricRow<'lifecycle'>>, { width }: ChartSize) {
  const period = dateCol(d) ?? COLUMNS.lifecycle.period_start;
  const long: Array<{ date: Date; period: string; kind: string; v: number; partial: boolean }> = [];
  for (const r of d.rows) {
    const date = toDate(r[period]);
    if (!date) continue;
    for (const k of LIFECYCLE) {
      const v = numberAt(r, k);
      if (v === null) continue;
      long.push({ date, period: String(r[period]), kind: k, v: k === 'dormant_users' ? -v : v, partial: isPartial(r) });
    }
  }
  return Plot.plot({
    ...base(width, 300),
    x: { type: 'utc', label: null },
    y: { label: 'Patients', grid: true, tickFormat: (v: number) => formatNumber(Math.abs(v), 'count', true) },
    color: { domain: [...LIFECYCLE], range: LIFECYCLE.map((k) => LIFECYCLE_COLOURS[k]!) },
    marks: [
      Plot.rectY(long, {
        x: 'date',
        interval: intervalFor(d.grain),
        inset: 0.5,
        y: 'v',
        fill: 'kind',
        fillOpacity: (p: (typeof long)[number]) => (p.partial ? PARTIAL_OPACITY : 1),
        order: [...LIFECYCLE],
        tip: true,
        title: (p: (typeof long)[number]) => `${formatPeriod(p.period, d.grain)}\n${LIFECYCLE_LABELS[p.kind]}: ${formatCount(Math.abs(p.v))}${partialNote(p)}`,
      }),
      Plot.ruleY([0], { stroke: COLOURS.text }),
    ],
  });
}
