// The shapes the dashboard reads from the API (/api/*). They mirror server/api; the dashboard
// only relies on these fields and treats everything else as optional.

export type ColumnType = 'string' | 'number' | 'date' | 'boolean';
/** pp_per_week: percentage points a week (the rollout trend; a change of a percentage, not a percentage). */
export type Unit = 'count' | 'percent' | 'gbp' | 'days' | 'ratio' | 'per_1000' | 'pp_per_week';
export type Grain = 'day' | 'week' | 'month' | 'quarter';
export type Level = 'icb' | 'ccg' | 'practice' | 'trust' | 'community';
export type Breakdown =
  | 'age_band'
  | 'sex'
  | 'imd_decile'
  | 'channel'
  | 'platform'
  | 'campaign'
  | 'event_type'
  | 'source_org';

export interface Column {
  name: string;
  label: string;
  type: ColumnType;
  unit?: Unit;
}

export type Cell = string | number | boolean | null;
/** One result row; `_suppressed` names the cells hidden by disclosure control (their value is null). */
export interface Row {
  [column: string]: Cell | string[] | undefined;
  _suppressed?: string[];
}

export interface AsOf {
  latestEventAt: string | null;
  lastImportAt: string | null;
  dataVersion: string | number | null;
  /** The day the programme began (earliest go-live, cost, campaign or data day). */
  programmeStart?: string | null;
}

export interface Suppression {
  rule: string;
  suppressedCells: number;
  complementary: number;
}

export interface MetricParams {
  org?: string;
  level?: Level;
  grain?: Grain;
  from?: string;
  to?: string;
  by?: Breakdown;
}

export interface MetricResult {
  metric: string;
  label: string;
  params: Partial<Record<keyof MetricParams, string | null>>;
  asOf: AsOf;
  suppression: Suppression;
  columns: Column[];
  rows: Row[];
  /** Some metrics carry extra payloads (e.g. savings: the unit-value model). */
  [extra: string]: unknown;
}

export interface MetricInfo {
  name: string;
  label: string;
  description: string;
  unit: Unit | string;
  dimensions: string[];
  grains: string[];
  levels: string[];
  columns: Column[];
}

export interface Org {
  code: string;
  name: string;
  type: Level;
  parent: string | null;
  eligiblePopulation: number | null;
  goLiveDate: string | null;
  targetUptakePct: number | null;
  children: string[];
}

export interface OrgsResult {
  asOf: AsOf;
  root: string;
  orgs: Org[];
}

export interface Health {
  status: string;
  asOf: AsOf;
  lastSuccess: { batchId?: string; finishedAt?: string } | null;
  lastFailure: { batchId?: string; finishedAt?: string; error?: string } | null;
  lagMinutes: number | null;
  scheduler?: unknown;
  dataVersion?: string | number | null;
}
