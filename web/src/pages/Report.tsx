import { useMemo } from 'preact/hooks';
import { useMetric } from '../api/hooks.js';
import { NotAvailable } from '../api/client.js';
import type { MetricRow } from '../api/types.js';
import { PlotView } from '../charts/PlotView.js';
import { Legend, RagBadge } from '../components/Page.js';
import { COLOURS } from '../charts/values.js';
import { OrgPicker } from '../components/OrgPicker.js';
import { ErrorState, Loading } from '../components/States.js';
import { SUPPRESSION_SHORT } from '../components/Suppression.js';
import { useApp } from '../lib/context.js';
import { RANGE_PRESETS, describeRange, type RangeKey } from '../lib/filters.js';
import { formatCount, formatDateTime, formatDay, formatGbp, formatNumber, formatPercent, formatPeriod } from '../lib/format.js';
import { COLUMNS, dateCol, latestComplete, latestWith, numberAt, stringAt } from '../lib/metric.js';
import { LEVEL_LABELS, childLevel } from '../lib/orgs.js';
import { rolloutRag, rolloutRagShown, rolloutVerdict, verdictLabel } from '../lib/projection.js';
import { RAG_LABEL, ragLabel, type Rag } from '../lib/rag.js';
import { setParams } from '../lib/router.js';
import { coarseGrain, practiceScope } from '../lib/scope.js';
import { sumOverPeriods } from './Funnel.js';
import { latestObjections, providerChart, roiChart, uptakeSeriesChart } from './shared.js';

/** A one-page evaluation summary of any organisation, laid out for A4 (print or save as PDF). */
/** A figure the organisation cannot have (counted by registered practice), rather than a hidden one. */
const notAvailable = (l: { status: string; error?: Error }) => l.status === 'error' && l.error instanceof NotAvailable;

export default function Report() {
  const { filters, orgs, health } = useApp();
  const org = orgs.byCode.get(filters.org);
  const scoped = practiceScope(orgs, filters.org);
  const base = { from: filters.from, to: filters.to };
  const uptake = useMetric('uptake', { ...base, org: filters.org, grain: 'month' });
  const active = useMetric('active_users', { ...base, org: scoped.org, grain: 'month' });
  const roi = useMetric('roi', { ...base, org: filters.org, grain: 'month' });
  const consent = useMetric('consent', { ...base, org: scoped.org, grain: 'month' });
  const funnel = useMetric('funnel', { ...base, org: scoped.org, grain: coarseGrain('month') });
  const equity = useMetric('equity', { org: scoped.org, to: filters.to, by: 'imd_decile' });
  const level = childLevel(org?.type);
  const league = useMetric('rollout', level ? { org: filters.org, level, to: filters.to } : null);
  const provider = org?.type === 'trust' || org?.type === 'community';
  // RAG and the projected date are the rollout metric's (the same row as the Rollout page's).
  const own = useMetric('rollout', provider ? null : { org: filters.org, to: filters.to });
  const verdict = own.status === 'ready' ? own.data.rows[0] : undefined;

  // The target the RAG is rated against: the rollout metric's (own, or the practices' weighted average).
  const target = numberAt(verdict, COLUMNS.rollout.target_pct) ?? org?.targetUptakePct ?? null;
  // Figures counted at GP practices are the wider area's for a provider; say whose they are.
  const wider = scoped.substituted ? ` (${orgs.byCode.get(scoped.org)?.name ?? scoped.org})` : '';
  const up = useMemo(() => {
    if (uptake.status !== 'ready') return null;
    const period = dateCol(uptake.data) ?? COLUMNS.uptake.period_start;
    const last = latestWith(uptake.data.rows, period, COLUMNS.uptake.uptake_pct);
    const lastAny = last ?? uptake.data.rows[uptake.data.rows.length - 1];
    return { pct: numberAt(last, COLUMNS.uptake.uptake_pct), activated: numberAt(lastAny, COLUMNS.uptake.activated), eligible: numberAt(lastAny, COLUMNS.uptake.eligible) };
  }, [uptake]);
  // Active patients in the last complete month (a partial month at the end is not comparable).
  const actRow = active.status === 'ready' ? latestComplete(active.data.rows, COLUMNS.active_users.period_start, COLUMNS.active_users.active_patients) : undefined;
  const act = numberAt(actRow, COLUMNS.active_users.active_patients);
  const money = useMemo(() => {
    if (roi.status !== 'ready') return null;
    const last = latestWith(roi.data.rows, COLUMNS.roi.period_start, COLUMNS.roi.cumulative_savings_central_gbp) ?? roi.data.rows[roi.data.rows.length - 1];
    return {
      savings: numberAt(last, COLUMNS.roi.cumulative_savings_central_gbp) ?? 0,
      low: numberAt(last, COLUMNS.roi.cumulative_savings_low_gbp) ?? 0,
      high: numberAt(last, COLUMNS.roi.cumulative_savings_high_gbp) ?? 0,
      cost: numberAt(last, COLUMNS.roi.cumulative_cost_gbp) ?? 0,
      payback: stringAt(last, COLUMNS.roi.payback_central),
      // Savings per £1 of cost: the server's (server/metrics/roi-rule.ts), as on the Overview and Savings & ROI.
      ratio: numberAt(last, COLUMNS.roi.return_central_ratio),
    };
  }, [roi]);
  // The server's total of every scope (hidden: '*'), as on the Overview and Data & consent.
  const objections = useMemo(() => (consent.status === 'ready' ? latestObjections(consent.data) : null), [consent]);
  const fun = useMemo(() => (funnel.status === 'ready' ? sumOverPeriods(funnel.data, COLUMNS.funnel.breakdown).rows.find((r) => r.breakdown === 'All') : undefined), [funnel]);
  const eq = useMemo(() => {
    if (equity.status !== 'ready') return null;
    const rows = equity.data.rows;
    const all = rows.find((r) => r.breakdown === 'All');
    return {
      q1: numberAt(rows.find((r) => String(r.breakdown).startsWith('Q1')), COLUMNS.equity.uptake_pct),
      q5: numberAt(rows.find((r) => String(r.breakdown).startsWith('Q5')), COLUMNS.equity.uptake_pct),
      gap: numberAt(all, COLUMNS.equity.gap_q5_q1_pp),
    };
  }, [equity]);

  // Invited → activated over the dates chosen, as the Funnel page works it out (sumOverPeriods);
  // none when nobody was invited: a trust's report leaves the line out.
  const invited = numberAt(fun, COLUMNS.funnel.overall_pct);
  const rag = rolloutRagShown(verdict);
  const loading = [uptake, roi].some((l) => l.status === 'loading');
  const failed = [uptake, roi].find((l) => l.status === 'error');
  const asOf = health?.asOf;

  const uptakeRender = useMemo(
    () =>
      uptake.status === 'ready'
        ? (width: number) => (provider ? providerChart({ ...uptake.data, grain: 'month' }, { width }) : uptakeSeriesChart({ ...uptake.data, grain: 'month', target }, { width }))
        : null,
    [uptake, target, provider],
  );
  const roiRender = useMemo(() => (roi.status === 'ready' ? (width: number) => roiChart({ ...roi.data, grain: 'month' }, { width }) : null), [roi]);

  return (
    <>
      <div class="report-toolbar no-print">
        <OrgPicker orgs={orgs} value={filters.org} onChange={(code) => setParams({ org: code === orgs.root ? null : code })} />
        <div class="field">
          <label class="field-label" for="report-range">
            Dates
          </label>
          <select id="report-range" value={filters.range} onChange={(e) => setParams({ range: (e.target as HTMLSelectElement).value, from: null, to: null })}>
            {RANGE_PRESETS.map((p) => (
              <option key={p.key} value={p.key}>
                {p.label}
              </option>
            ))}
            {filters.range === ('custom' as RangeKey) && <option value="custom">Chosen dates</option>}
          </select>
        </div>
        <button type="button" class="button" onClick={() => window.print()}>
          Print or save as PDF
        </button>
      </div>
      <article class="report" aria-labelledby="report-title">
        <header>
          <p class="report-meta">Patient portal programme · evaluation summary</p>
          <h1 id="report-title">{org?.name}</h1>
          <p class="report-meta">
            {org ? LEVEL_LABELS[org.type]?.one : ''} · {describeRange(filters)}
            {asOf?.latestEventAt && <> · data as of {formatDay(asOf.latestEventAt)}</>}
            {asOf?.lastImportAt && <> (imported {formatDateTime(asOf.lastImportAt)})</>}
          </p>
        </header>
        {loading && <Loading label="Preparing the report" />}
        {failed && failed.status === 'error' && <ErrorState error={failed.error} />}
        {!loading && !failed && (
          <>
            <div class="tiles" data-testid="report-tiles">
              <div class="tile tile-hero">
                <p class="tile-label">{provider ? 'Activated here' : 'Uptake'}</p>
                <p class="tile-value">
                  {provider ? (up?.activated !== null && up?.activated !== undefined ? formatCount(up.activated) : '–') : up?.pct !== null && up?.pct !== undefined ? formatPercent(up.pct) : '*'}
                </p>
                <p class="tile-detail">
                  {target !== null ? <>Target {formatPercent(target)} · <RagBadge rag={rag} /></> : 'No target set'}
                </p>
              </div>
              <div class="tile">
                <p class="tile-label">Active patients ({actRow ? formatPeriod(String(actRow[COLUMNS.active_users.period_start]), 'month') : 'last complete month'}){wider}</p>
                <p class="tile-value">{act !== null ? formatCount(act) : notAvailable(active) ? 'Not available' : '*'}</p>
                <p class="tile-detail">{up?.activated ? `${formatCount(up.activated)} activated accounts` : ''}</p>
              </div>
              <div class="tile">
                <p class="tile-label">Savings since the programme began (central)</p>
                <p class="tile-value">{money ? formatGbp(money.savings, true) : '–'}</p>
                <p class="tile-detail">
                  {money
                    ? `${money.cost > 0 ? `Cost ${formatGbp(money.cost, true)}` : 'No programme costs are recorded against this organisation'} · range ${formatGbp(money.low, true)}–${formatGbp(money.high, true)}`
                    : ''}
                </p>
              </div>
              <div class="tile">
                <p class="tile-label">Objections in force{wider}</p>
                <p class="tile-value">{objections?.n !== null && objections?.n !== undefined ? formatCount(objections.n) : notAvailable(consent) ? 'Not available' : '*'}</p>
                <p class="tile-detail">{notAvailable(consent) ? 'Counted by registered GP practice' : 'Honoured in every figure'}</p>
              </div>
            </div>
            <div class="report-grid">
              <section>
                <h2>{provider ? 'Patients activated here' : 'Uptake over time'}</h2>
                {uptakeRender && <PlotView render={uptakeRender} label={provider ? 'Patients activated here and patients reached by its record feeds' : 'Uptake over time against the target'} minHeight={200} />}
                {provider && (
                  <Legend
                    items={[
                      { label: 'Activated here', colour: COLOURS.blue, kind: 'line' },
                      { label: 'Reached by its record feeds (patients with a record it sent)', colour: COLOURS.aqua, kind: 'line' },
                    ]}
                  />
                )}
              </section>
              <section>
                <h2>{money && money.cost <= 0 ? 'Savings since the programme began (no costs recorded here)' : 'Savings against cost since the programme began'}</h2>
                {roiRender && <PlotView render={roiRender} label="Cumulative savings against cumulative cost" minHeight={200} />}
              </section>
            </div>
            <div class="report-grid">
              <section>
                <h2>Key findings</h2>
                <table>
                  <tbody>
                    {!provider && <Fact label="Eligible patients" value={up?.eligible !== null && up?.eligible !== undefined ? formatCount(up.eligible) : '–'} />}
                    <Fact label="Activated accounts" value={up?.activated !== null && up?.activated !== undefined ? formatCount(up.activated) : '*'} />
                    {!provider && <Fact label="Projected to reach target" value={verdictLabel(rolloutVerdict(verdict))} />}
                    {money && money.cost > 0 ? (
                      <>
                        <Fact label="Return on investment to date" value={money.ratio !== null ? `${formatNumber(money.ratio, 'ratio')} × cost` : '–'} />
                        <Fact label="Payback (central)" value={money.payback ? formatPeriod(money.payback, 'month') : 'Not yet'} />
                      </>
                    ) : (
                      <Fact label="Return on investment, payback" value="No costs recorded here" />
                    )}
                    {(!provider || invited !== null) && (
                      <Fact label={`Invited → activated${wider}`} value={invited !== null ? formatPercent(invited) : '–'} />
                    )}
                    {(!provider || (eq?.gap !== null && eq?.gap !== undefined)) && (
                      <Fact
                        label={`Deprivation gap (least − most deprived fifth)${wider}`}
                        value={eq?.gap !== null && eq?.gap !== undefined ? `${formatNumber(eq.gap, 'ratio')} points (${formatPercent(eq.q1 ?? 0)} vs ${formatPercent(eq.q5 ?? 0)})` : '–'}
                      />
                    )}
                  </tbody>
                </table>
              </section>
              {level && (
                <section>
                  <h2>{LEVEL_LABELS[level].many.replace(/^./, (c) => c.toUpperCase())} against target</h2>
                  {league.status === 'ready' ? <LeagueTable rows={league.data.rows} many={LEVEL_LABELS[level].many} /> : league.status === 'error' ? <ErrorState error={league.error} /> : <Loading height={80} />}
                </section>
              )}
            </div>
            <p class="report-notes">
              Uptake: patients with an activated portal account as a share of the eligible (registered) population. Savings: activity that replaces a
              posted letter, phone call or paper request, valued with the programme's savings model (low–central–high). Cost: programme and campaign costs.
              Privacy: {SUPPRESSION_SHORT} Counts are rounded to the nearest 5. Patients who object to sharing are counted only in objection figures.
            </p>
          </>
        )}
      </article>
    </>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td class="num">{value}</td>
    </tr>
  );
}

/** Rows of the league the report has room for (A4): the ones behind first. */
const LEAGUE_ROWS = 8;
const RAG_ORDER: Record<Rag, number> = { red: 0, amber: 1, none: 2, green: 3 };

/**
 * The organisations below against target, those behind first (red, then amber, then no target,
 * then on target; within each, the furthest below its target first), as many as fit on the page;
 * the line under the table says how many are left out and how they are rated.
 */
export function leagueForReport(rows: MetricRow<'rollout'>[], limit = LEAGUE_ROWS): { shown: MetricRow<'rollout'>[]; left: Record<Rag, number>; leftCount: number } {
  const gap = (r: MetricRow<'rollout'>) => (numberAt(r, COLUMNS.rollout.uptake_pct) ?? 0) - (numberAt(r, COLUMNS.rollout.target_pct) ?? 0);
  const sorted = [...rows].sort((a, b) => RAG_ORDER[rolloutRag(a)] - RAG_ORDER[rolloutRag(b)] || gap(a) - gap(b));
  const left: Record<Rag, number> = { red: 0, amber: 0, none: 0, green: 0 };
  for (const r of sorted.slice(limit)) left[rolloutRag(r)] += 1;
  return { shown: sorted.slice(0, limit), left, leftCount: Math.max(0, sorted.length - limit) };
}

function LeagueTable({ rows, many }: { rows: MetricRow<'rollout'>[]; many: string }) {
  const { shown, left, leftCount } = leagueForReport(rows);
  const rest = (['red', 'amber', 'none', 'green'] as const)
    .filter((k) => left[k] > 0)
    .map((k) => `${left[k]} ${RAG_LABEL[k].toLowerCase()}`)
    .join(', ');
  return (
    <>
      <table class="report-league">
        <thead>
          <tr>
            <th scope="col">Organisation</th>
            <th scope="col" class="num">
              Uptake
            </th>
            <th scope="col" class="num">
              Target
            </th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => {
            const pct = numberAt(r, COLUMNS.rollout.uptake_pct);
            const target = numberAt(r, COLUMNS.rollout.target_pct);
            const rag = rolloutRagShown(r);
            return (
              <tr key={stringAt(r, COLUMNS.rollout.org_code)}>
                <td>{stringAt(r, COLUMNS.rollout.org_name)}</td>
                <td class="num">{pct !== null ? formatPercent(pct) : '*'}</td>
                <td class="num">{target !== null ? formatPercent(target) : '–'}</td>
                <td>
                  <span class={`rag rag-${rag}`}>{ragLabel(rag)}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p class="report-league-note" data-testid="league-note">
        {leftCount > 0
          ? `Those behind target first. ${leftCount} more ${many} not listed: ${rest}.`
          : `All ${rows.length} ${many}, those behind target first.`}
      </p>
    </>
  );
}
