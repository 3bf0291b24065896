import { useMemo } from 'preact/hooks';
import { mapLoadable, useMetric } from '../api/hooks.js';
import type { Column, MetricResult, Row } from '../api/types.js';
import { ChartCard, type TableData } from '../components/ChartCard.js';
import { Legend, PageHeader, ScopeNotice, Tile } from '../components/Page.js';
import { coarseGrain, practiceScope } from '../lib/scope.js';
import { useApp } from '../lib/context.js';
import { formatCount, formatPercent, formatPeriod } from '../lib/format.js';
import { COLUMNS, dateCol, firstCol, latestComplete, numberAt, withoutTotal } from '../lib/metric.js';
import { sortDescending, sumOverDates } from '../lib/group.js';
import { activeChart } from './shared.js';
import type { OrgIndex } from '../lib/orgs.js';
import { rhythmChart } from '../charts/activity_rhythm.js';
import { retentionChart } from '../charts/retention.js';
import { LIFECYCLE, LIFECYCLE_COLOURS, LIFECYCLE_LABELS, lifecycleChart } from '../charts/lifecycle.js';
import { featureChart, platformChart, stickinessChart } from '../charts/active_users.js';

export default function Engagement() {
  const { filters, orgs } = useApp();
  const scoped = practiceScope(orgs, filters.org);
  const p = { org: scoped.org, from: filters.from, to: filters.to, grain: filters.grain };
  // Breakdowns and lifecycles are kept monthly / quarterly only.
  const coarse = coarseGrain(filters.grain);
  const active = useMetric('active_users', p);
  const features = useMetric('active_users', { ...p, grain: coarse, by: 'event_type' });
  const platforms = useMetric('active_users', { ...p, grain: coarse, by: 'platform' });
  // The weekday × hour pattern is kept per CCG: a practice or provider shows its CCG's (or the ICB's).
  const rhythmOrg = rhythmScope(orgs, scoped.org);
  const rhythm = useMetric('activity_rhythm', { org: rhythmOrg, from: filters.from, to: filters.to });
  const retention = useMetric('retention', { org: scoped.org, from: filters.from, to: filters.to, grain: 'month' });
  const lifecycle = useMetric('lifecycle', { ...p, grain: coarse });

  const latest = useMemo(() => {
    if (active.status !== 'ready') return null;
    const period = dateCol(active.data) ?? COLUMNS.active_users.period_start;
    // The last complete period: a partial one (four days of December) is not comparable.
    const last = latestComplete(active.data.rows, period, COLUMNS.active_users.active_patients);
    const stick = firstCol(active.data, [COLUMNS.active_users.stickiness_pct]);
    const lastStick = latestComplete(active.data.rows, period, stick);
    return {
      active: numberAt(last, COLUMNS.active_users.active_patients),
      logins: numberAt(last, COLUMNS.active_users.logins),
      period: last ? String(last[period]) : null,
      stickiness: numberAt(lastStick, stick),
      stickinessPeriod: lastStick ? String(lastStick[period]) : null,
    };
  }, [active]);

  const activeData = useMemo(() => mapLoadable(active, (d) => ({ ...d, grain: filters.grain })), [active, filters.grain]);
  const featureData = useMemo(() => mapLoadable(features, totalsByDimension), [features]);
  const platformData = useMemo(() => mapLoadable(platforms, (d) => ({ ...d, grain: coarse })), [platforms, coarse]);
  const stickinessData = useMemo(
    () =>
      mapLoadable(active, (d) => {
        const stick = firstCol(d, [COLUMNS.active_users.stickiness_pct]);
        const period = dateCol(d) ?? COLUMNS.active_users.period_start;
        return { ...d, columns: d.columns.filter((c) => c.name === period || c.name === stick), grain: filters.grain, stick };
      }),
    [active, filters.grain],
  );

  return (
    <>
      <PageHeader title="Engagement" caption="How many patients use the portal, how often, what for and on which device." />
      <ScopeNotice chosen={filters.org} shown={scoped.org} />
      <div class="tiles">
        <Tile
          hero
          label={`Active patients, last complete ${filters.grain}`}
          loading={active.status === 'loading'} source={active}
          value={latest?.active !== null && latest?.active !== undefined ? formatCount(latest.active) : '*'}
          detail={latest?.period ? `${formatPeriod(latest.period, filters.grain)}.` : undefined}
        />
        <Tile
          label="Stickiness"
          loading={active.status === 'loading'} source={active}
          value={latest?.stickiness !== null && latest?.stickiness !== undefined ? formatPercent(latest.stickiness) : '–'}
          detail={`Average daily active patients as a share of the period's active patients: how often people come back.${latest?.stickinessPeriod ? ` ${formatPeriod(latest.stickinessPeriod, filters.grain)}, the last complete ${filters.grain}.` : ''}`}
        />
        <Tile
          label={`Logins, last complete ${filters.grain}`}
          loading={active.status === 'loading'} source={active}
          value={latest?.logins !== null && latest?.logins !== undefined ? formatCount(latest.logins) : '*'}
          detail={latest?.period ? `${formatPeriod(latest.period, filters.grain)}.` : undefined}
        />
      </div>
      <div class="grid">
        <ChartCard title={`Active patients each ${filters.grain}`} subtitle="Patients who used the portal at least once in the period." data={activeData} chart={activeChart} />
        <ChartCard
          title="Stickiness: how often active patients come back"
          subtitle="Average daily active patients divided by monthly active patients."
          data={stickinessData}
          chart={stickinessChart}
          isEmpty={(d) => !d.stick || d.rows.every((r) => numberAt(r, d.stick) === null)}
          emptyMessage="Stickiness is not available for these filters."
        />
        <ChartCard
          title="What patients use the portal for"
          subtitle="Events by feature over the selected dates."
          data={featureData}
          chart={featureChart}
          table={{ labelled: BREAKDOWN_COLUMNS }}
        />
        <ChartCard
          title={`Portal use by platform each ${coarse}`}
          subtitle="Usage events on the website and the apps. (Events, not people: a patient may use more than one.)"
          data={platformData}
          chart={platformChart}
          table={{ labelled: BREAKDOWN_COLUMNS }}
        />
        <ChartCard
          title="When patients use the portal: weekday by hour"
          subtitle={`Events by day of the week and hour of the day (UK time). Darker means busier.${rhythmOrg !== scoped.org ? ` Shown for ${orgs.byCode.get(rhythmOrg)?.name ?? rhythmOrg}, the smallest area this is kept for.` : ''}`}
          data={useMemo(() => mapLoadable(rhythm, (d) => d), [rhythm])}
          chart={rhythmChart}
        />
        <ChartCard
          title="Retention: share of each month's new users still active"
          subtitle="Each row is the month patients activated; each column the months since. Darker means more kept using it."
          data={useMemo(() => mapLoadable(retention, (d) => d), [retention])}
          chart={retentionChart}
        />
        <ChartCard
          wide
          title="Lifecycle: new, returning, came back and went quiet"
          subtitle="Patients active in each period by how they relate to the period before; those who went quiet are shown below the line."
          data={useMemo(() => mapLoadable(lifecycle, (d) => ({ ...d, grain: coarse })), [lifecycle, coarse])}
          chart={lifecycleChart}
          footer={() => <Legend items={LIFECYCLE.map((k) => ({ label: LIFECYCLE_LABELS[k]!, colour: LIFECYCLE_COLOURS[k]! }))} />}
        />
      </div>
    </>
  );
}

// The columns a breakdown's codes can come in (as totalsByDimension reads them): the tables word
// them as the charts do ("Prescription requested", "iOS app"); the CSV keeps the codes.
const BREAKDOWN_COLUMNS = [COLUMNS.active_users.breakdown, 'event_type', 'platform'];

function rhythmScope(orgs: OrgIndex, code: string): string {
  let cur = orgs.byCode.get(code);
  while (cur && cur.type !== 'ccg' && cur.type !== 'icb') cur = cur.parent ? orgs.byCode.get(cur.parent) : undefined;
  return cur?.code ?? orgs.root;
}

/**
 * A breakdown over time summed per dimension value (events add up across periods; people do not):
 * the one owner of the feature totals the chart and its table show, by the rule of every total
 * over the dates (sumOverDates: published cells only, hidden ones counted).
 */
function totalsByDimension(d: MetricResult<'active_users'>): TableData {
  const dim = COLUMNS.active_users.breakdown;
  const { totals: sums, hidden } = sumOverDates(withoutTotal(d.rows, dim), (r) => String(r[dim]), [COLUMNS.active_users.events]);
  const totals = sortDescending(sums.map(({ key, events }) => ({ [dim]: key, events })), 'events');
  const columns: Column[] = [
    // (The 'All' total row is left out, so not the catalogue's "Breakdown value ('All' = total)".)
    { name: dim, label: 'Feature', type: 'string' },
    { name: 'events', label: 'Events', type: 'number', unit: 'count' },
  ];
  // The hidden cells are left out of the sums: the card says so (each total is at least the figure shown).
  return { columns, rows: totals as Row[], suppression: hidden ? d.suppression : null, hiddenInSums: hidden };
}
