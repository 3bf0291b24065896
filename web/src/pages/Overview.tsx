import { useMemo } from 'preact/hooks';
import { mapLoadable, useMetric } from '../api/hooks.js';
import type { MetricResult } from '../api/types.js';
import { COLOURS } from '../charts/values.js';
import { ChartCard } from '../components/ChartCard.js';
import { Legend, PageHeader, RagBadge, ScopeNotice, Tile } from '../components/Page.js';
import { useApp } from '../lib/context.js';
import { formatCount, formatGbp, formatNumber, formatPercent, formatPeriod } from '../lib/format.js';
import { COLUMNS, dateCol, latestComplete, latestWith, numberAt } from '../lib/metric.js';
import { rolloutRagShown, verdictSentence } from '../lib/projection.js';
import { hrefFor } from '../lib/router.js';
import { activeChart, loadSharedCharts, latestObjections, objectionsChart, providerChart, roiChart, uptakeSeriesChart } from './shared.js';

import { overviewRequests } from './overview-requests.js';

// Start loading Plot (with the chart code) now, alongside the data requests, not after them.
void loadSharedCharts();

/** The programme at a glance: the headline uptake first, then use, money and objections. */
export default function Overview() {
  const { filters, orgs, route } = useApp();
  const org = orgs.byCode.get(filters.org);
  const requests = overviewRequests(filters, orgs);
  const scoped = requests.scoped;
  const uptake = useMetric('uptake', requests.uptake);
  const active = useMetric('active_users', requests.active_users);
  const roi = useMetric('roi', requests.roi);
  const consent = useMetric('consent', requests.consent);
  const rollout = useMetric('rollout', requests.rollout ?? null);
  const verdict = rollout.status === 'ready' ? rollout.data.rows[0] : undefined;

  // The target the RAG is rated against: the rollout metric's (an organisation's own, or its
  // practices' list-weighted average when it has none).
  const target = numberAt(verdict, COLUMNS.rollout.target_pct) ?? org?.targetUptakePct ?? null;
  // Trusts and community services have no registered list: their figures are counts, not uptake.
  const provider = org?.type === 'trust' || org?.type === 'community';
  const uptakeData = useMemo(() => mapLoadable(uptake, (d) => ({ ...d, grain: filters.grain, target })), [uptake, filters.grain, target]);

  const headline = useMemo(() => {
    if (uptake.status !== 'ready') return null;
    const d = uptake.data;
    const period = dateCol(d) ?? COLUMNS.uptake.period_start;
    const last = latestWith(d.rows, period, COLUMNS.uptake.uptake_pct);
    const lastAny = [...d.rows].sort((a, b) => String(a[period]).localeCompare(String(b[period]))).pop();
    return {
      pct: numberAt(last, COLUMNS.uptake.uptake_pct),
      activated: numberAt(last ?? lastAny, COLUMNS.uptake.activated),
      eligible: numberAt(last ?? lastAny, COLUMNS.uptake.eligible),
      reached: numberAt(lastAny, COLUMNS.uptake.reached_by_feeds),
      hidden: !!lastAny?._suppressed?.includes(COLUMNS.uptake.uptake_pct),
    };
  }, [uptake]);

  const activeLatest = useMemo(() => {
    if (active.status !== 'ready') return null;
    // The last complete period: on 4 December, four days of December are not a month of use.
    const last = latestComplete(active.data.rows, dateCol(active.data) ?? COLUMNS.active_users.period_start, COLUMNS.active_users.active_patients);
    return { value: numberAt(last, COLUMNS.active_users.active_patients), period: last ? String(last[dateCol(active.data) ?? COLUMNS.active_users.period_start]) : null };
  }, [active]);

  const money = useMemo(() => (roi.status === 'ready' ? roiTotals(roi.data) : null), [roi]);
  // The server's total of every scope (hidden: '*'), as on Data & consent and the Report.
  const objections = useMemo(() => (consent.status === 'ready' ? latestObjections(consent.data) : null), [consent]);

  const rag = rolloutRagShown(verdict);
  const keep = new URLSearchParams(route.query);

  return (
    <>
      <PageHeader
        title="Overview"
        caption="How many eligible patients use the portal, how they use it, what it saves and what it costs."
      />
      <ScopeNotice chosen={filters.org} shown={scoped.org} />
      {/* biome-ignore lint/a11y/useSemanticElements: a row of figures, not a form's fieldset */}
      <div class="tiles" role="group" aria-label="Headline figures">
        {provider ? (
          <Tile
            hero
            testId="headline-uptake"
            label="Patients who activated the portal here"
            loading={uptake.status === 'loading'}
            value={headline?.activated !== null && headline?.activated !== undefined ? formatCount(headline.activated) : '*'}
            detail={
              headline?.reached !== null && headline?.reached !== undefined
                ? `${formatCount(headline.reached)} patients have records sent to the portal by ${org?.name}. A provider has no registered list, so there is no uptake percentage.`
                : 'A provider has no registered list, so there is no uptake percentage.'
            }
          />
        ) : (
        <Tile
          hero
          testId="headline-uptake"
          label="Patients using the portal (uptake)"
          loading={uptake.status === 'loading'}
          value={headline?.pct !== null && headline?.pct !== undefined ? formatPercent(headline.pct) : headline?.hidden ? '*' : '–'}
          detail={
            <>
              {headline?.activated !== null && headline?.eligible ? (
                <>
                  {formatCount(headline.activated ?? 0)} of {formatCount(headline.eligible)} eligible patients.{' '}
                </>
              ) : null}
              {target !== null ? (
                <>
                  Target {formatPercent(target)} <RagBadge rag={rag} />
                  <br />
                  {verdictSentence(verdict)}
                </>
              ) : (
                'No uptake target set.'
              )}
            </>
          }
        />
        )}
        <Tile
          testId="headline-active"
          label={`Active patients, last complete ${filters.grain}`}
          loading={active.status === 'loading'} source={active}
          value={activeLatest?.value !== null && activeLatest?.value !== undefined ? formatCount(activeLatest.value) : '*'}
          detail={activeLatest?.period ? `used the portal in ${formatPeriod(activeLatest.period, filters.grain)}` : undefined}
        />
        <Tile
          testId="headline-savings"
          label="Savings to date (central estimate)"
          loading={roi.status === 'loading'}
          value={money ? formatGbp(money.savings, true) : '–'}
          detail={
            money ? (
              <>
                since the programme began, against {formatGbp(money.cost, true)} spent.{' '}
                {money.ratio !== null ? `Return: ${formatNumber(money.ratio, 'ratio')} × the cost.` : ''}{' '}
                <a href={hrefFor('/savings', keep)}>See savings</a>
              </>
            ) : undefined
          }
        />
        <Tile
          testId="headline-objections"
          label="Objections to data sharing in force"
          loading={consent.status === 'loading'} source={consent}
          value={objections ? (objections.n !== null ? formatCount(objections.n) : '*') : '–'}
          detail={
            <>
              Patients who asked for their data not to be shared. <a href={hrefFor('/data', keep)}>See data and consent</a>
            </>
          }
        />
      </div>
      <div class="grid">
        <ChartCard
          title={provider ? `Patients activated at ${org?.name ?? ''} and reached by its records` : `Uptake over time${target !== null ? ' against the target' : ''}`}
          subtitle={
            provider
              ? 'Running totals at the end of each period: patients whose portal activation happened here, and patients with at least one record sent by it.'
              : 'Share of eligible patients with an activated portal account, at the end of each period.'
          }
          data={uptakeData}
          chart={provider ? providerChart : uptakeSeriesChart}
          footer={(d) =>
            provider ? (
              <Legend
                items={[
                  { label: 'Activated here', colour: COLOURS.blue, kind: 'line' },
                  { label: 'Reached by its record feeds', colour: COLOURS.aqua, kind: 'line' },
                ]}
              />
            ) : d.target !== null ? (
              <Legend
                items={[
                  { label: org?.name ?? 'Uptake', colour: COLOURS.blue, kind: 'line' },
                  { label: `Target ${formatPercent(d.target)}`, colour: COLOURS.orange, kind: 'dash' },
                ]}
              />
            ) : null
          }
        />
        <ChartCard
          title={`Active patients each ${filters.grain}`}
          subtitle="Patients who used the portal at least once in the period."
          data={useMemo(() => mapLoadable(active, (d) => ({ ...d, grain: filters.grain })), [active, filters.grain])}
          chart={activeChart}
        />
        <ChartCard
          title="Savings against cost since the programme began"
          subtitle="Running totals from the programme's start, drawn for the dates shown: central estimate of savings from portal use, with the low–high range, against programme costs."
          data={useMemo(() => mapLoadable(roi, (d) => ({ ...d, grain: 'month' })), [roi])}
          chart={roiChart}
          footer={() => (
            <Legend
              items={[
                { label: 'Savings (central)', colour: COLOURS.green, kind: 'line' },
                { label: 'Low–high range', colour: '#a3d9b9' },
                { label: 'Cost', colour: COLOURS.red, kind: 'line' },
              ]}
            />
          )}
        />
        <ChartCard
          title="Objections to data sharing in force"
          data={useMemo(() => mapLoadable(consent, (d) => ({ ...d, grain: filters.grain })), [consent, filters.grain])}
          chart={objectionsChart}
          subtitle="Patients with an objection registered and not withdrawn, at the end of each period, by the organisation objected to."
        />
      </div>
    </>
  );
}

/** Savings, cost and the return (savings per £1, the server's: roi-rule.ts) to date, from the latest roi row. */
export function roiTotals(d: MetricResult<'roi'>): { savings: number; cost: number; ratio: number | null } | null {
  const period = dateCol(d) ?? COLUMNS.roi.period_start;
  const last = latestWith(d.rows, period, COLUMNS.roi.cumulative_savings_central_gbp) ?? d.rows[d.rows.length - 1];
  const savings = numberAt(last, COLUMNS.roi.cumulative_savings_central_gbp);
  const cost = numberAt(last, COLUMNS.roi.cumulative_cost_gbp);
  if (savings === null && cost === null) return null;
  return { savings: savings ?? 0, cost: cost ?? 0, ratio: numberAt(last, COLUMNS.roi.return_central_ratio) };
}

