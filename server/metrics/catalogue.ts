/**
 * The metric catalogue: everything about each metric except its SQL (queries/metrics/<name>.sql):
 * label, plain-words definition, unit, allowed breakdowns / grains / levels, and the columns it
 * returns with their types, units and disclosure-control roles. The API, its OpenAPI document,
 * CSV/Parquet exports and DEFINITIONS.md all read this one list.
 */
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

export const GRAINS = ['day', 'week', 'month', 'quarter'] as const;
export const LEVELS = ['icb', 'ccg', 'practice', 'trust', 'community'] as const;
export const DIMENSIONS = [
  'age_band', 'sex', 'imd_decile', 'channel', 'platform', 'campaign', 'event_type', 'source_org',
] as const;
export const METRIC_NAMES = [
  'uptake', 'funnel', 'active_users', 'activity_rhythm', 'retention', 'lifecycle', 'data_accumulation',
  'consent', 'data_quality', 'savings', 'roi', 'campaign_impact', 'rollout', 'equity',
] as const;

export type Grain = (typeof GRAINS)[number];
export type Level = (typeof LEVELS)[number];
export type Dimension = (typeof DIMENSIONS)[number];
export type MetricName = (typeof METRIC_NAMES)[number];
/** 'number[]': a short series in one cell (e.g. a weekly trend), oldest first. */
export type ColumnType = 'string' | 'number' | 'date' | 'boolean' | 'number[]';
/** pp_per_week: percentage points a week (a change of a percentage, not a percentage). */
export type Unit = 'count' | 'percent' | 'gbp' | 'days' | 'ratio' | 'per_1000' | 'pp_per_week';

export interface MetricColumn {
  name: string;
  label: string;
  type: ColumnType;
  unit?: Unit;
  protect: Protection;
  /** Not read from the SQL result: filled in after it (server/metrics/query.ts), e.g. `complete`. */
  computed?: boolean;
}

/** How the metric uses time: a series of periods, a snapshot at `to`, or a range without periods. */
export type TimeShape = 'series' | 'snapshot' | 'range';

export interface MetricDefinition {
  name: MetricName;
  label: string;
  /** How it is defined, in plain words (copied into DEFINITIONS.md / README). */
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
  /** Values computed across rows after disclosure control (from protected figures only). */
  finalize?: (rows: ProtectedRow[]) => void;
}

// ---- column helpers -------------------------------------------------------------------------
const none: Protection = { kind: 'none' };
const people: Protection = { kind: 'people' };
const events: Protection = { kind: 'events' };
const derivedFrom = (from: readonly string[], compute?: (row: Readonly<ProtectedRow>) => Cell): Protection => ({
  kind: 'derived',
  from,
  compute,
});
const pct = (num: string, den: string): Protection => derivedFrom([num, den], (r) => rate(r[num]!, r[den]!, 100, 1));
const statistic = (n: string): Protection => ({ kind: 'statistic', n });

const text = (name: string, label: string): MetricColumn => ({ name, label, type: 'string', protect: none });
const date = (name: string, label: string): MetricColumn => ({ name, label, type: 'date', protect: none });
const num = (name: string, label: string, unit: Unit | undefined, protect: Protection): MetricColumn => ({
  name, label, type: 'number', ...(unit ? { unit } : {}), protect,
});
const series = (name: string, label: string, unit: Unit, protect: Protection): MetricColumn => ({
  name, label, type: 'number[]', unit, protect,
});
const orgColumns = [text('org_code', 'Organisation code'), text('org_name', 'Organisation')];
/**
 * Whether the period is whole: false for the latest period when `to` or the latest data day cuts
 * it short (four days of December are not a December). One rule for every period metric, in
 * query.ts (markCompletePeriods), so a chart or headline can tell the partial period apart.
 */
const complete: MetricColumn = {
  name: 'complete', label: 'Complete period', type: 'boolean', protect: none, computed: true,
};
const breakdown = text('breakdown', "Breakdown value ('All' = total)");

const PATIENT_DIMS = ['age_band', 'sex', 'imd_decile'] as const;

// ---- rollout derivations --------------------------------------------------------------------
// The one rollout rule: the dashboard's tiles, league tables and reports all read these columns
// and never project for themselves. Everything is worked out from the published (rounded)
// counts, so a reader can redo it from the same row, but not from the rounded percentages: uptake
// shown to 0.1 point would turn a change of 0.25 points in 12 weeks into 0.2 or 0.3.
export const ROLLOUT_RULE = {
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

// ---- the catalogue --------------------------------------------------------------------------
export const CATALOGUE: Record<MetricName, MetricDefinition> = {
  uptake: {
    name: 'uptake',
    label: 'Uptake',
    description:
      'Patients whose latest enrolment state at the end of the period is "activated", as a percentage of the eligible ' +
      'population. For practices, CCGs and the ICB patients are counted at their registered practice and the eligible ' +
      'population is the practice list size, summed up the hierarchy; a breakdown by age band, sex or IMD decile uses ' +
      'the registered patients in that group as its denominator (list sizes are not broken down), and a breakdown by ' +
      'channel or campaign (of the activation) shows each one\'s share of the whole eligible population; breakdowns are ' +
      'available at every grain and practice level (day, week, month, quarter; ICB, CCG, practice). For trusts and ' +
      'community services: patients whose activation happened there, and patients reached by their record feeds (at ' +
      'least one item sent by that organisation by the end of the period).',
    unit: 'percent',
    dimensions: ['age_band', 'sex', 'imd_decile', 'channel', 'campaign'],
    grains: GRAINS,
    defaultGrain: 'month',
    levels: LEVELS,
    usesOrg: true,
    time: 'series',
    defaultMonths: 12,
    columns: [
      date('period_start', 'Period start'), date('period_end', 'Period end'), complete, ...orgColumns, breakdown,
      num('activated', 'Activated patients', 'count', people),
      num('eligible', 'Eligible population', 'count', people),
      num('uptake_pct', 'Uptake', 'percent', pct('activated', 'eligible')),
      num('reached_by_feeds', 'Patients reached by record feeds', 'count', people),
    ],
    additiveBy: { age_band: ['activated'], sex: ['activated'], imd_decile: ['activated'], channel: ['activated'], campaign: ['activated'] },
  },
  funnel: {
    name: 'funnel',
    label: 'Enrolment funnel',
    description:
      'Patients grouped by the period of their first enrolment event (their cohort): how many were invited (any ' +
      'enrolment event), registered, activated, and are active (any usage event) in the 30 days up to the latest data. ' +
      'A later step counts as reaching the earlier ones. Conversion % is each step over the one before (overall: ' +
      'activated over invited). Median days: the lower median of whole days from first enrolment event to registration, ' +
      'and from registration to activation, suppressed below 8 patients. Breakdown by the channel or campaign of the ' +
      'first enrolment event.',
    unit: 'count',
    dimensions: ['channel', 'campaign'],
    grains: ['month', 'quarter'],
    defaultGrain: 'month',
    levels: ['icb', 'ccg', 'practice'],
    usesOrg: true,
    time: 'series',
    defaultMonths: 12,
    columns: [
      date('period_start', 'Cohort period'), complete, ...orgColumns, breakdown,
      num('invited', 'Invited', 'count', people),
      num('registered', 'Registered', 'count', people),
      num('activated', 'Activated', 'count', people),
      num('active_30d', 'Active in last 30 days', 'count', people),
      num('registered_pct', 'Invited → registered', 'percent', pct('registered', 'invited')),
      num('activated_pct', 'Registered → activated', 'percent', pct('activated', 'registered')),
      num('active_pct', 'Activated → active', 'percent', pct('active_30d', 'activated')),
      num('overall_pct', 'Invited → activated', 'percent', pct('activated', 'invited')),
      num('median_days_to_register', 'Median days to register', 'days', statistic('registered')),
      num('median_days_to_activate', 'Median days to activate', 'days', statistic('activated')),
    ],
    additiveBy: {
      channel: ['invited', 'registered', 'activated', 'active_30d'],
      campaign: ['invited', 'registered', 'activated', 'active_30d'],
    },
  },
  active_users: {
    name: 'active_users',
    label: 'Active users',
    description:
      'Distinct patients with any usage event in the period (counted at their registered practice), their logins and ' +
      'all usage events; average daily active patients over the period\'s days up to the latest data, and stickiness = ' +
      'average daily active / active in the period (DAU/MAU for months). Breakdowns: by age band, sex or IMD decile ' +
      'count active patients in each group (they add up to the total); by platform or event type (feature use) count ' +
      'events and logins, and by month and quarter also the distinct patients using each platform or kind — a ' +
      'patient using two platforms counts in both, so those patients do not add up to the total. Breakdowns by month ' +
      'and quarter are available for the ICB, CCGs and practices; by week they are kept per CCG (per practice a ' +
      'week\'s groups would be a handful of patients, mostly suppressed), so for the ICB and CCGs only, and by platform ' +
      'or event type they count events only; there are no breakdowns by day.',
    unit: 'count',
    dimensions: ['age_band', 'sex', 'imd_decile', 'platform', 'event_type'],
    dimensionGrains: ['week', 'month', 'quarter'],
    dimensionLevels: { week: ['icb', 'ccg'] },
    grains: GRAINS,
    defaultGrain: 'month',
    levels: ['icb', 'ccg', 'practice'],
    usesOrg: true,
    time: 'series',
    defaultMonths: 12,
    columns: [
      date('period_start', 'Period start'), complete, ...orgColumns, breakdown,
      num('active_patients', 'Active patients', 'count', people),
      num('logins', 'Logins', 'count', events),
      num('events', 'Usage events', 'count', events),
      num('avg_daily_active', 'Average daily active patients', 'count', people),
      num('stickiness_pct', 'Stickiness (daily / period active)', 'percent', pct('avg_daily_active', 'active_patients')),
    ],
    additiveBy: {
      age_band: ['active_patients'], sex: ['active_patients'], imd_decile: ['active_patients'],
      platform: ['logins', 'events'], event_type: ['logins', 'events'],
    },
  },
  activity_rhythm: {
    name: 'activity_rhythm',
    label: 'Activity rhythm',
    description:
      'Usage events by weekday (1 = Monday) and hour of the day, UK time, over the months from `from` to `to`. For the ' +
      'ICB, CCGs and practices: events of the patients registered in the organisation\'s subtree. For trusts and ' +
      'community services: events that used the organisation\'s content or services.',
    unit: 'count',
    dimensions: [],
    grains: [],
    levels: LEVELS,
    usesOrg: true,
    time: 'range',
    defaultMonths: 3,
    columns: [
      ...orgColumns,
      num('weekday', 'Weekday (1 = Monday)', undefined, none),
      text('weekday_name', 'Weekday'),
      num('hour', 'Hour of day', undefined, none),
      num('events', 'Usage events', 'count', events),
    ],
  },
  retention: {
    name: 'retention',
    label: 'Retention',
    description:
      'Patients grouped by the month of their first activation (cohort). For each month since activation (0 = the ' +
      'activation month), the number of the cohort with any usage event in that month, and that as a percentage of the ' +
      'cohort. Cohorts from `from` to `to`; months up to the latest data.',
    unit: 'percent',
    dimensions: [],
    grains: ['month'],
    defaultGrain: 'month',
    levels: ['icb', 'ccg', 'practice'],
    usesOrg: true,
    time: 'series',
    defaultMonths: 12,
    columns: [
      date('cohort_month', 'Activation cohort'), ...orgColumns,
      num('months_since', 'Months since activation', undefined, none),
      num('cohort_size', 'Patients in cohort', 'count', people),
      num('active', 'Active patients', 'count', people),
      num('retained_pct', 'Still active', 'percent', pct('active', 'cohort_size')),
    ],
  },
  lifecycle: {
    name: 'lifecycle',
    label: 'User lifecycle',
    description:
      'Per period: new users (active for the first time), returning (active in this and the previous period), ' +
      'resurrecting (active now after at least one inactive period) and dormant (active in the previous period but not ' +
      'this one). Active users = new + returning + resurrecting. Weekly (weeks start on Monday), monthly or quarterly.',
    unit: 'count',
    dimensions: [],
    grains: ['week', 'month', 'quarter'],
    defaultGrain: 'month',
    levels: ['icb', 'ccg', 'practice'],
    usesOrg: true,
    time: 'series',
    defaultMonths: 12,
    columns: [
      date('period_start', 'Period start'), complete, ...orgColumns,
      num('new_users', 'New', 'count', people),
      num('returning_users', 'Returning', 'count', people),
      num('resurrecting_users', 'Resurrecting', 'count', people),
      num('active_users', 'Active', 'count', people),
      num('dormant_users', 'Dormant', 'count', people),
    ],
    groups: (rows) => columnGroups(rows.length, 'active_users', ['new_users', 'returning_users', 'resurrecting_users']),
  },
  data_accumulation: {
    name: 'data_accumulation',
    label: 'Data accumulation',
    description:
      'Record-feed items (and feed messages) received in the period for patients registered in the organisation\'s ' +
      'subtree, optionally by source organisation; and at the end of each period, of the patients ever activated ' +
      '(enrolled), how many have data from at least 1, 2 and 3 distinct source organisations, and what share.',
    unit: 'count',
    dimensions: ['source_org'],
    grains: GRAINS,
    defaultGrain: 'month',
    levels: ['icb', 'ccg', 'practice'],
    usesOrg: true,
    time: 'series',
    defaultMonths: 12,
    columns: [
      date('period_start', 'Period start'), complete, ...orgColumns, breakdown,
      num('items', 'Items received', 'count', events),
      num('feeds', 'Feed messages', 'count', events),
      num('enrolled', 'Enrolled (ever activated) patients', 'count', people),
      num('with_1_source', 'With data from ≥ 1 source', 'count', people),
      num('with_2_sources', 'With data from ≥ 2 sources', 'count', people),
      num('with_3_sources', 'With data from ≥ 3 sources', 'count', people),
      num('with_1_source_pct', 'Share with ≥ 1 source', 'percent', pct('with_1_source', 'enrolled')),
      num('with_2_sources_pct', 'Share with ≥ 2 sources', 'percent', pct('with_2_sources', 'enrolled')),
      num('with_3_sources_pct', 'Share with ≥ 3 sources', 'percent', pct('with_3_sources', 'enrolled')),
    ],
    additiveBy: { source_org: ['items', 'feeds'] },
  },
  consent: {
    name: 'consent',
    label: 'Consent and objections',
    description:
      'Objections in force at the end of each period, by scope (the organisation whose sharing is objected to, or all ' +
      'organisations), for patients registered in the organisation\'s subtree, per 1,000 patients activated at that ' +
      'time; and sharing grants and revocations made in the period (patients per day, summed over the period). ' +
      'A scope other than all organisations has no row in a period where it has none of these.',
    unit: 'per_1000',
    dimensions: [],
    grains: GRAINS,
    defaultGrain: 'month',
    levels: ['icb', 'ccg', 'practice'],
    usesOrg: true,
    time: 'series',
    defaultMonths: 12,
    columns: [
      date('period_start', 'Period start'), complete, ...orgColumns,
      text('scope', 'Scope (ALL = all organisations)'), text('scope_name', 'Scope'),
      num('objections_in_force', 'Objections in force', 'count', people),
      num('enrolled', 'Activated patients', 'count', people),
      num('objections_per_1000', 'Objections per 1,000 activated', 'per_1000',
        derivedFrom(['objections_in_force', 'enrolled'], (r) => rate(r.objections_in_force!, r.enrolled!, 1000, 1))),
      num('sharing_granted', 'Sharing grants', 'count', people),
      num('sharing_revoked', 'Sharing revocations', 'count', people),
    ],
  },
  data_quality: {
    name: 'data_quality',
    label: 'Data quality',
    description:
      'Rows the importer quarantined between `from` and `to`, by batch, file kind and reason. These are counts of ' +
      'delivered rows that failed validation (identifiers masked), an operational figure about files rather than ' +
      'people, so they are shown exactly.',
    unit: 'count',
    dimensions: [],
    grains: [],
    levels: [],
    usesOrg: false,
    time: 'range',
    defaultMonths: 12,
    columns: [
      text('batch_id', 'Batch'), text('file_kind', 'File kind'), text('reason_code', 'Reason code'),
      text('example_reason', 'Reason (example)'),
      num('rows_quarantined', 'Rows quarantined', 'count', none),
      text('first_quarantined_at', 'First quarantined at'),
    ],
  },
  savings: {
    name: 'savings',
    label: 'Estimated savings',
    description:
      'Estimated savings per period and organisation from the versioned savings model (data/savings-model.json, also ' +
      'at GET /api/savings-model): each saving type counts usage events of some kinds (activity), of which a fraction ' +
      'avoids a costed alternative (a posted letter, a phone call, a missed appointment), valued at low, central and high ' +
      'unit values. Events are attributed to the organisation whose content or service was used (the patient\'s practice ' +
      'when the event names none). Monthly or quarterly.',
    unit: 'gbp',
    dimensions: [],
    grains: ['month', 'quarter'],
    defaultGrain: 'month',
    levels: LEVELS,
    usesOrg: true,
    time: 'series',
    defaultMonths: 12,
    needsModel: true,
    columns: [
      date('period_start', 'Period start'), complete, ...orgColumns,
      text('saving_type', 'Saving type'), text('saving_label', 'Saving'),
      num('activity', 'Activity (events)', 'count', events),
      num('avoided', 'Items avoided', 'count', derivedFrom(['activity'])),
      num('savings_low_gbp', 'Savings (low)', 'gbp', derivedFrom(['activity'])),
      num('savings_central_gbp', 'Savings (central)', 'gbp', derivedFrom(['activity'])),
      num('savings_high_gbp', 'Savings (high)', 'gbp', derivedFrom(['activity'])),
    ],
  },
  roi: {
    name: 'roi',
    label: 'Return on investment',
    description:
      'Per period, savings of all saving types (low / central / high) against costs: programme costs of organisations ' +
      'in the subtree and campaign costs, each spread evenly over its days. The period columns are in-period figures; the ' +
      'cumulative ones are programme-to-date: counted from the first cost or valued activity of the organisation\'s ' +
      'subtree, whatever `from` is (`from` only chooses the periods returned), up to the end of each period. Net benefit = ' +
      'cumulative savings − cumulative cost; ROI % = net benefit / cumulative cost × 100; payback period = the first ' +
      'period since the programme began whose cumulative net benefit is ≥ 0, up to `to` (null while not reached; it may ' +
      'be before `from`).',
    unit: 'gbp',
    dimensions: [],
    grains: ['month', 'quarter'],
    defaultGrain: 'month',
    levels: LEVELS,
    usesOrg: true,
    time: 'series',
    defaultMonths: 24,
    needsModel: true,
    columns: [
      date('period_start', 'Period start'), complete, ...orgColumns,
      num('activity', 'Activity in period (events)', 'count', events),
      num('savings_low_gbp', 'Savings in period (low)', 'gbp', derivedFrom(['activity'])),
      num('savings_central_gbp', 'Savings in period (central)', 'gbp', derivedFrom(['activity'])),
      num('savings_high_gbp', 'Savings in period (high)', 'gbp', derivedFrom(['activity'])),
      num('cost_gbp', 'Cost in period', 'gbp', none),
      num('cumulative_savings_low_gbp', 'Savings to date (low)', 'gbp', none),
      num('cumulative_savings_central_gbp', 'Savings to date (central)', 'gbp', none),
      num('cumulative_savings_high_gbp', 'Savings to date (high)', 'gbp', none),
      num('cumulative_cost_gbp', 'Cost to date', 'gbp', none),
      num('net_benefit_low_gbp', 'Net benefit to date (low)', 'gbp', none),
      num('net_benefit_central_gbp', 'Net benefit to date (central)', 'gbp', none),
      num('net_benefit_high_gbp', 'Net benefit to date (high)', 'gbp', none),
      num('roi_low_pct', 'ROI to date (low)', 'percent', none),
      num('roi_central_pct', 'ROI to date (central)', 'percent', none),
      num('roi_high_pct', 'ROI to date (high)', 'percent', none),
      date('payback_low', 'Payback period (low)'),
      date('payback_central', 'Payback period (central)'),
      date('payback_high', 'Payback period (high)'),
    ],
  },
  campaign_impact: {
    name: 'campaign_impact',
    label: 'Campaign impact',
    description:
      'For each campaign running between `from` and `to` whose scope overlaps the organisation: patients first ' +
      'registering at practices in the campaign\'s scope during the campaign and in the same number of days just before ' +
      'it, and the same for practices outside the scope (comparison group). Change per 1,000 eligible = (during − ' +
      'before) / eligible × 1,000; additional registrations (difference-in-differences) = (in-scope change − comparison ' +
      'change) × in-scope eligible / 1,000 (without a comparison group, the plain before/after change); cost per ' +
      'additional registration = campaign cost / additional registrations (when positive).',
    unit: 'count',
    dimensions: [],
    grains: [],
    levels: [],
    usesOrg: true,
    time: 'range',
    defaultMonths: 24,
    columns: [
      text('campaign_code', 'Campaign code'), text('campaign_name', 'Campaign'), text('scope_org', 'Scope'),
      text('channel', 'Channel'), date('start_date', 'Start'), date('end_date', 'End'),
      num('days', 'Days', 'days', none),
      num('cost_gbp', 'Cost', 'gbp', none),
      num('in_scope_eligible', 'In scope: eligible', 'count', people),
      num('in_scope_before', 'In scope: registrations before', 'count', people),
      num('in_scope_during', 'In scope: registrations during', 'count', people),
      num('comparison_eligible', 'Comparison: eligible', 'count', people),
      num('comparison_before', 'Comparison: registrations before', 'count', people),
      num('comparison_during', 'Comparison: registrations during', 'count', people),
      num('in_scope_change_per_1000', 'In scope: change per 1,000', 'per_1000',
        derivedFrom(['in_scope_before', 'in_scope_during', 'in_scope_eligible'], (r) => change(r, 'in_scope'))),
      num('comparison_change_per_1000', 'Comparison: change per 1,000', 'per_1000',
        derivedFrom(['comparison_before', 'comparison_during', 'comparison_eligible'], (r) => change(r, 'comparison'))),
      num('additional_registrations', 'Additional registrations', 'count',
        derivedFrom(['in_scope_before', 'in_scope_during', 'in_scope_eligible', 'comparison_before', 'comparison_during', 'comparison_eligible'], additionalRegistrations)),
      num('cost_per_additional_gbp', 'Cost per additional registration', 'gbp',
        derivedFrom(['in_scope_before', 'in_scope_during', 'in_scope_eligible', 'comparison_before', 'comparison_during', 'comparison_eligible'], costPerAdditional)),
    ],
  },
  rollout: {
    name: 'rollout',
    label: 'Rollout',
    description:
      'Per organisation at the level, at `to`: go-live date, eligible population, activated patients (as for uptake), ' +
      'uptake now and 12 weeks earlier, the weekly series in between (activated patients and uptake at `to` and each ' +
      'of the 12 weeks before it, oldest first), and the uptake target (the organisation\'s own, or its practices\' ' +
      'list-weighted average). The rollout rule, the only one the dashboard uses: the trend is the change in uptake ' +
      'over those 12 weeks divided by 12, in percentage points a week (not a percentage), worked out from the published ' +
      'counts (activated now and 12 weeks earlier over the eligible population) and shown to 3 decimals; the projected ' +
      'date is `to` plus the whole weeks needed to close the gap to the target at that trend (rounded up), or "not on ' +
      'track" when uptake is not rising or would take more than 520 weeks (ten years); status is "target reached" when ' +
      'uptake as published (to 0.1 point) is at or above the target, "on track" with a projected date, "not on track", ' +
      'or "no target". RAG: green when the target is reached; amber when uptake is at least 80% of the target or the ' +
      'projected date is within 52 weeks; red otherwise; none without a target.',
    unit: 'percent',
    dimensions: [],
    grains: [],
    levels: LEVELS,
    usesOrg: true,
    time: 'snapshot',
    defaultMonths: 0,
    columns: [
      ...orgColumns, text('org_type', 'Type'), date('go_live_date', 'Go-live'),
      num('eligible', 'Eligible population', 'count', people),
      num('activated', 'Activated patients', 'count', people),
      num('activated_12_weeks_ago', 'Activated 12 weeks earlier', 'count', people),
      series('activated_weekly', 'Activated at each of the last 13 week ends', 'count', people),
      series('uptake_pct_weekly', 'Uptake at each of the last 13 week ends', 'percent', derivedFrom(['eligible'], weeklyUptake)),
      num('target_pct', 'Target uptake', 'percent', none),
      num('uptake_pct', 'Uptake', 'percent', pct('activated', 'eligible')),
      num('uptake_pct_12_weeks_ago', 'Uptake 12 weeks earlier', 'percent', pct('activated_12_weeks_ago', 'eligible')),
      num('weekly_change_pp', 'Trend (percentage points a week)', 'pp_per_week',
        derivedFrom(['activated', 'activated_12_weeks_ago', 'eligible'], weeklyChange)),
      text('rag', 'RAG'),
      text('status', 'Status'),
      date('projected_target_date', 'Projected to reach target'),
      date('as_of', 'As of'),
    ].map((c) =>
      c.name === 'rag' ? { ...c, protect: derivedFrom(['activated', 'eligible'], rag) }
      : c.name === 'status' ? { ...c, protect: derivedFrom(['activated', 'eligible'], rolloutStatus) }
      : c.name === 'projected_target_date' ? { ...c, protect: derivedFrom(['activated', 'activated_12_weeks_ago', 'eligible'], projectedDate) }
      : c,
    ),
  },
  equity: {
    name: 'equity',
    label: 'Equity of uptake',
    description:
      'At `to`, patients activated (latest enrolment state) as a percentage of registered patients, by IMD decile (1 = ' +
      'most deprived), age band or sex, for patients registered in the organisation\'s subtree. With IMD deciles, also ' +
      'the most deprived quintile (deciles 1–2) and least deprived (9–10), and the gap between them: least minus most ' +
      'deprived uptake, in percentage points, computed from the rounded figures.',
    unit: 'percent',
    dimensions: ['imd_decile', 'age_band', 'sex'],
    defaultBy: 'imd_decile',
    grains: [],
    levels: ['icb', 'ccg', 'practice'],
    usesOrg: true,
    time: 'snapshot',
    defaultMonths: 0,
    columns: [
      ...orgColumns, breakdown,
      num('activated', 'Activated patients', 'count', people),
      num('population', 'Registered patients', 'count', people),
      num('uptake_pct', 'Uptake', 'percent', pct('activated', 'population')),
      num('gap_q5_q1_pp', 'Gap: least − most deprived quintile (pp)', 'percent', none),
    ],
    groups: equityGroups,
    finalize: equityGap,
  },
};

export const PERSON_DIMENSIONS: readonly Dimension[] = PATIENT_DIMS;

export function isMetricName(name: string): name is MetricName {
  return (METRIC_NAMES as readonly string[]).includes(name);
}
