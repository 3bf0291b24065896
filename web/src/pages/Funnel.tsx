import { useMemo } from 'preact/hooks';
import { mapLoadable, useMetric } from '../api/hooks.js';
import type { MetricResult } from '../api/types.js';
import { COLOURS, Plot, SERIES, base, tick, toDate } from '../charts/plots.js';
import { ChartCard, type TableData } from '../components/ChartCard.js';
import { Legend, PageHeader, Tile } from '../components/Page.js';
import { useApp } from '../lib/context.js';
import { formatCount, formatDay, formatPercent, formatPeriod } from '../lib/format.js';
import { dateCol, firstCol, numberAt, stringAt, totalRow, withoutTotal } from '../lib/metric.js';

export const F = {
  dim: 'dim_value',
  steps: [
    { name: 'invited', label: 'Invited' },
    { name: 'registered', label: 'Registered' },
    { name: 'activated', label: 'Activated' },
    { name: 'active_30d', label: 'Active in the last 30 days' },
  ],
  period: 'period_start',
  registrations: 'registered',
} as const;

export const CI = {
  code: 'campaign_code',
  name: 'campaign_name',
  channel: 'channel',
  start: 'start_date',
  end: 'end_date',
  cost: 'cost_gbp',
  during: 'registrations_during',
  uplift: 'uplift',
  costPer: 'cost_per_extra_registration',
} as const;

export default function Funnel() {
  const { filters } = useApp();
  const range = { org: filters.org, from: filters.from, to: filters.to };
  const funnel = useMetric('funnel', { ...range, by: 'channel' });
  const overTime = useMetric('funnel', { ...range, grain: filters.grain });
  const campaigns = useMetric('campaign_impact', range);

  const total = useMemo(() => (funnel.status === 'ready' ? totalRow(funnel.data.rows, firstCol(funnel.data, [F.dim, 'channel'])) ?? null : null), [funnel]);
  const steps = F.steps.map((s) => ({ ...s, value: numberAt(total ?? undefined, s.name) }));
  const conv = (a: number | null, b: number | null) => (a && b !== null ? (b / a) * 100 : null);

  const regData = useMemo(
    () =>
      mapLoadable(overTime, (d) => ({
        ...d,
        grain: filters.grain,
        campaigns: campaigns.status === 'ready' ? campaignBands(campaigns.data) : [],
      })),
    [overTime, campaigns, filters.grain],
  );

  return (
    <>
      <PageHeader title="Funnel & campaigns" caption="How patients move from invitation to active use, by channel, and what each campaign added." />
      <div class="tiles">
        {steps.map((s, i) => (
          <Tile
            key={s.name}
            hero={i === 2}
            label={s.label}
            loading={funnel.status === 'loading'}
            value={s.value !== null ? formatCount(s.value) : '*'}
            detail={i > 0 && steps[i - 1]!.value ? `${formatPercent(conv(steps[i - 1]!.value, s.value) ?? 0)} of those ${steps[i - 1]!.label.toLowerCase()}` : i === 0 ? 'Patients first contacted in the dates chosen' : undefined}
          />
        ))}
      </div>
      <div class="grid">
        <ChartCard
          title="Funnel by channel: share of invited patients reaching each step"
          subtitle="Channel of the patient's first contact. Bars show the percentage of that channel's invited patients."
          data={useMemo(() => mapLoadable(funnel, (d) => d), [funnel])}
          chart={funnelChart}
          footer={() => <Legend items={F.steps.slice(1).map((s, i) => ({ label: s.label, colour: SERIES[i]! }))} />}
        />
        <ChartCard
          title={`Registrations each ${filters.grain}, with campaign periods`}
          subtitle="Shaded bands are campaigns running at the time; hover for the campaign."
          data={regData}
          chart={registrationsChart}
          footer={() => (
            <Legend
              items={[
                { label: 'Registrations', colour: COLOURS.blue },
                { label: 'Campaign running', colour: '#fde6b0' },
              ]}
            />
          )}
        />
        <ChartCard
          wide
          title="Campaign impact"
          subtitle="Registrations while each campaign ran, compared with the weeks before it; cost per extra registration."
          data={useMemo(() => mapLoadable(campaigns, (d) => d), [campaigns])}
          table={{ initialSort: { column: CI.start, direction: 'descending' } }}
        />
      </div>
    </>
  );
}

function funnelChart(d: TableData, width: number) {
  const dim = firstCol(d, [F.dim, 'channel']) ?? F.dim;
  const rows = withoutTotal(d.rows, dim);
  const long: Array<{ channel: string; step: string; pct: number; n: number }> = [];
  for (const r of rows) {
    const invited = numberAt(r, 'invited');
    if (!invited) continue;
    for (const s of F.steps.slice(1)) {
      const n = numberAt(r, s.name);
      if (n === null) continue;
      long.push({ channel: String(stringAt(r, dim)), step: s.label, pct: (n / invited) * 100, n });
    }
  }
  const channels = [...new Set(long.map((l) => l.channel))];
  const stepLabels = F.steps.slice(1).map((s) => s.label);
  return Plot.plot({
    ...base(width, Math.max(240, channels.length * 62 + 50), { marginLeft: 190 }),
    x: { label: 'Share of invited patients (%)', grid: true, tickFormat: tick('percent'), domain: [0, 100] },
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

interface Band {
  name: string;
  start: Date;
  end: Date;
}

function campaignBands(d: MetricResult): Band[] {
  const out: Band[] = [];
  for (const r of d.rows) {
    const start = toDate(r[CI.start]);
    const end = toDate(r[CI.end]);
    if (start && end) out.push({ name: stringAt(r, CI.name) ?? stringAt(r, CI.code) ?? 'Campaign', start, end });
  }
  return out;
}

function registrationsChart(d: TableData & { campaigns: Band[] }, width: number) {
  const period = dateCol(d) ?? F.period;
  const pts = d.rows
    .map((r) => ({ date: toDate(r[period]), period: String(r[period]), n: numberAt(r, F.registrations) }))
    .filter((p): p is { date: Date; period: string; n: number } => p.date !== null && p.n !== null)
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
      Plot.lineY(pts, { x: 'date', y: 'n', stroke: COLOURS.blue, strokeWidth: 2.5 }),
      Plot.dot(pts, { x: 'date', y: 'n', fill: COLOURS.blue, r: 2.5 }),
      Plot.ruleY([0]),
      Plot.tip(pts, Plot.pointerX({ x: 'date', y: 'n', title: (p: (typeof pts)[number]) => `${formatPeriod(p.period, d.grain)}\n${formatCount(p.n)} registrations` })),
    ],
  });
}
