import { useMemo } from 'preact/hooks';
import { mapLoadable, useMetric } from '../api/hooks.js';
import type { ColumnName, MetricResult, MetricRow } from '../api/types.js';
import { COLOURS, SERIES, toDate } from '../charts/plots.js';
import { ChartCard, type TableData } from '../components/ChartCard.js';
import { Legend, PageHeader, ScopeNotice, Tile } from '../components/Page.js';
import { coarseGrain, practiceScope } from '../lib/scope.js';
import { useApp } from '../lib/context.js';
import { formatCount, formatPercent } from '../lib/format.js';
import { sumOverDates } from '../lib/group.js';
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

/** A rate over the dates chosen by the catalogue's rule: from the (published) counts, in %, to 0.1; none over 0. */
const rangeRate = (n: number | undefined, of: number | undefined): number | null =>
  of ? Math.round(((n ?? 0) / of) * 1000) / 10 : null;

/**
 * A breakdown summed over the periods of the dates chosen (counts of people in disjoint cohorts add
 * up): funnel rows, read by the funnel's column names. The one owner of the funnel's figures over
 * the dates: the tiles, the chart, the table and the Report read the counts and the rates of each
 * step (STEPS: of invited, of the step before) from these rows, so a figure shows the same
 * everywhere.
 */
export function sumOverPeriods(d: MetricResult<'funnel'>, dim: ColumnName<'funnel'>): TableData<MetricRow<'funnel'>> {
  // The counts: the one rule of a total over the dates (sumOverDates: published cells only).
  const { totals, hidden } = sumOverDates(d.rows, (r) => String(r[dim] ?? 'All'), STEPS.map((s) => s.name));
  const rows = totals.map(({ key, ...sums }) => {
    const row: MetricRow<'funnel'> = { [dim]: key, ...sums };
    const count = (name: string) => row[name] as number | undefined;
    // The catalogue's rates (registered_pct, activated_pct over registered, active_pct over
    // activated, overall_pct: activated over invited) and the chart's active over invited.
    STEPS.forEach((step, i) => {
      if (step.ofInvited) row[step.ofInvited] = rangeRate(count(step.name), count(COLUMNS.funnel.invited));
      if (step.ofPrevious) row[step.ofPrevious] = rangeRate(count(step.name), count(STEPS[i - 1]!.name));
    });
    return row;
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

  const byChannel = useMemo(() => mapLoadable(funnel, (d) => sumOverPeriods(d, COLUMNS.funnel.breakdown)), [funnel]);
  const total = byChannel.status === 'ready' ? (totalRow(byChannel.data.rows, COLUMNS.funnel.breakdown) ?? null) : null;
  // Each step's count and its share of the step before: the table's total row's.
  const steps = STEPS.map((s) => ({ ...s, value: numberAt(total ?? undefined, s.name), share: s.ofPrevious ? numberAt(total ?? undefined, s.ofPrevious) : null }));

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
            detail={i > 0 && s.share !== null ? `${formatPercent(s.share)} of those ${steps[i - 1]!.label.toLowerCase()}` : i === 0 ? 'Patients first contacted in the dates chosen' : undefined}
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
