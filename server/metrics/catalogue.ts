/**
 * The metric catalogue as the server uses it: the data of each metric (catalogue-data.ts, shared
 * with the dashboard) joined with its derivation code — the values worked out across a row (the
 * rollout rule, campaign differences), the additive groups of complementary suppression and the
 * figures computed across rows after it. The API, its OpenAPI document, CSV/Parquet exports and
 * DEFINITIONS.md (scripts/metric-definitions.ts) all read this one list.
 */
import {
  ALL_SCOPES,
  METRICS,
  METRIC_NAMES,
  type ColumnSpec,
  type ColumnType,
  type Derivation,
  type Dimension,
  type Grain,
  type Level,
  type MetricName,
  type MetricSpec,
  type ProtectSpec,
  type TimeShape,
  type Unit,
} from './catalogue-data.js';
import {
  breakdownGroups,
  columnGroups,
  rate,
  type AdditiveGroup,
  type Cell,
  type Protection,
  type ProtectedRow,
  type RawRow,
} from './disclosure.js';
import { paybackPeriod, returnPerPound } from './roi-rule.js';

export {
  COLUMN_TYPES,
  DIMENSIONS,
  GRAINS,
  LEVELS,
  METRIC_NAMES,
  UNITS,
  isMetricName,
  type ColumnType,
  type Dimension,
  type Grain,
  type Level,
  type MetricName,
} from './catalogue-data.js';

export interface MetricColumn {
  name: string;
  label: string;
  type: ColumnType;
  unit?: Unit;
  protect: Protection;
  /** Not read from the SQL result: filled in after it (server/metrics/query.ts), e.g. `complete`. */
  computed?: boolean;
}

export interface MetricDefinition {
  name: MetricName;
  label: string;
  /** How it is defined, in plain words (DEFINITIONS.md is generated from it). */
  description: string;
  /** The unit of the headline figure. */
  unit: Unit;
  dimensions: readonly Dimension[];
  /** Breakdowns are only kept at these grains (absent: every grain of the metric). */
  dimensionGrains?: readonly Grain[];
  /** At these grains, breakdowns are only kept for these levels (absent grain: every level). */
  dimensionLevels?: Partial<Record<Grain, readonly Level[]>>;
  /** A breakdown is required; this one is used when `by` is absent. */
  defaultBy?: Dimension;
  grains: readonly Grain[];
  defaultGrain?: Grain;
  /** Levels rows can be grouped at; empty when the metric is not per organisation. */
  levels: readonly Level[];
  /** Whether `org` limits the result (true for every metric with levels, and campaign_impact). */
  usesOrg: boolean;
  time: TimeShape;
  /** Default length of the window ending at the latest data, in months (series / range). */
  defaultMonths: number;
  /** The savings model is bound as $model. */
  needsModel?: boolean;
  columns: readonly MetricColumn[];
  /** Which count columns add up over the breakdown rows to the 'All' row, per breakdown. */
  additiveBy?: Partial<Record<Dimension, readonly string[]>>;
  /** Additive relations beyond a breakdown's 'All' row. */
  groups?: (rows: readonly RawRow[], by: Dimension | null) => AdditiveGroup[];
  /**
   * Values worked out across the SQL's rows before disclosure control, from figures it does not
   * protect, with the dates asked for; returns the rows to publish (the roi metric's
   * programme-to-date rule needs the periods before `from`, and then leaves them out).
   */
  prepare?: (rows: RawRow[], range: PeriodRange) => RawRow[];
  /** Values computed across rows after disclosure control (from protected figures only). */
  finalize?: (rows: ProtectedRow[]) => void;
}

/** The dates of a request, as `prepare` reads them. */
interface PeriodRange {
  from: string | null;
  grain: Grain | null;
}

// ---- rollout derivations --------------------------------------------------------------------
// The one rollout rule: the dashboard's tiles, league tables and reports all read these columns
// and never project for themselves. Everything is worked out from the published (rounded)
// counts, so a reader can redo it from the same row, but not from the rounded percentages: uptake
// shown to 0.1 point would turn a change of 0.25 points in 12 weeks into 0.2 or 0.3.
const ROLLOUT_RULE = {
  /** The trend is the straight change between the week end 12 weeks before `to` and `to`. */
  weeksBack: 12,
  /** Beyond ten years a projected date is not one anyone plans with: "not on track". */
  maxProjectionWeeks: 520,
  /** Amber: at least this share of the target ... */
  amberShare: 0.8,
  /** ... or projected to reach it within this many weeks. */
  amberWithinWeeks: 52,
  /** Decimals of the published trend (percentage points per week): 0.021, not "0". */
  trendDecimals: 3,
} as const;

const num_ = (v: Cell | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Uptake now and 12 weeks earlier, in percent, unrounded, from the published counts. */
function exactUptake(r: Readonly<ProtectedRow>): { now: number; before: number | null } | null {
  const eligible = num_(r.eligible), now = num_(r.activated), before = num_(r.activated_12_weeks_ago);
  if (eligible === null || eligible <= 0 || now === null) return null;
  // (n x 100) / eligible, not n / eligible x 100: 140 / 1,000 x 100 is 14.000000000000002.
  return { now: (now * 100) / eligible, before: before === null ? null : (before * 100) / eligible };
}

/** Whether the target is reached, judged on uptake as published (to 0.1 point), as the reader sees it. */
function reached(r: Readonly<ProtectedRow>, target: number): boolean {
  const shown = num_(r.uptake_pct);
  return shown !== null && shown >= target;
}

/** Percentage points a week over the last 12 weeks, unrounded (null when a count is hidden). */
function exactWeeklyChange(r: Readonly<ProtectedRow>): number | null {
  const eligible = num_(r.eligible), now = num_(r.activated), before = num_(r.activated_12_weeks_ago);
  if (eligible === null || eligible <= 0 || now === null || before === null) return null;
  return ((now - before) * 100) / eligible / ROLLOUT_RULE.weeksBack;
}

function weeklyChange(r: Readonly<ProtectedRow>): number | null {
  const change = exactWeeklyChange(r);
  if (change === null) return null;
  const scale = 10 ** ROLLOUT_RULE.trendDecimals;
  return Math.round(change * scale) / scale + 0; // + 0: no "-0"
}

/** Whole weeks from `to` until uptake reaches the target at the trend; 0 when reached; null when never / over ten years. */
function weeksToTarget(r: Readonly<ProtectedRow>): number | null {
  const u = exactUptake(r), target = num_(r.target_pct);
  if (!u || target === null) return null;
  if (reached(r, target)) return 0;
  const change = exactWeeklyChange(r);
  if (change === null || change <= 0) return null;
  // Whole weeks, rounded up; a hair's breadth of floating-point error is not another week.
  const weeks = Math.ceil((target - u.now) / change - 1e-9);
  return weeks > ROLLOUT_RULE.maxProjectionWeeks ? null : weeks;
}

function projectedDate(r: Readonly<ProtectedRow>): string | null {
  const weeks = weeksToTarget(r);
  if (weeks === null || typeof r.as_of !== 'string') return null;
  const d = new Date(`${r.as_of}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + weeks * 7);
  return d.toISOString().slice(0, 10);
}

function rolloutStatus(r: Readonly<ProtectedRow>): string | null {
  const u = exactUptake(r), target = num_(r.target_pct);
  if (target === null) return 'no target';
  if (!u) return null;
  if (reached(r, target)) return 'target reached';
  return weeksToTarget(r) === null ? 'not on track' : 'on track';
}

function rag(r: Readonly<ProtectedRow>): string | null {
  const u = exactUptake(r), target = num_(r.target_pct);
  if (target === null) return 'none';
  if (!u) return null;
  if (reached(r, target)) return 'green';
  const weeks = weeksToTarget(r);
  if ((num_(r.uptake_pct) ?? u.now) >= ROLLOUT_RULE.amberShare * target || (weeks !== null && weeks <= ROLLOUT_RULE.amberWithinWeeks)) return 'amber';
  return 'red';
}

/** Uptake at each week end of the series, from the protected counts (null where a count is). */
function weeklyUptake(r: Readonly<ProtectedRow>): Cell {
  const series = r.activated_weekly;
  if (!Array.isArray(series)) return null;
  return series.map((n: number | null) => rate(n, r.eligible ?? null, 100, 1));
}

// ---- campaign derivations -------------------------------------------------------------------
function change(r: Readonly<ProtectedRow>, prefix: 'in_scope' | 'comparison'): number | null {
  const during = r[`${prefix}_during`], before = r[`${prefix}_before`], eligible = r[`${prefix}_eligible`];
  if (during === null || before === null || eligible === null || during === undefined || before === undefined) return null;
  return rate(Number(during) - Number(before), eligible ?? null, 1000, 2);
}

function additionalRegistrations(r: Readonly<ProtectedRow>): number | null {
  const inChange = r.in_scope_change_per_1000, eligible = r.in_scope_eligible;
  if (typeof inChange !== 'number' || typeof eligible !== 'number') return null;
  const cmp = typeof r.comparison_change_per_1000 === 'number' ? r.comparison_change_per_1000 : 0;
  return Math.round(((inChange - cmp) * eligible) / 1000);
}

function costPerAdditional(r: Readonly<ProtectedRow>): number | null {
  const extra = r.additional_registrations, cost = r.cost_gbp;
  if (typeof extra !== 'number' || extra <= 0 || typeof cost !== 'number') return null;
  return Math.round((cost / extra) * 100) / 100;
}

// ---- equity ---------------------------------------------------------------------------------
const Q1 = 'Q1 most deprived (deciles 1-2)';
const Q5 = 'Q5 least deprived (deciles 9-10)';

function equityGroups(rows: readonly RawRow[], by: Dimension | null): AdditiveGroup[] {
  const isQuintile = (r: RawRow) => String(r.breakdown).startsWith('Q');
  const groups: AdditiveGroup[] = [];
  const orgs = new Set(rows.map((r) => String(r.org_code)));
  for (const org of orgs) {
    const inOrg = rows.map((r, i) => [r, i] as const).filter(([r]) => String(r.org_code) === org);
    const total = inOrg.find(([r]) => r.breakdown === 'All')?.[1];
    const parts = inOrg.filter(([r]) => r.breakdown !== 'All' && !isQuintile(r));
    for (const column of ['activated', 'population']) {
      // 'All' is the sum of every decile / band / sex row (including 'unknown').
      if (total !== undefined && parts.length > 0) {
        groups.push({ total: [total, column], parts: parts.map(([, i]) => [i, column] as const) });
      }
      if (by !== 'imd_decile') continue;
      // Each quintile row is the sum of its two deciles.
      for (const [label, deciles] of [[Q1, ['1', '2']], [Q5, ['9', '10']]] as const) {
        const q = inOrg.find(([r]) => r.breakdown === label)?.[1];
        const ds = parts.filter(([r]) => (deciles as readonly string[]).includes(String(r.breakdown))).map(([, i]) => i);
        if (q !== undefined && ds.length > 0) groups.push({ total: [q, column], parts: ds.map((i) => [i, column] as const) });
      }
    }
  }
  return groups;
}

function equityGap(rows: ProtectedRow[]): void {
  const byOrg = new Map<string, ProtectedRow[]>();
  for (const r of rows) byOrg.set(String(r.org_code), [...(byOrg.get(String(r.org_code)) ?? []), r]);
  for (const group of byOrg.values()) {
    const q1 = group.find((r) => r.breakdown === Q1)?.uptake_pct;
    const q5 = group.find((r) => r.breakdown === Q5)?.uptake_pct;
    const all = group.find((r) => r.breakdown === 'All');
    if (!all) continue;
    all.gap_q5_q1_pp = typeof q1 === 'number' && typeof q5 === 'number' ? Math.round((q5 - q1) * 10) / 10 : null;
  }
}

// ---- savings by a level: the remainder ---------------------------------------------------------
/** The figures of a savings row and their decimals as savings.sql publishes them. */
const SAVINGS_FIGURES = { activity: 0, avoided: 1, savings_low_gbp: 2, savings_central_gbp: 2, savings_high_gbp: 2 } as const;

/**
 * Savings by a level below the organisation (by CCG under an ICB): savings.sql adds, per period and
 * saving type, the organisation's total with no org_code. Each becomes the remainder: the total
 * minus the level's rows as published, in whole pence (tenths of an item, whole events), so the
 * rows add up to the total as published, the savings headline, exactly. The one owner of that
 * rule: the page draws this row and the JSON / CSV export carries it.
 *
 * Disclosure: a part hidden by the small-number rule is in no organisation's row, so it is in the
 * remainder, whose name then says so ("+ hidden"); the remainder is worked out from published
 * figures only, and hidden with the total it comes from (the same cells: a total whose activity is
 * 1–7 events is suppressed, and its parts are then hidden or 0). Nothing outside the level and
 * nothing hidden: no remainder row.
 */
function savingsRemainder(rows: ProtectedRow[]): void {
  const key = (r: ProtectedRow) => `${String(r.period_start)}|${String(r.saving_type)}`;
  const parts = new Map<string, ProtectedRow[]>();
  for (const r of rows) {
    if (r.org_code === null) continue;
    const list = parts.get(key(r)) ?? [];
    list.push(r);
    parts.set(key(r), list);
  }
  let kept = 0;
  for (const r of rows) {
    if (r.org_code !== null) {
      rows[kept++] = r;
      continue;
    }
    const ps = parts.get(key(r)) ?? [];
    const someHidden = ps.some((p) => p.activity === null);
    if (r.activity !== null) {
      let nothing = true;
      for (const [name, decimals] of Object.entries(SAVINGS_FIGURES)) {
        const unit = 10 ** decimals;
        const shown = ps.reduce((sum, p) => sum + (typeof p[name] === 'number' ? Math.round(p[name] * unit) : 0), 0);
        const rest = (Math.round(Number(r[name]) * unit) - shown) / unit + 0; // + 0: no "-0"
        r[name] = rest;
        if (rest !== 0) nothing = false;
      }
      if (nothing && !someHidden) continue;
    }
    // (A hidden remainder holds nothing shown: its name needs no "+ hidden".)
    if (someHidden && r.activity !== null) r.org_name = `${String(r.org_name)} + hidden`;
    rows[kept++] = r;
  }
  rows.length = kept;
}

// ---- roi: return and payback since the programme began ------------------------------------------
const ROI_SCENARIOS = ['low', 'central', 'high'] as const;

/** The first day of the period (month or quarter) holding `day`: the first period returned. */
function periodOf(day: string, grain: Grain): string {
  const month = Number(day.slice(5, 7));
  const first = grain === 'quarter' ? month - ((month - 1) % 3) : month;
  return `${day.slice(0, 4)}-${String(first).padStart(2, '0')}-01`;
}

/**
 * roi.sql returns every period since the scope's programme began (its first cost or valued
 * activity), with the running totals. The return to date (savings per £1 of cost) of each row and
 * the payback period of each organisation and scenario are worked out here by the one rule
 * (roi-rule.ts, which the what-if panel calls too): the payback over all those periods, so it is
 * the same whatever `from` is and may lie before it. Then only the periods from `from` are kept.
 * The running totals are not protected (money over the whole programme), so nothing here reads a
 * figure disclosure control would hide.
 */
function roiToDate(rows: RawRow[], range: PeriodRange): RawRow[] {
  const byOrg = new Map<string, RawRow[]>();
  for (const r of rows) {
    const list = byOrg.get(String(r.org_code)) ?? [];
    list.push(r);
    byOrg.set(String(r.org_code), list);
  }
  for (const list of byOrg.values()) {
    list.sort((a, b) => String(a.period_start).localeCompare(String(b.period_start)));
    for (const s of ROI_SCENARIOS) {
      const payback = paybackPeriod(
        list.map((r) => ({ period: String(r.period_start), savings: Number(r[`cumulative_savings_${s}_gbp`] ?? 0), cost: Number(r.cumulative_cost_gbp ?? 0) })),
      );
      for (const r of list) {
        r[`payback_${s}`] = payback;
        r[`return_${s}_ratio`] = returnPerPound(Number(r[`cumulative_savings_${s}_gbp`] ?? 0), Number(r.cumulative_cost_gbp ?? 0));
      }
    }
  }
  if (!range.from) return rows;
  const first = periodOf(range.from, range.grain ?? 'month');
  return rows.filter((r) => String(r.period_start) >= first);
}

// ---- derivation code by name -------------------------------------------------------------------
const DERIVATIONS: Record<Derivation, (row: Readonly<ProtectedRow>) => Cell> = {
  weekly_uptake: weeklyUptake,
  weekly_change: weeklyChange,
  rag,
  rollout_status: rolloutStatus,
  projected_date: projectedDate,
  in_scope_change: (r) => change(r, 'in_scope'),
  comparison_change: (r) => change(r, 'comparison'),
  additional_registrations: additionalRegistrations,
  cost_per_additional: costPerAdditional,
};

/** Code that works across a metric's rows (beyond its data). */
const ROW_CODE: Partial<Record<MetricName, Pick<MetricDefinition, 'groups' | 'prepare' | 'finalize'>>> = {
  lifecycle: {
    groups: (rows) => columnGroups(rows.length, 'active_users', ['new_users', 'returning_users', 'resurrecting_users']),
  },
  equity: { groups: equityGroups, finalize: equityGap },
  savings: { finalize: savingsRemainder },
  // The total of every scope adds up its scope rows (per period and organisation): one additive group.
  consent: {
    groups: (rows) =>
      breakdownGroups(rows, ['period_start', 'org_code'], 'scope', ALL_SCOPES, ['objections_in_force', 'sharing_granted', 'sharing_revoked']),
  },
  roi: { prepare: roiToDate },
};

function protection(spec: ProtectSpec): Protection {
  if (typeof spec === 'string') return { kind: spec };
  if ('rate' in spec) {
    const [num, den] = spec.rate, per = spec.per ?? 100;
    return { kind: 'derived', from: [num, den], compute: (r) => rate(r[num]!, r[den]!, per, 1) };
  }
  if ('statistic' in spec) return { kind: 'statistic', n: spec.statistic };
  return { kind: 'derived', from: spec.from, compute: spec.derive ? DERIVATIONS[spec.derive] : undefined };
}

function column(name: string, spec: ColumnSpec): MetricColumn {
  return {
    name,
    label: spec.label,
    type: spec.type ?? 'number',
    ...(spec.unit ? { unit: spec.unit } : {}),
    protect: protection(spec.protect ?? 'none'),
    ...(spec.computed ? { computed: true } : {}),
  };
}

/** The data with its defaults filled in and its derivation code attached. */
function definition(name: MetricName, spec: MetricSpec): MetricDefinition {
  const grains = spec.grains ?? [];
  const levels = spec.levels ?? [];
  const time = spec.time ?? 'series';
  const columns = Object.entries(spec.columns).map(([n, c]) => column(n, c));
  const known = new Set(columns.map((c) => c.name));
  const refs = [
    ...columns.flatMap((c) => (c.protect.kind === 'derived' ? c.protect.from : c.protect.kind === 'statistic' ? [c.protect.n] : [])),
    ...Object.values(spec.additiveBy ?? {}).flat(),
  ];
  for (const ref of refs) if (!known.has(ref)) throw new Error(`catalogue: ${name} refers to an unknown column '${ref}'`);
  return {
    name,
    label: spec.label,
    description: spec.description,
    unit: spec.unit,
    dimensions: spec.dimensions ?? [],
    ...(spec.dimensionGrains ? { dimensionGrains: spec.dimensionGrains } : {}),
    ...(spec.dimensionLevels ? { dimensionLevels: spec.dimensionLevels } : {}),
    ...(spec.defaultBy ? { defaultBy: spec.defaultBy } : {}),
    grains,
    ...(spec.defaultGrain ?? grains.length > 0 ? { defaultGrain: spec.defaultGrain ?? 'month' } : {}),
    levels,
    usesOrg: spec.usesOrg ?? levels.length > 0,
    time,
    defaultMonths: spec.defaultMonths ?? (time === 'snapshot' ? 0 : 12),
    ...(spec.needsModel ? { needsModel: true } : {}),
    columns,
    ...(spec.additiveBy ? { additiveBy: spec.additiveBy } : {}),
    ...ROW_CODE[name],
  };
}

export const CATALOGUE = Object.fromEntries(
  METRIC_NAMES.map((name) => [name, definition(name, METRICS[name])]),
) as Record<MetricName, MetricDefinition>;
