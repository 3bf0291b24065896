/**
 * The metric catalogue's data: each metric's label, plain-words definition, unit, breakdowns,
 * grains, levels, and the columns it returns with their types, units and disclosure-control roles.
 *
 * A module shared by the server and the dashboard (web/ imports it): plain data and the names
 * derived from it, nothing Node-only. The server turns it into full definitions with their
 * derivation code (server/metrics/catalogue.ts); the dashboard reads metric and column names from
 * it (`COLUMNS.uptake.uptake_pct`), so a misspelt name is a type error; DEFINITIONS.md is
 * generated from it (`npm run docs:metrics`).
 *
 * Defaults, so a metric states only what differs: a column is a number without a unit and passed
 * through unchanged (protect 'none'); a metric is a series (`time`) with no breakdowns, grains or
 * levels, grouped by month when it has grains, limited by `org` when it has levels, and by default
 * covers the 12 months up to the latest data (a snapshot: none).
 */

export const GRAINS = ['day', 'week', 'month', 'quarter'] as const;
export const LEVELS = ['icb', 'ccg', 'practice', 'trust', 'community'] as const;
export const DIMENSIONS = [
  'age_band', 'sex', 'imd_decile', 'channel', 'platform', 'campaign', 'event_type', 'source_org',
] as const;
/** 'number[]': a short series in one cell (e.g. a weekly trend), oldest first. */
export const COLUMN_TYPES = ['string', 'number', 'date', 'boolean', 'number[]'] as const;
/** pp_per_week: percentage points a week (a change of a percentage, not a percentage). */
export const UNITS = ['count', 'percent', 'gbp', 'days', 'ratio', 'per_1000', 'pp_per_week'] as const;

export type Grain = (typeof GRAINS)[number];
export type Level = (typeof LEVELS)[number];
export type Dimension = (typeof DIMENSIONS)[number];
export type ColumnType = (typeof COLUMN_TYPES)[number];
export type Unit = (typeof UNITS)[number];
/** How the metric uses time: a series of periods, a snapshot at `to`, or a range without periods. */
export type TimeShape = 'series' | 'snapshot' | 'range';

/** Values worked out on the server from a row's protected figures (server/metrics/catalogue.ts). */
export type Derivation =
  | 'weekly_uptake' | 'weekly_change' | 'rag' | 'rollout_status' | 'projected_date'
  | 'in_scope_change' | 'comparison_change' | 'additional_registrations' | 'cost_per_additional';

/** What disclosure control does with a column (server/metrics/disclosure.ts). */
export type ProtectSpec =
  /** Dimensions, money, reference figures: passed through unchanged. */
  | 'none'
  /** A count of distinct people. */
  | 'people'
  /** A count of events or items. */
  | 'events'
  /** num / den × per (default 100), to 1 decimal, from the protected counts. */
  | { readonly rate: readonly [num: string, den: string]; readonly per?: number }
  /** Derived from these columns (suppressed with them): by `derive`, else the query's value is kept. */
  | { readonly from: readonly string[]; readonly derive?: Derivation }
  /** A mean or median over the people counted in column `statistic`. */
  | { readonly statistic: string };

export interface ColumnSpec {
  readonly label: string;
  /** Default 'number'. */
  readonly type?: ColumnType;
  readonly unit?: Unit;
  /** Default 'none'. */
  readonly protect?: ProtectSpec;
  /** Not read from the SQL result: filled in after it (server/metrics/query.ts), e.g. `complete`. */
  readonly computed?: boolean;
}

export interface MetricSpec {
  readonly label: string;
  /** How it is defined, in plain words (served by GET /api/metrics, and in DEFINITIONS.md). */
  readonly description: string;
  /** The unit of the headline figure. */
  readonly unit: Unit;
  /** Default 'series'. */
  readonly time?: TimeShape;
  readonly dimensions?: readonly Dimension[];
  /** Breakdowns are only kept at these grains (absent: every grain of the metric). */
  readonly dimensionGrains?: readonly Grain[];
  /** At these grains, breakdowns are only kept for these levels (absent grain: every level). */
  readonly dimensionLevels?: Partial<Record<Grain, readonly Level[]>>;
  /** A breakdown is required; this one is used when `by` is absent. */
  readonly defaultBy?: Dimension;
  readonly grains?: readonly Grain[];
  /** Default 'month' when the metric has grains. */
  readonly defaultGrain?: Grain;
  /** Levels rows can be grouped at; none when the metric is not per organisation. */
  readonly levels?: readonly Level[];
  /** Whether `org` limits the result. Default: whether the metric has levels. */
  readonly usesOrg?: boolean;
  /** Default length of the window ending at the latest data, in months. Default 12 (snapshot: 0). */
  readonly defaultMonths?: number;
  /** The savings model is bound as $model. */
  readonly needsModel?: boolean;
  /** The columns in the order they are returned. */
  readonly columns: Readonly<Record<string, ColumnSpec>>;
  /** Which count columns add up over the breakdown rows to the 'All' row, per breakdown. */
  readonly additiveBy?: Partial<Record<Dimension, readonly string[]>>;
}

// ---- column builders --------------------------------------------------------------------------
const text = (label: string) => ({ label, type: 'string' }) as const;
const date = (label: string) => ({ label, type: 'date' }) as const;
const people = (label: string) => ({ label, unit: 'count', protect: 'people' }) as const;
const events = (label: string) => ({ label, unit: 'count', protect: 'events' }) as const;
const pct = (label: string, num: string, den: string) => ({ label, unit: 'percent', protect: { rate: [num, den] } }) as const;

const ORG = { org_code: text('Organisation code'), org_name: text('Organisation') } as const;
/**
 * Whether the period is whole: false for the latest period when `to` or the latest data day cuts
 * it short (four days of December are not a December). One rule for every period metric, in
 * query.ts (markCompletePeriods), so a chart or headline can tell the partial period apart.
 */
const complete = { label: 'Complete period', type: 'boolean', computed: true } as const;
const breakdown = text("Breakdown value ('All' = total)");
const PRACTICE_LEVELS = ['icb', 'ccg', 'practice'] as const;
const CAMPAIGN_COUNTS = [
  'in_scope_before', 'in_scope_during', 'in_scope_eligible', 'comparison_before', 'comparison_during', 'comparison_eligible',
] as const;

// ---- the catalogue ----------------------------------------------------------------------------
/** The consent metric's total of every scope (consent.sql): the one figure of objections in force pages show. */
export const ALL_SCOPES = 'ALL_SCOPES';

export const METRICS = {
  uptake: {
    label: 'Uptake',
    description:
      'Patients whose latest enrolment state at the end of the period is "activated", as a percentage of ' +
      'the eligible population. For practices, CCGs and the ICB patients are counted at their registered ' +
      'practice and the eligible population is the practice list size, summed up the hierarchy; a breakdown ' +
      'by age band, sex or IMD decile uses the registered patients in that group as its denominator (list ' +
      'sizes are not broken down), and a breakdown by channel or campaign (of the activation) shows each ' +
      'one\'s share of the whole eligible population; breakdowns are available at every grain and practice ' +
      'level (day, week, month, quarter; ICB, CCG, practice). For trusts and community services: patients ' +
      'whose activation happened there, and patients reached by their record feeds (at least one item sent ' +
      'by that organisation by the end of the period).',
    unit: 'percent',
    dimensions: ['age_band', 'sex', 'imd_decile', 'channel', 'campaign'],
    grains: GRAINS,
    levels: LEVELS,
    columns: {
      period_start: date('Period start'),
      period_end: date('Period end'),
      complete,
      ...ORG,
      breakdown,
      activated: people('Activated patients'),
      eligible: people('Eligible population'),
      uptake_pct: pct('Uptake', 'activated', 'eligible'),
      reached_by_feeds: people('Patients reached by record feeds'),
    },
    additiveBy: { age_band: ['activated'], sex: ['activated'], imd_decile: ['activated'], channel: ['activated'], campaign: ['activated'] },
  },
  funnel: {
    label: 'Enrolment funnel',
    description:
      'Patients grouped by the period of their first enrolment event (their cohort): how many were invited ' +
      '(any enrolment event), registered, activated, and are active (any usage event) in the 30 days up to ' +
      'the latest data. A later step counts as reaching the earlier ones. Conversion % is each step over ' +
      'the one before (overall: activated over invited). Median days: the lower median of whole days from ' +
      'first enrolment event to registration, and from registration to activation, suppressed below 8 ' +
      'patients. Breakdown by the channel or campaign of the first enrolment event.',
    unit: 'count',
    dimensions: ['channel', 'campaign'],
    grains: ['month', 'quarter'],
    levels: PRACTICE_LEVELS,
    columns: {
      period_start: date('Cohort period'),
      complete,
      ...ORG,
      breakdown,
      invited: people('Invited'),
      registered: people('Registered'),
      activated: people('Activated'),
      active_30d: people('Active in last 30 days'),
      registered_pct: pct('Invited → registered', 'registered', 'invited'),
      activated_pct: pct('Registered → activated', 'activated', 'registered'),
      active_pct: pct('Activated → active', 'active_30d', 'activated'),
      overall_pct: pct('Invited → activated', 'activated', 'invited'),
      median_days_to_register: { label: 'Median days to register', unit: 'days', protect: { statistic: 'registered' } },
      median_days_to_activate: { label: 'Median days to activate', unit: 'days', protect: { statistic: 'activated' } },
    },
    additiveBy: { channel: ['invited', 'registered', 'activated', 'active_30d'], campaign: ['invited', 'registered', 'activated', 'active_30d'] },
  },
  active_users: {
    label: 'Active users',
    description:
      'Distinct patients with any usage event in the period (counted at their registered practice), their ' +
      'logins and all usage events; average daily active patients over the period\'s days up to the latest ' +
      'data, and stickiness = average daily active / active in the period (DAU/MAU for months). Breakdowns: ' +
      'by age band, sex or IMD decile count active patients in each group (they add up to the total); by ' +
      'platform or event type (feature use) count events and logins, and by month and quarter also the ' +
      'distinct patients using each platform or kind — a patient using two platforms counts in both, so ' +
      'those patients do not add up to the total. Breakdowns by month and quarter are available for the ' +
      'ICB, CCGs and practices; by week they are kept per CCG (per practice a week\'s groups would be a ' +
      'handful of patients, mostly suppressed), so for the ICB and CCGs only, and by platform or event type ' +
      'they count events only; there are no breakdowns by day.',
    unit: 'count',
    dimensions: ['age_band', 'sex', 'imd_decile', 'platform', 'event_type'],
    dimensionGrains: ['week', 'month', 'quarter'],
    dimensionLevels: { week: ['icb', 'ccg'] },
    grains: GRAINS,
    levels: PRACTICE_LEVELS,
    columns: {
      period_start: date('Period start'),
      complete,
      ...ORG,
      breakdown,
      active_patients: people('Active patients'),
      logins: events('Logins'),
      events: events('Usage events'),
      avg_daily_active: people('Average daily active patients'),
      stickiness_pct: pct('Stickiness (daily / period active)', 'avg_daily_active', 'active_patients'),
    },
    additiveBy: { age_band: ['active_patients'], sex: ['active_patients'], imd_decile: ['active_patients'], platform: ['logins', 'events'], event_type: ['logins', 'events'] },
  },
  activity_rhythm: {
    label: 'Activity rhythm',
    description:
      'Usage events by weekday (1 = Monday) and hour of the day, UK time, over the months from `from` to ' +
      '`to`. For the ICB, CCGs and practices: events of the patients registered in the organisation\'s ' +
      'subtree. For trusts and community services: events that used the organisation\'s content or services.',
    unit: 'count',
    time: 'range',
    levels: LEVELS,
    defaultMonths: 3,
    columns: {
      ...ORG,
      weekday: { label: 'Weekday (1 = Monday)' },
      weekday_name: text('Weekday'),
      hour: { label: 'Hour of day' },
      events: events('Usage events'),
    },
  },
  retention: {
    label: 'Retention',
    description:
      'Patients grouped by the month of their first activation (cohort). For each month since activation (0 ' +
      '= the activation month), the number of the cohort with any usage event in that month, and that as a ' +
      'percentage of the cohort. Cohorts from `from` to `to`; months up to the latest data.',
    unit: 'percent',
    grains: ['month'],
    levels: PRACTICE_LEVELS,
    columns: {
      cohort_month: date('Activation cohort'),
      ...ORG,
      months_since: { label: 'Months since activation' },
      cohort_size: people('Patients in cohort'),
      active: people('Active patients'),
      retained_pct: pct('Still active', 'active', 'cohort_size'),
    },
  },
  lifecycle: {
    label: 'User lifecycle',
    description:
      'Per period: new users (active for the first time), returning (active in this and the previous ' +
      'period), resurrecting (active now after at least one inactive period) and dormant (active in the ' +
      'previous period but not this one). Active users = new + returning + resurrecting. Weekly (weeks ' +
      'start on Monday), monthly or quarterly.',
    unit: 'count',
    grains: ['week', 'month', 'quarter'],
    levels: PRACTICE_LEVELS,
    columns: {
      period_start: date('Period start'),
      complete,
      ...ORG,
      new_users: people('New'),
      returning_users: people('Returning'),
      resurrecting_users: people('Resurrecting'),
      active_users: people('Active'),
      dormant_users: people('Dormant'),
    },
  },
  data_accumulation: {
    label: 'Data accumulation',
    description:
      'Record-feed items (and feed messages) received in the period for patients registered in the ' +
      'organisation\'s subtree, optionally by source organisation; and at the end of each period, of the ' +
      'patients ever activated (enrolled), how many have data from at least 1, 2 and 3 distinct source ' +
      'organisations, and what share.',
    unit: 'count',
    dimensions: ['source_org'],
    grains: GRAINS,
    levels: PRACTICE_LEVELS,
    columns: {
      period_start: date('Period start'),
      complete,
      ...ORG,
      breakdown,
      items: events('Items received'),
      feeds: events('Feed messages'),
      enrolled: people('Enrolled (ever activated) patients'),
      with_1_source: people('With data from ≥ 1 source'),
      with_2_sources: people('With data from ≥ 2 sources'),
      with_3_sources: people('With data from ≥ 3 sources'),
      with_1_source_pct: pct('Share with ≥ 1 source', 'with_1_source', 'enrolled'),
      with_2_sources_pct: pct('Share with ≥ 2 sources', 'with_2_sources', 'enrolled'),
      with_3_sources_pct: pct('Share with ≥ 3 sources', 'with_3_sources', 'enrolled'),
    },
    additiveBy: { source_org: ['items', 'feeds'] },
  },
  consent: {
    label: 'Consent and objections',
    description:
      'Objections in force at the end of each period, by scope (the organisation whose sharing is objected ' +
      'to, or all organisations), for patients registered in the organisation\'s subtree, per 1,000 patients ' +
      'activated at that time; and sharing grants and revocations made in the period (patients per day, ' +
      'summed over the period). A scope other than all organisations has no row in a period where it has ' +
      'none of these. Each period and organisation also has the total of every scope (scope ALL_SCOPES: ' +
      'the sum of the scope rows, objections rather than distinct patients), which the dashboard shows as ' +
      '"objections in force"; it and the scope rows are protected together, so a hidden scope cannot be ' +
      'worked out from it.',
    unit: 'per_1000',
    grains: GRAINS,
    levels: PRACTICE_LEVELS,
    columns: {
      period_start: date('Period start'),
      complete,
      ...ORG,
      scope: text('Scope (ALL = all organisations; ALL_SCOPES = the total of every scope)'),
      scope_name: text('Scope'),
      objections_in_force: people('Objections in force'),
      enrolled: people('Activated patients'),
      objections_per_1000: { label: 'Objections per 1,000 activated', unit: 'per_1000', protect: { rate: ['objections_in_force', 'enrolled'], per: 1000 } },
      sharing_granted: people('Sharing grants'),
      sharing_revoked: people('Sharing revocations'),
    },
  },
  data_quality: {
    label: 'Data quality',
    description:
      'Rows the importer quarantined between `from` and `to`, by batch, file kind and reason. These are ' +
      'counts of delivered rows that failed validation (identifiers masked), an operational figure about ' +
      'files rather than people, so they are shown exactly.',
    unit: 'count',
    time: 'range',
    columns: {
      batch_id: text('Batch'),
      file_kind: text('File kind'),
      reason_code: text('Reason code'),
      example_reason: text('Reason (example)'),
      rows_quarantined: { label: 'Rows quarantined', unit: 'count' },
      first_quarantined_at: text('First quarantined at'),
    },
  },
  savings: {
    label: 'Estimated savings',
    description:
      'Estimated savings per period and organisation from the versioned savings model ' +
      '(data/savings-model.json, also at GET /api/savings-model): each saving type counts usage events of ' +
      'some kinds (activity), of which a fraction avoids a costed alternative (a posted letter, a phone ' +
      'call, a missed appointment), valued at low, central and high unit values. Events are attributed to ' +
      'the organisation whose content or service was used (the patient\'s practice when the event names ' +
      'none). Monthly or quarterly. By a level below the organisation (e.g. by CCG under an ICB), a row with ' +
      'no organisation code holds the remainder, per period and saving type: the organisation\'s total minus ' +
      'the rows shown, so the rows add up to the total ("Trusts and community services" by CCG: they sit in ' +
      'no CCG); a part hidden by the small-number rule is counted in it, and its name then ends "+ hidden".',
    unit: 'gbp',
    grains: ['month', 'quarter'],
    levels: LEVELS,
    needsModel: true,
    columns: {
      period_start: date('Period start'),
      complete,
      ...ORG,
      saving_type: text('Saving type'),
      saving_label: text('Saving'),
      activity: events('Activity (events)'),
      avoided: { label: 'Items avoided', unit: 'count', protect: { from: ['activity'] } },
      savings_low_gbp: { label: 'Savings (low)', unit: 'gbp', protect: { from: ['activity'] } },
      savings_central_gbp: { label: 'Savings (central)', unit: 'gbp', protect: { from: ['activity'] } },
      savings_high_gbp: { label: 'Savings (high)', unit: 'gbp', protect: { from: ['activity'] } },
    },
  },
  roi: {
    label: 'Return on investment',
    description:
      'Per period, savings of all saving types (low / central / high) against costs: programme costs of ' +
      'organisations in the subtree and campaign costs, each spread evenly over its days. The period ' +
      'columns are in-period figures; the cumulative ones are programme-to-date: counted from the first ' +
      'cost or valued activity of the organisation\'s subtree, whatever `from` is (`from` only chooses the ' +
      'periods returned), up to the end of each period. Net benefit = cumulative savings − cumulative cost; ' +
      'return = cumulative savings / cumulative cost (savings for each £1 of cost, to 2 decimals: 3.20 reads ' +
      '"£3.20 back for every £1"; none without a cost); payback period = the first period since the programme ' +
      'began whose cumulative savings cover its cumulative cost (compared to the penny, once there is a ' +
      'cost), up to `to` (null while not reached; it may be before `from`): one rule, which the dashboard\'s ' +
      'what-if panel uses too, as it does the return.',
    unit: 'gbp',
    grains: ['month', 'quarter'],
    levels: LEVELS,
    defaultMonths: 24,
    needsModel: true,
    columns: {
      period_start: date('Period start'),
      complete,
      ...ORG,
      activity: events('Activity in period (events)'),
      savings_low_gbp: { label: 'Savings in period (low)', unit: 'gbp', protect: { from: ['activity'] } },
      savings_central_gbp: { label: 'Savings in period (central)', unit: 'gbp', protect: { from: ['activity'] } },
      savings_high_gbp: { label: 'Savings in period (high)', unit: 'gbp', protect: { from: ['activity'] } },
      cost_gbp: { label: 'Cost in period', unit: 'gbp' },
      cumulative_savings_low_gbp: { label: 'Savings to date (low)', unit: 'gbp' },
      cumulative_savings_central_gbp: { label: 'Savings to date (central)', unit: 'gbp' },
      cumulative_savings_high_gbp: { label: 'Savings to date (high)', unit: 'gbp' },
      cumulative_cost_gbp: { label: 'Cost to date', unit: 'gbp' },
      net_benefit_low_gbp: { label: 'Net benefit to date (low)', unit: 'gbp' },
      net_benefit_central_gbp: { label: 'Net benefit to date (central)', unit: 'gbp' },
      net_benefit_high_gbp: { label: 'Net benefit to date (high)', unit: 'gbp' },
      // Savings for each £1 of cost, the form the pages show, by the one rule (server/metrics/roi-rule.ts).
      return_low_ratio: { label: 'Return to date (low): savings per £1 of cost', unit: 'ratio', computed: true },
      return_central_ratio: { label: 'Return to date (central): savings per £1 of cost', unit: 'ratio', computed: true },
      return_high_ratio: { label: 'Return to date (high): savings per £1 of cost', unit: 'ratio', computed: true },
      // Worked out from the running totals by the one payback rule (server/metrics/roi-rule.ts).
      payback_low: { ...date('Payback period (low)'), computed: true },
      payback_central: { ...date('Payback period (central)'), computed: true },
      payback_high: { ...date('Payback period (high)'), computed: true },
    },
  },
  campaign_impact: {
    label: 'Campaign impact',
    description:
      'For each campaign running between `from` and `to` whose scope overlaps the organisation: patients ' +
      'first registering at practices in the campaign\'s scope during the campaign and in the same number of ' +
      'days just before it, and the same for practices outside the scope (comparison group). Change per ' +
      '1,000 eligible = (during − before) / eligible × 1,000; additional registrations ' +
      '(difference-in-differences) = (in-scope change − comparison change) × in-scope eligible / 1,000 ' +
      '(without a comparison group, the plain before/after change); cost per additional registration = ' +
      'campaign cost / additional registrations (when positive).',
    unit: 'count',
    time: 'range',
    usesOrg: true,
    defaultMonths: 24,
    columns: {
      campaign_code: text('Campaign code'),
      campaign_name: text('Campaign'),
      scope_org: text('Scope'),
      channel: text('Channel'),
      start_date: date('Start'),
      end_date: date('End'),
      days: { label: 'Days', unit: 'days' },
      cost_gbp: { label: 'Cost', unit: 'gbp' },
      in_scope_eligible: people('In scope: eligible'),
      in_scope_before: people('In scope: registrations before'),
      in_scope_during: people('In scope: registrations during'),
      comparison_eligible: people('Comparison: eligible'),
      comparison_before: people('Comparison: registrations before'),
      comparison_during: people('Comparison: registrations during'),
      in_scope_change_per_1000: { label: 'In scope: change per 1,000', unit: 'per_1000', protect: { from: ['in_scope_before', 'in_scope_during', 'in_scope_eligible'], derive: 'in_scope_change' } },
      comparison_change_per_1000: { label: 'Comparison: change per 1,000', unit: 'per_1000', protect: { from: ['comparison_before', 'comparison_during', 'comparison_eligible'], derive: 'comparison_change' } },
      additional_registrations: { label: 'Additional registrations', unit: 'count', protect: { from: CAMPAIGN_COUNTS, derive: 'additional_registrations' } },
      cost_per_additional_gbp: { label: 'Cost per additional registration', unit: 'gbp', protect: { from: CAMPAIGN_COUNTS, derive: 'cost_per_additional' } },
    },
  },
  rollout: {
    label: 'Rollout',
    description:
      'Per organisation at the level, at `to`: go-live date, eligible population, activated patients (as ' +
      'for uptake), uptake now and 12 weeks earlier, the weekly series in between (activated patients and ' +
      'uptake at `to` and each of the 12 weeks before it, oldest first), and the uptake target (the ' +
      'organisation\'s own, or its practices\' list-weighted average). The rollout rule, the only one the ' +
      'dashboard uses: the trend is the change in uptake over those 12 weeks divided by 12, in percentage ' +
      'points a week (not a percentage), worked out from the published counts (activated now and 12 weeks ' +
      'earlier over the eligible population) and shown to 3 decimals; the projected date is `to` plus the ' +
      'whole weeks needed to close the gap to the target at that trend (rounded up), or "not on track" when ' +
      'uptake is not rising or would take more than 520 weeks (ten years); status is "target reached" when ' +
      'uptake as published (to 0.1 point) is at or above the target, "on track" with a projected date, "not ' +
      'on track", or "no target". RAG: green when the target is reached; amber when uptake is at least 80% ' +
      'of the target or the projected date is within 52 weeks; red otherwise; none without a target.',
    unit: 'percent',
    time: 'snapshot',
    levels: LEVELS,
    columns: {
      ...ORG,
      org_type: text('Type'),
      go_live_date: date('Go-live'),
      eligible: people('Eligible population'),
      activated: people('Activated patients'),
      activated_12_weeks_ago: people('Activated 12 weeks earlier'),
      activated_weekly: { label: 'Activated at each of the last 13 week ends', type: 'number[]', unit: 'count', protect: 'people' },
      uptake_pct_weekly: { label: 'Uptake at each of the last 13 week ends', type: 'number[]', unit: 'percent', protect: { from: ['eligible'], derive: 'weekly_uptake' } },
      target_pct: { label: 'Target uptake', unit: 'percent' },
      uptake_pct: pct('Uptake', 'activated', 'eligible'),
      uptake_pct_12_weeks_ago: pct('Uptake 12 weeks earlier', 'activated_12_weeks_ago', 'eligible'),
      weekly_change_pp: { label: 'Trend (percentage points a week)', unit: 'pp_per_week', protect: { from: ['activated', 'activated_12_weeks_ago', 'eligible'], derive: 'weekly_change' } },
      rag: { label: 'RAG', type: 'string', protect: { from: ['activated', 'eligible'], derive: 'rag' } },
      status: { label: 'Status', type: 'string', protect: { from: ['activated', 'eligible'], derive: 'rollout_status' } },
      projected_target_date: { label: 'Projected to reach target', type: 'date', protect: { from: ['activated', 'activated_12_weeks_ago', 'eligible'], derive: 'projected_date' } },
      as_of: date('As of'),
    },
  },
  equity: {
    label: 'Equity of uptake',
    description:
      'At `to`, patients activated (latest enrolment state) as a percentage of registered patients, by IMD ' +
      'decile (1 = most deprived), age band or sex, for patients registered in the organisation\'s subtree. ' +
      'With IMD deciles, also the most deprived quintile (deciles 1–2) and least deprived (9–10), and the ' +
      'gap between them: least minus most deprived uptake, in percentage points, computed from the rounded ' +
      'figures.',
    unit: 'percent',
    time: 'snapshot',
    dimensions: ['imd_decile', 'age_band', 'sex'],
    defaultBy: 'imd_decile',
    levels: PRACTICE_LEVELS,
    columns: {
      ...ORG,
      breakdown,
      activated: people('Activated patients'),
      population: people('Registered patients'),
      uptake_pct: pct('Uptake', 'activated', 'population'),
      gap_q5_q1_pp: { label: 'Gap: least − most deprived quintile (pp)', unit: 'percent' },
    },
  },
} as const satisfies Record<string, MetricSpec>;

// ---- names derived from the data ---------------------------------------------------------------
export type MetricName = keyof typeof METRICS;
/** The columns of a metric, as literal types. */
export type ColumnName<M extends MetricName> = keyof (typeof METRICS)[M]['columns'] & string;

/** Every metric, in the catalogue's order. */
export const METRIC_NAMES = Object.keys(METRICS) as [MetricName, ...MetricName[]];

/** Each metric's column names: `COLUMNS.uptake.uptake_pct` is 'uptake_pct' (a typo does not compile). */
export const COLUMNS = Object.fromEntries(
  METRIC_NAMES.map((m) => [m, Object.fromEntries(Object.keys(METRICS[m].columns).map((c) => [c, c]))]),
) as { readonly [M in MetricName]: { readonly [C in ColumnName<M>]: C } };

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}
