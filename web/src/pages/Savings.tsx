import { useMemo } from 'preact/hooks';
import { getJson } from '../api/client.js';
import { useLoad, useMetric, type Loadable } from '../api/hooks.js';
import type { Column, MetricResult, Row } from '../api/types.js';
import { COLOURS } from '../charts/values.js';
import { ChartCard, type TableData } from '../components/ChartCard.js';
import { Legend, PageHeader, Tile } from '../components/Page.js';
import { WhatIf } from '../components/WhatIf.js';
import { ErrorState, Loading } from '../components/States.js';
import { useApp } from '../lib/context.js';
import { describeRange } from '../lib/filters.js';
import { formatGbp, formatNumber, formatPeriod } from '../lib/format.js';
import { COLUMNS, dateCol, numberAt, stringAt } from '../lib/metric.js';
import { childLevel } from '../lib/orgs.js';
import { setParams } from '../lib/router.js';
import {
  computeSavings,
  decodeValues,
  encodeValues,
  type ActivityRow,
  type CostRow,
  type SavingType,
  type SavingsResult,
  type UnitValues,
} from '../lib/savings.js';
import { cumulativeChart, orgChart, typeChart } from '../charts/savings.js';

/**
 * The unit-value model the API sends with the savings metric: one entry per saving type and
 * event kind ({id, label, event_type, fraction, low, central, high}); one value per saving type here.
 */
export function savingsModel(d: MetricResult<'savings'>, published?: unknown): SavingType[] {
  // GET /api/savings-model: { items: [{ id, label, fraction, unit_value_gbp: { low, central, high }, source }] };
  // a flattened list ({ id, label, low, central, high }) is read as well.
  const pub = published as { model?: unknown } | null | undefined;
  const holder = (pub?.model ?? published ?? d.model ?? d.savingsModel ?? []) as unknown;
  const raw = (Array.isArray(holder) ? holder : ((holder as { items?: unknown[] }).items ?? [])) as Array<Record<string, unknown>>;
  const byType = new Map<string, SavingType>();
  for (const m of raw) {
    const type = String(m.id ?? m.type ?? m.saving_type ?? '');
    if (!type || byType.has(type)) continue;
    const v = (m.unit_value_gbp ?? m) as Record<string, unknown>;
    byType.set(type, {
      type,
      label: String(m.label ?? type),
      low: Number(v.low ?? 0),
      central: Number(v.central ?? 0),
      high: Number(v.high ?? 0),
      description: typeof m.source === 'string' ? m.source : typeof m.description === 'string' ? m.description : undefined,
      activity: typeof m.fraction === 'number' ? `${Math.round(m.fraction * 100)}% of this activity is assumed to avoid a cost.` : undefined,
    });
  }
  // Types with activity but missing from the model still show (valued at 0 until given a value).
  for (const r of d.rows) {
    const type = stringAt(r, COLUMNS.savings.saving_type);
    if (type && !byType.has(type)) byType.set(type, { type, label: stringAt(r, COLUMNS.savings.saving_label) ?? type, low: 0, central: 0, high: 0 });
  }
  return [...byType.values()];
}

export function activityRows(d: MetricResult<'savings'>, withOrg = false): ActivityRow[] {
  const period = dateCol(d) ?? COLUMNS.savings.period_start;
  const out: ActivityRow[] = [];
  for (const r of d.rows) {
    // Savings = activities that avoided a cost (activity × the model's fraction) × value of one.
    const count = numberAt(r, COLUMNS.savings.avoided) ?? numberAt(r, COLUMNS.savings.activity);
    const type = stringAt(r, COLUMNS.savings.saving_type);
    if (count === null || !type) continue;
    out.push({
      period: String(r[period] ?? ''),
      type,
      count,
      activity: numberAt(r, COLUMNS.savings.activity) ?? count,
      org: withOrg ? (stringAt(r, COLUMNS.savings.org_code) ?? undefined) : undefined,
    });
  }
  return out;
}

export function costRows(d: MetricResult<'roi'>): CostRow[] {
  const period = dateCol(d) ?? COLUMNS.roi.period_start;
  return d.rows.map((r) => ({ period: String(r[period] ?? ''), cost: numberAt(r, COLUMNS.roi.cost_gbp) ?? 0 })).filter((c) => c.period);
}

/**
 * The programme-to-date figures as the server publishes them (the roi metric: running totals, and
 * the return and payback period by the one rule, server/metrics/roi-rule.ts): what the page shows
 * while no what-if value is changed, so its totals, return and payback month are the Overview's
 * and the Report's.
 */
export function serverToDate(d: MetricResult<'roi'>): Pick<SavingsResult, 'periods' | 'payback'> & { totals: Omit<SavingsResult['totals'], 'activity'> } {
  const period = dateCol(d) ?? COLUMNS.roi.period_start;
  const R = COLUMNS.roi;
  const rows = [...d.rows].sort((a, b) => String(a[period]).localeCompare(String(b[period])));
  const periods = rows.map((r) => ({
    period: String(r[period] ?? ''),
    // An in-period saving hidden by the small-number rule (1–7 events) is counted in the running totals only.
    low: numberAt(r, R.savings_low_gbp) ?? 0,
    central: numberAt(r, R.savings_central_gbp) ?? 0,
    high: numberAt(r, R.savings_high_gbp) ?? 0,
    cost: numberAt(r, R.cost_gbp) ?? 0,
    cumLow: numberAt(r, R.cumulative_savings_low_gbp) ?? 0,
    cumCentral: numberAt(r, R.cumulative_savings_central_gbp) ?? 0,
    cumHigh: numberAt(r, R.cumulative_savings_high_gbp) ?? 0,
    cumCost: numberAt(r, R.cumulative_cost_gbp) ?? 0,
  }));
  const last = periods[periods.length - 1];
  return {
    periods,
    payback: rows.map((r) => stringAt(r, R.payback_central)).find((p) => p !== null) ?? null,
    totals: {
      low: last?.cumLow ?? 0,
      central: last?.cumCentral ?? 0,
      high: last?.cumHigh ?? 0,
      cost: last?.cumCost ?? 0,
      ratio: numberAt(rows[rows.length - 1], R.return_central_ratio),
    },
  };
}

interface Computed {
  model: SavingType[];
  values: UnitValues;
  /** Programme-to-date: every month since the programme began (totals, payback). */
  result: SavingsResult;
  /** The months of the selected dates only (what is drawn, and the in-period figures). */
  shown: SavingsResult['periods'];
  inPeriod: SavingsResult;
  /** Months the roi metric marks partial (cut short by the end date or the latest data). */
  partial: Set<string>;
  orgResult: SavingsResult | null;
  orgRemainder: Remainder | null;
  changed: boolean;
}

/** The first month of the selected dates (periods are whole months from the one containing `from`). */
const firstMonth = (from: string | undefined) => (from ? `${from.slice(0, 7)}-01` : '');

export default function Savings() {
  const { filters, orgs, route } = useApp();
  const org = orgs.byCode.get(filters.org);
  // Savings, cost, ROI and payback are programme-to-date whatever the dates chosen, so the
  // activity and costs are asked for since the programme began; the dates choose what is drawn.
  const since = filters.programmeStart && (!filters.from || filters.programmeStart < filters.from) ? filters.programmeStart : filters.from;
  const range = { org: filters.org, from: filters.from, to: filters.to, grain: 'month' as const };
  const toDate = { ...range, from: since };
  const savings = useMetric('savings', toDate);
  const model = useLoad('savings-model', (signal) => getJson<unknown>('/api/savings-model', signal).catch(() => null));
  const roi = useMetric('roi', toDate);
  const level = childLevel(org?.type);
  const byOrg = useMetric('savings', level ? { ...range, level } : null);
  const whatIf = route.query.get('whatif');

  const computed: Loadable<Computed> = useMemo(() => {
    if (savings.status !== 'ready') return savings;
    if (roi.status !== 'ready') return roi;
    if (model.status === 'loading') return model;
    try {
    const model_ = savingsModel(savings.data, model.status === 'ready' ? model.data : undefined);
    const values = decodeValues(whatIf, model_);
    const activity = activityRows(savings.data);
    const costs = costRows(roi.data);
    const changed = encodeValues(values, model_) !== null;
    // At the model's values the server's figures are shown (totals, running totals, return, payback):
    // one owner for the numbers the Overview and the Report show too. A what-if scenario is worked
    // out here with the same payback rule (server/metrics/roi-rule.ts).
    const whatIfResult = computeSavings(activity, model_, values, costs);
    const server = changed ? null : serverToDate(roi.data);
    const result = server ? { ...whatIfResult, ...server, totals: { ...whatIfResult.totals, ...server.totals } } : whatIfResult;
    const start = firstMonth(filters.from);
    const shown = result.periods.filter((p) => p.period >= start);
    const inPeriod = computeSavings(activity.filter((a) => a.period >= start), model_, values, costs.filter((c) => c.period >= start));
    const orgResult = byOrg.status === 'ready' ? computeSavings(activityRows(byOrg.data, true), model_, values, []) : null;
    const orgRemainder = byOrg.status === 'ready' ? remainderOf(byOrg.data, model_, values) : null;
    const partial = new Set(roi.data.rows.filter((r) => r.complete === false).map((r) => String(r[COLUMNS.savings.period_start])));
    return { status: 'ready', data: { model: model_, values, result, shown, inPeriod, partial, orgResult, orgRemainder, changed } };
    } catch (error) {
      return { status: 'error', error: error instanceof Error ? error : new Error(String(error)) };
    }
  }, [savings, roi, byOrg, whatIf, model, filters.from]);

  const setValues = (type: string, value: UnitValues[string]) => {
    if (computed.status !== 'ready') return;
    const next: UnitValues = { ...computed.data.values, [type]: value };
    setParams({ whatif: encodeValues(next, computed.data.model) }, { replace: true });
  };

  const c = computed.status === 'ready' ? computed.data : null;
  const t = c?.result.totals;
  const orgName = (code: string) => orgs.byCode.get(code)?.name ?? code;

  const cumulative = useMemo(() => (c ? cumulativeTable(c.shown, c.result.payback, c.partial) : null), [c]);
  const types = useMemo(() => (c ? typeTable(c.inPeriod) : null), [c]);
  const selected = describeRange(filters);
  const paybackShown = !!c?.result.payback && c.shown.some((p) => p.period === c.result.payback);
  const orgTable = useMemo(
    () => (c?.orgResult && level ? orgSavingsTable(c.orgResult, orgName, c.orgRemainder) : null),
    [c, level],
  );
  // A failed answer: the tiles have no figure ('–', not busy) and say why, as the cards below do (one the
  // organisation cannot have is the tile's own "Not available").
  const failedNote = computed.status === 'error' ? 'Not available: this could not be loaded (see below).' : undefined;
  const ready = <T,>(v: T | null): Loadable<T> => (computed.status === 'ready' ? { status: 'ready', data: v! } : computed.status === 'error' ? computed : { status: 'loading' });

  return (
    <>
      <PageHeader
        title="Savings & ROI"
        caption="What the portal saves the NHS, estimated from what patients do online instead of by phone, letter or visit, against what the programme costs."
      />
      {c?.changed && (
        <p class="notice" role="status">
          You are looking at a <strong>what-if scenario</strong>: some values per activity differ from the programme's model.{' '}
          <button type="button" class="link-button" onClick={() => setParams({ whatif: null }, { replace: true })}>
            Go back to the model's values
          </button>
        </p>
      )}
      <div class="tiles">
        <Tile
          hero
          testId="savings-total"
          label="Savings since the programme began (central estimate)"
          loading={computed.status === 'loading'}
          source={computed}
          value={t ? formatGbp(t.central, true) : '–'}
          detail={
            t && c ? (
              <>
                Range {formatGbp(t.low, true)} to {formatGbp(t.high, true)}. In the dates shown ({selected}):{' '}
                {formatGbp(c.inPeriod.totals.central, true)}.
              </>
            ) : (
              failedNote
            )
          }
        />
        <Tile
          label="Programme cost since it began"
          loading={computed.status === 'loading'}
          source={computed}
          value={t ? formatGbp(t.cost, true) : '–'}
          detail={c ? `Licences, implementation, staff and marketing. In the dates shown: ${formatGbp(c.inPeriod.totals.cost, true)}.` : failedNote}
        />
        <Tile
          label="Return on investment to date"
          loading={computed.status === 'loading'}
          source={computed}
          value={t && t.ratio !== null ? `${formatNumber(t.ratio, 'ratio')} ×` : '–'}
          detail={t ? `Savings for each £1 spent since the programme began. Net benefit ${formatGbp(t.central - t.cost, true)} (central).` : failedNote}
        />
        <Tile
          label="Payback"
          loading={computed.status === 'loading'}
          source={computed}
          value={c ? (c.result.payback ? formatPeriod(c.result.payback, 'month') : 'Not yet') : '–'}
          detail={
            c
              ? c.result.payback
                ? `The month savings since the programme began first covered its cost${paybackShown ? '' : ' (before the dates shown)'}.`
                : 'Savings since the programme began have not yet covered its cost.'
              : failedNote
          }
        />
      </div>
      <div class="savings-layout">
          <ChartCard
            id="savings-cumulative"
            title="Savings against cost since the programme began, with the payback point"
            subtitle="Running totals from the programme's start, drawn for the dates shown. Central estimate with the low–high band. Follows the what-if values at once."
            data={ready(cumulative)}
            chart={cumulativeChart}
            height={320}
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
            id="savings-types"
            title="Savings by type in the dates shown"
            subtitle={`${selected}. Central estimate, with the low–high range as a line.`}
            data={ready(types)}
            chart={typeChart}
          />
          {level && (
            <ChartCard
              id="savings-orgs"
              title={`Savings by ${level === 'ccg' ? 'CCG' : 'GP practice'}`}
              subtitle={`Central estimate of savings from activity in each organisation, ${selected}. The bars add up to the savings in the dates shown${t && c ? ` (${formatGbp(c.inPeriod.totals.central, true)})` : ''}; what no ${level === 'ccg' ? 'CCG' : 'practice'} holds is the grey bar${byOrg.status === 'ready' && suppressedParts(byOrg.data) > 0 ? ', with the parts hidden as small numbers ("+ hidden")' : ''}.`}
              data={orgTable ? { status: 'ready', data: orgTable } : byOrg.status === 'error' ? byOrg : { status: 'loading' }}
              chart={orgChart}
            />
          )}
        <aside class="whatif" aria-labelledby="whatif-title">
          <h2 id="whatif-title">What if the values were different?</h2>
          <p class="hint">
            Change the value of one activity (in £) and every figure on this page is worked out again straight away. The starting values are the
            programme's savings model.
          </p>
          {computed.status === 'loading' && <Loading label="Loading the savings model" height={120} />}
          {computed.status === 'error' && <ErrorState error={computed.error} />}
          {c && (
            <WhatIf
              model={c.model}
              values={c.values}
              byType={c.result.byType}
              changed={c.changed}
              onChange={setValues}
              onReset={() => setParams({ whatif: null }, { replace: true })}
            />
          )}
        </aside>
      </div>
    </>
  );
}

const gbp = (name: string, label: string): Column => ({ name, label, type: 'number', unit: 'gbp' });

function cumulativeTable(periods: SavingsResult['periods'], payback: string | null, partial: Set<string>): TableData & { payback: string | null } {
  return {
    columns: [
      { name: 'period', label: 'Month', type: 'date' },
      gbp('central', 'Savings in month (central)'),
      gbp('cumLow', 'Savings to date (low)'),
      gbp('cumCentral', 'Savings to date (central)'),
      gbp('cumHigh', 'Savings to date (high)'),
      gbp('cost', 'Cost in month'),
      gbp('cumCost', 'Cost to date'),
    ],
    rows: periods.map((p) => ({ ...p, period: p.period, complete: !partial.has(p.period) }) as unknown as Row),
    grain: 'month',
    payback,
  };
}

function typeTable(r: SavingsResult): TableData {
  return {
    columns: [
      { name: 'label', label: 'Type of saving', type: 'string' },
      { name: 'activity', label: 'Activities', type: 'number', unit: 'count' },
      { name: 'avoided', label: 'That avoided a cost', type: 'number', unit: 'count' },
      gbp('low', 'Savings (low)'),
      gbp('central', 'Savings (central)'),
      gbp('high', 'Savings (high)'),
    ],
    rows: r.byType as unknown as Row[],
  };
}

/** Rows of the savings metric by organisation whose savings are hidden by the small-number rule. */
export function suppressedParts(d: MetricResult): number {
  return d.rows.filter((r) => r._suppressed?.some((c) => c.startsWith('savings_'))).length;
}

/** What no organisation of the level holds (the server's remainder row), valued as the page values savings. */
interface Remainder {
  name: string;
  low: number;
  central: number;
  high: number;
}

/**
 * The server's remainder rows of savings by a level (no org_code: the organisation's total minus
 * the level's rows, per period and saving type; server/metrics/catalogue.ts): summed and valued
 * with the page's unit values, as the bars are, so with what-if values too they add up to the
 * headline. Its name is the server's ("Trusts and community services", "… + hidden" when it holds
 * parts hidden by the small-number rule).
 */
export function remainderOf(d: MetricResult<'savings'>, model: SavingType[], values: UnitValues): Remainder | null {
  const rows = d.rows.filter((r) => stringAt(r, COLUMNS.savings.org_code) === null);
  if (rows.length === 0) return null;
  const names = [...new Set(rows.map((r) => stringAt(r, COLUMNS.savings.org_name) ?? ''))];
  const { low, central, high } = computeSavings(activityRows({ ...d, rows }), model, values, []).totals;
  return { name: names.find((n) => n.endsWith('+ hidden')) ?? names[0] ?? '', low, central, high };
}

/**
 * Savings by organisation beside the page's total: the organisations' bars and, grey, the
 * server's remainder (what no organisation of the level holds), which make up the total between
 * them. Nothing is worked out here beyond valuing the rows: the remainder has one owner, the
 * server, so the chart, its table and the API's JSON / CSV export agree.
 */
export function orgSavingsTable(r: SavingsResult, name: (code: string) => string, remainder: Remainder | null): TableData & { rows: Row[] } {
  const rows: Row[] = r.byOrg.map((o) => ({ ...o, name: name(o.org) }));
  if (remainder && (Math.abs(remainder.central) >= 0.005 || Math.abs(remainder.high) >= 0.005 || remainder.name.endsWith('+ hidden'))) {
    // Activity is not split out for the remainder (a count of no organisation's).
    rows.push({ org: '', name: remainder.name, activity: null, low: remainder.low, central: remainder.central, high: remainder.high, remainder: true });
  }
  return {
    columns: [
      { name: 'name', label: 'Organisation', type: 'string' },
      { name: 'activity', label: 'Activity', type: 'number', unit: 'count' },
      gbp('low', 'Savings (low)'),
      gbp('central', 'Savings (central)'),
      gbp('high', 'Savings (high)'),
    ],
    rows,
  };
}
