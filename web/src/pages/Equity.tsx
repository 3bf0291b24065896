import { useMemo } from 'preact/hooks';
import { mapLoadable, useMetric } from '../api/hooks.js';
import type { Breakdown, Column, MetricResult, MetricRow } from '../api/types.js';
import { COLOURS } from '../charts/plots.js';
import { ChartCard } from '../components/ChartCard.js';
import { Legend, PageHeader, ScopeNotice, Tile } from '../components/Page.js';
import { practiceScope } from '../lib/scope.js';
import { useApp } from '../lib/context.js';
import { formatNumber, formatPercent } from '../lib/format.js';
import { COLUMNS, dateCol, numberAt, stringAt } from '../lib/metric.js';
import { equityChart, type EquityData } from '../charts/equity.js';

const BY = COLUMNS.equity.breakdown;
const SEX: Record<string, string> = { F: 'Female', M: 'Male', X: 'Other', U: 'Not known' };

/** The latest period of an uptake breakdown: one row per group, with the overall figure. */
export function latestBreakdown(d: MetricResult<'equity'>, by: Breakdown): EquityData {
  // The equity metric is a snapshot at the end date; a time series (uptake by=…) uses its last period.
  const period = dateCol(d);
  const last = period ? d.rows.reduce<string>((m, r) => (String(r[period]) > m ? String(r[period]) : m), '') : '';
  const rows = period ? d.rows.filter((r) => String(r[period]) === last) : d.rows;
  const overallRow = rows.find((r) => r[BY] === 'All');
  const groups = rows
    .filter((r) => r[BY] !== 'All' && !String(r[BY]).startsWith('Q'))
    .map((r): MetricRow<'equity'> => ({ ...r, group: groupLabel(by, stringAt(r, BY) ?? '') }))
    .sort((a, b) => groupOrder(by, String(a[BY])) - groupOrder(by, String(b[BY])) || String(a[BY]).localeCompare(String(b[BY])));
  const columns: Column[] = [
    { name: 'group', label: by === 'imd_decile' ? 'Deprivation decile' : by === 'age_band' ? 'Age band' : 'Sex', type: 'string' },
    ...[COLUMNS.equity.population, COLUMNS.equity.activated, COLUMNS.equity.uptake_pct].map((n) => d.columns.find((c) => c.name === n)).filter((c): c is Column => !!c),
  ];
  const q1 = rows.find((r) => String(r[BY]).startsWith('Q1'));
  const q5 = rows.find((r) => String(r[BY]).startsWith('Q5'));
  return {
    columns,
    rows: groups,
    suppression: d.suppression,
    overall: numberAt(overallRow, COLUMNS.equity.uptake_pct),
    by,
    quintiles: { most: numberAt(q1, COLUMNS.equity.uptake_pct), least: numberAt(q5, COLUMNS.equity.uptake_pct), gap: numberAt(q1, COLUMNS.equity.gap_q5_q1_pp) ?? numberAt(q5, COLUMNS.equity.gap_q5_q1_pp) ?? numberAt(overallRow, COLUMNS.equity.gap_q5_q1_pp) },
  };
}

function groupLabel(by: Breakdown, v: string): string {
  if (v === '' || v.toLowerCase() === 'unknown') return 'Not known';
  if (by === 'sex') return SEX[v] ?? v;
  if (by === 'imd_decile') {
    if (v === '1') return '1 (most deprived)';
    if (v === '10') return '10 (least deprived)';
    if (!/^\d+$/.test(v)) return v === 'Unknown' || v === '' ? 'Not known' : v;
  }
  return v;
}

function groupOrder(by: Breakdown, v: string): number {
  if (by === 'imd_decile') return /^\d+$/.test(v) ? Number(v) : 99;
  if (by === 'age_band') {
    const n = parseInt(v, 10);
    return Number.isFinite(n) ? n : 999;
  }
  return ['F', 'M', 'X', 'U'].indexOf(v) + 1 || 99;
}

export default function Equity() {
  const { filters, orgs } = useApp();
  const scoped = practiceScope(orgs, filters.org);
  const p = { org: scoped.org, to: filters.to };
  const imd = useMetric('equity', { ...p, by: 'imd_decile' });
  const age = useMetric('equity', { ...p, by: 'age_band' });
  const sex = useMetric('equity', { ...p, by: 'sex' });
  const imdData = useMemo(() => mapLoadable(imd, (d) => latestBreakdown(d, 'imd_decile')), [imd]);
  const ageData = useMemo(() => mapLoadable(age, (d) => latestBreakdown(d, 'age_band')), [age]);
  const sexData = useMemo(() => mapLoadable(sex, (d) => latestBreakdown(d, 'sex')), [sex]);

  const gap = useMemo(() => {
    if (imdData.status !== 'ready') return null;
    const q = imdData.data.quintiles;
    const gap = q.gap ?? (q.most !== null && q.least !== null ? q.least - q.most : null);
    return { most: q.most, least: q.least, gap, overall: imdData.data.overall };
  }, [imdData]);

  const legend = (d: EquityData) => (d.overall !== null ? <Legend items={[{ label: `Overall ${formatPercent(d.overall)}`, colour: COLOURS.text, kind: 'dash' }]} /> : null);

  return (
    <>
      <PageHeader title="Equity" caption="Is the portal reaching everyone? Uptake by deprivation, age and sex, at the end of the selected dates." />
      <ScopeNotice chosen={filters.org} shown={scoped.org} />
      <div class="tiles">
        <Tile hero label="Overall uptake" loading={imd.status === 'loading'} source={imd} value={gap?.overall !== null && gap?.overall !== undefined ? formatPercent(gap.overall) : '*'} />
        <Tile
          label="Most deprived fifth (deciles 1–2)"
          loading={imd.status === 'loading'} source={imd}
          value={gap?.most !== null && gap?.most !== undefined ? formatPercent(gap.most) : '*'}
          detail="Uptake among patients living in the most deprived 20% of areas."
        />
        <Tile
          label="Deprivation gap"
          loading={imd.status === 'loading'} source={imd}
          value={gap?.gap !== null && gap?.gap !== undefined ? `${formatNumber(gap.gap, 'ratio')} points` : '–'}
          detail={gap?.least !== null && gap?.least !== undefined ? `Least deprived fifth (deciles 9–10): ${formatPercent(gap.least)}. A positive gap means the least deprived use it more.` : undefined}
        />
      </div>
      <div class="grid">
        <ChartCard
          wide
          title="Uptake by deprivation decile (1 = most deprived)"
          subtitle="Index of Multiple Deprivation of the patient's area. The dashed line is the overall uptake."
          data={imdData}
          chart={equityChart}
          footer={legend}
        />
        <ChartCard title="Uptake by age band" subtitle="Age at the end of the selected dates." data={ageData} chart={equityChart} footer={legend} />
        <ChartCard title="Uptake by sex" subtitle="As recorded by the GP practice." data={sexData} chart={equityChart} footer={legend} />
      </div>
    </>
  );
}
