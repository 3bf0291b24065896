import { useMemo } from 'preact/hooks';
import { mapLoadable, useMetric } from '../api/hooks.js';
import type { ColumnName, MetricResult, MetricRow } from '../api/types.js';
import { COLOURS, SERIES, toDate } from '../charts/plots.js';
import { ChartCard, type TableData } from '../components/ChartCard.js';
import { Legend, PageHeader, ScopeNotice, Tile } from '../components/Page.js';
import { coarseGrain, practiceScope } from '../lib/scope.js';
import { useApp } from '../lib/context.js';
import { formatCount, formatPercent } from '../lib/format.js';
import { COLUMNS, numberAt, pickColumns, stringAt, totalRow } from '../lib/metric.js';
import { STEPS, funnelChart, registrationsChart, type Band } from '../charts/funnel.js';

// The campaign table: the answer first (what it added, at what cost per registration), then how it was worked out.
const CAMPAIGN_TABLE: readonly ColumnName<'campaign_impact'>[] = [
  'campaign_name',
  'start_date',
  'end_date',
  'cost_gbp',
  'additional_registrations',
  'cost_per_additional_gbp',
  'in_scope_change_per_1000',
  'comparison_change_per_1000',
  'in_scope_before',
  'in_scope_during',
  'channel',
];

/**
 * A breakdown summed over the periods of the dates chosen (counts of people in disjoint cohorts add
 * up): funnel rows, read by the funnel's column names.
 */
export function sumOverPeriods(
  d: MetricResult<'funnel'>,
  dim: ColumnName<'funnel'>,
  counts: readonly ColumnName<'funnel'>[],
): TableData<MetricRow<'funnel'>> {
  const groups = new Map<string, MetricRow<'funnel'>>();
  let hidden = 0;
  for (const r of d.rows) {
    const key = String(r[dim] ?? 'All');
    const g = groups.get(key) ?? ({ [dim]: key } as MetricRow<'funnel'>);
    for (const c of counts) {
      if (r._suppressed?.includes(c)) hidden += 1;
      g[c] = ((g[c] as number | undefined) ?? 0) + (numberAt(r, c) ?? 0);
    }
    groups.set(key, g);
  }
  const rows = [...groups.values()].map((g) => {
    const invited = g.invited as number;
    return {
      ...g,
      // The catalogue's rates of invited patients, by its rule (from the published counts, to 0.1):
      // registered_pct and overall_pct (activated / invited; its activated_pct is over registered).
      [COLUMNS.funnel.registered_pct]: invited ? Math.round(((g.registered as number) / invited) * 1000) / 10 : null,
      [COLUMNS.funnel.overall_pct]: invited ? Math.round(((g.activated as number) / invited) * 1000) / 10 : null,
    } as MetricRow<'funnel'>;
  });
  rows.sort((a, b) => (a[dim] === 'All' ? -1 : b[dim] === 'All' ? 1 : (b.invited as number) - (a.invited as number)));
  return {
    columns: [
      { name: dim, label: 'Channel of first contact', type: 'string' },
      ...STEPS.map((s) => ({ name: s.name, label: s.label, type: 'number' as const, unit: 'count' as const })),
      { name: COLUMNS.funnel.registered_pct, label: 'Registered (% of invited)', type: 'number', unit: 'percent' },
      { name: COLUMNS.funnel.overall_pct, label: 'Activated (% of invited)', type: 'number', unit: 'percent' },
    ],
    rows,
    suppression: hidden ? d.suppression : null,
    hiddenInSums: hidden,
  } as TableData;
}

export default function Funnel() {
  const { filters, orgs } = useApp();
  const scoped = practiceScope(orgs, filters.org);
  const range = { org: scoped.org, from: filters.from, to: filters.to };
  // Funnel cohorts are kept by month (or quarter).
  const grain = coarseGrain(filters.grain);
  const funnel = useMetric('funnel', { ...range, grain, by: 'channel' });
  const overTime = useMetric('funnel', { ...range, grain });
  const campaigns = useMetric('campaign_impact', { org: filters.org, from: filters.from, to: filters.to });

  const byChannel = useMemo(() => mapLoadable(funnel, (d) => sumOverPeriods(d, COLUMNS.funnel.breakdown, STEPS.map((s) => s.name))), [funnel]);
  const total = byChannel.status === 'ready' ? (totalRow(byChannel.data.rows, COLUMNS.funnel.breakdown) ?? null) : null;
  const steps = STEPS.map((s) => ({ ...s, value: numberAt(total ?? undefined, s.name) }));
  const conv = (a: number | null, b: number | null) => (a && b !== null ? (b / a) * 100 : null);

  const regData = useMemo(
    () =>
      mapLoadable(overTime, (d) => ({
        ...d,
        grain,
        campaigns: campaigns.status === 'ready' ? campaignBands(campaigns.data) : [],
      })),
    [overTime, campaigns, grain],
  );

  return (
    <>
      <PageHeader title="Funnel & campaigns" caption="How patients move from invitation to active use, by channel, and what each campaign added." />
      <ScopeNotice chosen={filters.org} shown={scoped.org} />
      <div class="tiles">
        {steps.map((s, i) => (
          <Tile
            key={s.name}
            hero={i === 2}
            label={s.label}
            loading={funnel.status === 'loading'} source={funnel}
            value={s.value !== null ? formatCount(s.value) : '*'}
            detail={i > 0 && steps[i - 1]!.value ? `${formatPercent(conv(steps[i - 1]!.value, s.value) ?? 0)} of those ${steps[i - 1]!.label.toLowerCase()}` : i === 0 ? 'Patients first contacted in the dates chosen' : undefined}
          />
        ))}
      </div>
      <div class="grid">
        <ChartCard
          title="Funnel by channel: share of invited patients reaching each step"
          subtitle="Channel of the patient's first contact. Bars show the percentage of that channel's invited patients."
          data={byChannel}
          chart={funnelChart}
          // Channels as the chart words them ("SMS"); the CSV keeps the codes.
          table={{ labelled: [COLUMNS.funnel.breakdown] }}
          footer={() => <Legend items={STEPS.slice(1).map((s, i) => ({ label: s.label, colour: SERIES[i]! }))} />}
        />
        <ChartCard
          title={`Patients registering, by ${grain} of first contact, with campaign periods`}
          subtitle="Patients first contacted in each period who went on to register. Shaded bands are campaigns running at the time."
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
          subtitle="Registrations at practices in each campaign's area while it ran, against the same number of days before it, compared with practices outside the area (difference in differences); cost per additional registration."
          data={useMemo(() => mapLoadable(campaigns, (d) => pickColumns(d, [...CAMPAIGN_TABLE])), [campaigns])}
          // The registrations before and during are in the CSV; the table keeps to what fits at 1280 px.
          table={{ initialSort: { column: COLUMNS.campaign_impact.start_date, direction: 'descending' }, hide: [COLUMNS.campaign_impact.in_scope_before, COLUMNS.campaign_impact.in_scope_during] }}
        />
      </div>
    </>
  );
}

function campaignBands(d: MetricResult<'campaign_impact'>): Band[] {
  const out: Band[] = [];
  for (const r of d.rows) {
    const start = toDate(r[COLUMNS.campaign_impact.start_date]);
    const end = toDate(r[COLUMNS.campaign_impact.end_date]);
    if (start && end) out.push({ name: stringAt(r, COLUMNS.campaign_impact.campaign_name) ?? stringAt(r, COLUMNS.campaign_impact.campaign_code) ?? 'Campaign', start, end });
  }
  return out;
}
