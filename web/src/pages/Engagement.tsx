import { useMemo } from 'preact/hooks';
import { mapLoadable, useMetric } from '../api/hooks.js';
import type { Column, MetricResult, Row } from '../api/types.js';
import { COLOURS, PARTIAL_OPACITY, Plot, SERIES, base, intervalFor, isPartial, lineWithPartial, num, partialNote, tick, toDate } from '../charts/plots.js';
import { ChartCard, type TableData, type ChartSize } from '../components/ChartCard.js';
import { Legend, PageHeader, ScopeNotice, Tile } from '../components/Page.js';
import { coarseGrain, practiceScope } from '../lib/scope.js';
import { useApp } from '../lib/context.js';
import { formatCount, formatNumber, formatPercent, formatPeriod, valueLabel } from '../lib/format.js';
import { COLUMNS, dateCol, firstCol, latestComplete, numberAt, withoutTotal } from '../lib/metric.js';
import { sortDescending, sumBy } from '../lib/group.js';
import { activeChart } from './shared.js';
import type { OrgIndex } from '../lib/orgs.js';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const LIFECYCLE = [
  COLUMNS.lifecycle.new_users,
  COLUMNS.lifecycle.returning_users,
  COLUMNS.lifecycle.resurrecting_users,
  COLUMNS.lifecycle.dormant_users,
] as const;

const LIFECYCLE_LABELS: Record<string, string> = {
  new_users: 'New',
  returning_users: 'Returning',
  resurrecting_users: 'Came back',
  dormant_users: 'Went quiet',
};
const LIFECYCLE_COLOURS: Record<string, string> = {
  new_users: COLOURS.blue,
  returning_users: COLOURS.aqua,
  resurrecting_users: COLOURS.purple,
  dormant_users: COLOURS.midGrey,
};

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
    const stick = firstCol(active.data, [COLUMNS.active_users.stickiness_pct, 'stickiness']);
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
        const stick = firstCol(d, [COLUMNS.active_users.stickiness_pct, 'stickiness']);
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
        />
        <ChartCard
          title={`Portal use by platform each ${coarse}`}
          subtitle="Usage events on the website and the apps. (Events, not people: a patient may use more than one.)"
          data={platformData}
          chart={platformChart}
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

function rhythmScope(orgs: OrgIndex, code: string): string {
  let cur = orgs.byCode.get(code);
  while (cur && cur.type !== 'ccg' && cur.type !== 'icb') cur = cur.parent ? orgs.byCode.get(cur.parent) : undefined;
  return cur?.code ?? orgs.root;
}

/** A breakdown over time summed per dimension value (events add up across periods; people do not). */
function totalsByDimension(d: MetricResult): TableData {
  const dim = firstCol(d, [COLUMNS.active_users.breakdown, 'event_type', 'platform']) ?? COLUMNS.active_users.breakdown;
  const rows = withoutTotal(d.rows, dim).filter((r) => !r._suppressed?.includes(COLUMNS.active_users.events));
  const totals = sortDescending(sumBy(rows, dim, (r) => String(r[dim]), { events: (r) => numberAt(r, COLUMNS.active_users.events) ?? 0 }), 'events');
  const hidden = withoutTotal(d.rows, dim).filter((r) => r._suppressed?.includes(COLUMNS.active_users.events)).length;
  const columns: Column[] = [
    { name: dim, label: d.columns.find((c) => c.name === dim)?.label ?? 'Feature', type: 'string' },
    { name: 'events', label: 'Events', type: 'number', unit: 'count' },
  ];
  return { columns, rows: totals as Row[], suppression: hidden ? d.suppression : null };
}

function featureChart(d: TableData, { width }: ChartSize) {
  const dim = d.columns[0]!.name;
  const bars = d.rows.map((r) => ({ key: valueLabel(String(r[dim])), events: num(r.events) ?? 0 }));
  return Plot.plot({
    // Room on the right for the longest bar's count label.
    ...base(width, Math.max(200, bars.length * 26 + 50), { marginLeft: 170, marginRight: 64 }),
    x: { label: 'Events', grid: true, tickFormat: tick('count') },
    y: { label: null, domain: bars.map((b) => b.key) },
    marks: [
      Plot.barX(bars, { y: 'key', x: 'events', fill: COLOURS.blue }),
      Plot.text(bars, { y: 'key', x: 'events', text: (b: (typeof bars)[number]) => formatCount(b.events), dx: 4, textAnchor: 'start', fill: COLOURS.text }),
      Plot.ruleX([0]),
      Plot.tip(bars, Plot.pointerY({ y: 'key', x: 'events', title: (b: (typeof bars)[number]) => `${b.key}\n${formatCount(b.events)} events` })),
    ],
  });
}

function stickinessChart(d: TableData & { stick?: string }, { width }: ChartSize) {
  const period = dateCol(d) ?? COLUMNS.active_users.period_start;
  const pts = d.rows
    .map((r) => ({ date: toDate(r[period]), period: String(r[period]), v: numberAt(r, d.stick), partial: isPartial(r) }))
    .filter((p): p is { date: Date; period: string; v: number; partial: boolean } => p.date !== null && p.v !== null);
  return Plot.plot({
    ...base(width, 260),
    x: { type: 'utc', label: null },
    y: { label: 'Stickiness (%)', grid: true, tickFormat: tick('percent'), domain: [0, Math.max(10, ...pts.map((p) => p.v)) * 1.2] },
    marks: [
      ...lineWithPartial(pts, { x: 'date', y: 'v', stroke: COLOURS.purple, dots: true }),
      Plot.ruleY([0]),
      Plot.tip(pts, Plot.pointerX({ x: 'date', y: 'v', title: (p: (typeof pts)[number]) => `${formatPeriod(p.period, d.grain)}\nStickiness ${formatPercent(p.v)}${partialNote(p)}` })),
    ],
  });
}

function platformChart(d: TableData, { width }: ChartSize) {
  const period = dateCol(d) ?? COLUMNS.active_users.period_start;
  const dim = firstCol(d, [COLUMNS.active_users.breakdown, 'platform']) ?? COLUMNS.active_users.breakdown;
  const pts = withoutTotal(d.rows, dim)
    .map((r) => ({ date: toDate(r[period]), period: String(r[period]), platform: valueLabel(String(r[dim])), v: numberAt(r, COLUMNS.active_users.events), partial: isPartial(r) }))
    .filter((p): p is { date: Date; period: string; platform: string; v: number; partial: boolean } => p.date !== null && p.v !== null);
  return Plot.plot({
    ...base(width, 280),
    x: { type: 'utc', label: null },
    y: { label: 'Usage events', grid: true, tickFormat: tick('count') },
    color: { legend: true, range: SERIES },
    marks: [
      Plot.rectY(pts, {
        x: 'date',
        interval: intervalFor(d.grain),
        y: 'v',
        fill: 'platform',
        fillOpacity: (p: (typeof pts)[number]) => (p.partial ? PARTIAL_OPACITY : 1),
        inset: 0.5,
        tip: true,
        title: (p: (typeof pts)[number]) => `${formatPeriod(p.period, d.grain)}\n${p.platform}: ${formatCount(p.v)} events${partialNote(p)}`,
      }),
      Plot.ruleY([0]),
    ],
  });
}

function rhythmChart(d: TableData, { width }: ChartSize) {
  const cells = d.rows
    .map((r) => ({ dow: numberAt(r, COLUMNS.activity_rhythm.weekday), hour: numberAt(r, COLUMNS.activity_rhythm.hour), events: numberAt(r, COLUMNS.activity_rhythm.events) }))
    .filter((c): c is { dow: number; hour: number; events: number } => c.dow !== null && c.hour !== null && c.events !== null)
    .map((c) => ({ ...c, day: WEEKDAYS[(c.dow - 1 + 7) % 7]! }));
  return Plot.plot({
    ...base(width, 260, { marginLeft: 48 }),
    padding: 0.05,
    x: { type: 'band', label: 'Hour of day', domain: Array.from({ length: 24 }, (_, i) => i), tickFormat: (h: number) => (h % 3 === 0 ? String(h).padStart(2, '0') : '') },
    y: { label: null, domain: WEEKDAYS },
    color: { scheme: 'blues', legend: true, label: 'Events', tickFormat: tick('count') },
    marks: [
      Plot.cell(cells, {
        x: 'hour',
        y: 'day',
        fill: 'events',
        tip: true,
        title: (c: (typeof cells)[number]) => `${c.day} ${String(c.hour).padStart(2, '0')}:00–${String(c.hour).padStart(2, '0')}:59\n${formatCount(c.events)} events`,
      }),
    ],
  });
}

function retentionChart(d: TableData, { width }: ChartSize) {
  const cohortCol = firstCol(d, [COLUMNS.retention.cohort_month]) ?? COLUMNS.retention.cohort_month;
  const cells = d.rows
    .map((r) => ({ cohort: String(r[cohortCol] ?? ''), m: numberAt(r, COLUMNS.retention.months_since), pct: numberAt(r, COLUMNS.retention.retained_pct), hidden: !!r._suppressed?.includes(COLUMNS.retention.retained_pct) }))
    .filter((c) => c.cohort && c.m !== null && c.m >= 0);
  const cohorts = [...new Set(cells.map((c) => c.cohort))].sort();
  const maxM = Math.max(0, ...cells.map((c) => c.m ?? 0));
  return Plot.plot({
    ...base(width, Math.max(200, cohorts.length * 22 + 60), { marginLeft: 80 }),
    padding: 0.05,
    x: { type: 'band', label: 'Months since activation', domain: Array.from({ length: maxM + 1 }, (_, i) => i) },
    y: { label: null, domain: cohorts, tickFormat: (c: string) => formatPeriod(c, 'month') },
    color: { scheme: 'blues', domain: [0, 100], legend: true, label: 'Still active (%)' },
    marks: [
      Plot.cell(
        cells.filter((c) => c.pct !== null),
        { x: 'm', y: 'cohort', fill: 'pct', tip: true, title: (c: (typeof cells)[number]) => `Activated ${formatPeriod(c.cohort, 'month')}\nMonth ${c.m}: ${formatPercent(c.pct ?? 0)} still active` },
      ),
      Plot.text(
        cells.filter((c) => c.pct !== null),
        { x: 'm', y: 'cohort', text: (c: (typeof cells)[number]) => Math.round(c.pct ?? 0), fill: (c: (typeof cells)[number]) => ((c.pct ?? 0) > 55 ? 'white' : COLOURS.text), fontSize: 11 },
      ),
      Plot.text(cells.filter((c) => c.hidden), { x: 'm', y: 'cohort', text: () => '*', fill: COLOURS.text }),
    ],
  });
}

function lifecycleChart(d: TableData, { width }: ChartSize) {
  const period = dateCol(d) ?? 'period_start';
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
