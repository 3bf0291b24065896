// Charts of the funnel metric (with the campaigns of campaign_impact drawn as bands).
import type { MetricRow } from '../api/types.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { formatCount, formatDay, formatPercent, formatPeriod, valueLabel } from '../lib/format.js';
import { COLUMNS, dateCol, numberAt, stringAt, withoutTotal } from '../lib/metric.js';
import { COLOURS, Plot, SERIES, base, isPartial, lineWithPartial, partialNote, tick, toDate } from './plots.js';

export function funnelChart(d: TableData<MetricRow<'funnel'>>, { width }: ChartSize) {
  const dim = COLUMNS.funnel.breakdown;
  const rows = withoutTotal(d.rows, dim);
  const long: Array<{ channel: string; step: string; pct: number; n: number }> = [];
  for (const r of rows) {
    for (const s of STEPS.slice(1)) {
      // The rates of the table beside it (sumOverPeriods), not worked out again here.
      const n = numberAt(r, s.name);
      const pct = s.ofInvited ? r[s.ofInvited] : null;
      if (n === null || typeof pct !== 'number') continue;
      long.push({ channel: valueLabel(String(stringAt(r, dim))), step: s.label, pct, n });
    }
  }
  const channels = [...new Set(long.map((l) => l.channel))];
  const stepLabels = STEPS.slice(1).map((s) => s.label);
  return Plot.plot({
    // Room on the right for the labels; a channel can pass 100% (more of its cohort registered than
    // were invited: a first step other than an invitation), so the axis reaches the longest bar.
    ...base(width, Math.max(240, channels.length * 62 + 50), { marginLeft: 190, marginRight: 56 }),
    x: { label: 'Share of invited patients (%)', grid: true, tickFormat: tick('percent'), domain: [0, Math.max(100, ...long.map((l) => l.pct))] },
    y: { label: null, domain: stepLabels, axis: null },
    fy: { label: null, domain: channels, padding: 0.25 },
    color: { domain: stepLabels, range: SERIES },
    marks: [
      Plot.barX(long, {
        x: 'pct',
        y: 'step',
        fy: 'channel',
        fill: 'step',
        tip: true,
        title: (l: (typeof long)[number]) => `${l.channel}: ${l.step}\n${formatCount(l.n)} patients (${formatPercent(l.pct)} of invited)`,
      }),
      Plot.text(long, { x: 'pct', y: 'step', fy: 'channel', text: (l: (typeof long)[number]) => formatPercent(l.pct), dx: 4, textAnchor: 'start', fontSize: 11 }),
      Plot.ruleX([0]),
    ],
  });
}

export interface Band {
  name: string;
  start: Date;
  end: Date;
}

export function registrationsChart(d: TableData<MetricRow<'funnel'>> & { campaigns: Band[] }, { width }: ChartSize) {
  const period = dateCol(d) ?? COLUMNS.funnel.period_start;
  const pts = d.rows
    .filter((r) => r.breakdown === undefined || r.breakdown === 'All')
    .map((r) => ({ date: toDate(r[period]), period: String(r[period]), n: numberAt(r, COLUMNS.funnel.registered), partial: isPartial(r) }))
    .filter((p): p is { date: Date; period: string; n: number; partial: boolean } => p.date !== null && p.n !== null)
    .sort((a, b) => a.date.getTime() - b.date.getTime());
  const first = pts[0]?.date;
  const last = pts[pts.length - 1]?.date;
  const bands = d.campaigns.filter((b) => !first || !last || (b.end >= first && b.start <= last));
  const max = Math.max(1, ...pts.map((p) => p.n));
  return Plot.plot({
    ...base(width, 300),
    x: { type: 'utc', label: null },
    y: { label: 'Registrations', grid: true, tickFormat: tick('count'), domain: [0, max * 1.15] },
    marks: [
      Plot.rectX(bands, { x1: 'start', x2: 'end', y1: 0, y2: max * 1.15, fill: '#fde6b0', fillOpacity: 0.7, tip: true, title: (b: Band) => `${b.name}\n${formatDay(b.start.toISOString().slice(0, 10))} to ${formatDay(b.end.toISOString().slice(0, 10))}` }),
      ...lineWithPartial(pts, { x: 'date', y: 'n', stroke: COLOURS.blue, dots: true }),
      Plot.ruleY([0]),
      Plot.tip(pts, Plot.pointerX({ x: 'date', y: 'n', title: (p: (typeof pts)[number]) => `${formatPeriod(p.period, d.grain)}\n${formatCount(p.n)} registrations${partialNote(p)}` })),
    ],
  });
}

/**
 * The share of invited patients who are active in the last 30 days, over the dates chosen: a rate
 * the chart draws that the funnel metric has no column for (its active_pct is over activated).
 */
const ACTIVE_OF_INVITED = 'active_of_invited_pct';

/**
 * The funnel's steps, in order, with the names of their rates over the dates chosen (put on the
 * rows by sumOverPeriods in pages/Funnel.tsx, the one owner of those figures): of the invited
 * patients (the chart's bars), and of the step before (the tiles); the catalogue's names where
 * it has the rate.
 */
export const STEPS = [
  { name: COLUMNS.funnel.invited, label: 'Invited', ofInvited: null, ofPrevious: null },
  { name: COLUMNS.funnel.registered, label: 'Registered', ofInvited: COLUMNS.funnel.registered_pct, ofPrevious: COLUMNS.funnel.registered_pct },
  { name: COLUMNS.funnel.activated, label: 'Activated', ofInvited: COLUMNS.funnel.overall_pct, ofPrevious: COLUMNS.funnel.activated_pct },
  { name: COLUMNS.funnel.active_30d, label: 'Active in the last 30 days', ofInvited: ACTIVE_OF_INVITED, ofPrevious: COLUMNS.funnel.active_pct },
] as const;
