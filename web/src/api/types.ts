// The shapes the dashboard reads from the API (/api/*). They mirror server/api; the dashboard
// only relies on these fields and treats everything else as optional.

// Metric names, column names and the vocabulary of grains, levels, breakdowns and units come from
// the metric catalogue the server serves (a module shared with the server).
import type { ColumnType, Dimension, Grain, Level, MetricName, Unit } from '../../../server/metrics/catalogue-data.js';

export type { ColumnName, Grain, Level, MetricName, Unit } from '../../../server/metrics/catalogue-data.js';
/** A breakdown (`by`) of a metric. */
export type Breakdown = Dimension;

export interface Column {
  name: string;
  label: string;
  type: ColumnType;
  unit?: Unit;
}

type Cell = string | number | boolean | null;
/** One result row; `_suppressed` names the cells hidden by disclosure control (their value is null). */
export interface Row {
  [column: string]: Cell | string[] | undefined;
  _suppressed?: string[];
}

// A type-only tag (no such property exists at run time): which metric a row came from.
declare const metricOf: unique symbol;
/**
 * A row of metric M. The readers in lib/metric.ts take the metric from the row's type and accept
 * only M's column names, so `numberAt(uptakeRow, COLUMNS.funnel.invited)` or a misspelt name does
 * not compile. A plain `Row` (rows a page builds itself) has no metric and cannot be read by them.
 */
export type MetricRow<M extends MetricName> = Row & { readonly [metricOf]?: M };

interface AsOf {
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

/** A metric's answer; `useMetric('uptake', …)` gives a `MetricResult<'uptake'>`, whose rows are uptake rows. */
export interface MetricResult<M extends MetricName = MetricName> {
  metric: M;
  label: string;
  params: Partial<Record<keyof MetricParams, string | null>>;
  asOf: AsOf;
  suppression: Suppression;
  columns: Column[];
  rows: MetricRow<M>[];
  /** Some metrics carry extra payloads (e.g. savings: the unit-value model). */
  [extra: string]: unknown;
}

export interface MetricInfo {
  name: MetricName;
  label: string;
  description: string;
  unit: Unit;
  dimensions: Breakdown[];
  grains: Grain[];
  levels: Level[];
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
  /** The reader's own organisation, the top of what they see (null: it is not in the data). */
  root: string | null;
  orgs: Org[];
}

// GET /api/health: the shape is declared once, in a module the server shares with the dashboard.
export type { HealthReport as Health } from '../../../server/api/health-shapes.js';

// ---- access control (server/api/access-routes.ts) ---------------------------------------------

// The shapes are declared once, in a module the server shares with the dashboard.
export { ROLES, type Role, type Permission } from '../../../server/auth/roles.js';
export {
  AUDIT_ACTIONS,
  AUDIT_OUTCOMES,
  type AuditRecord,
  type Me,
  type PublicUser as User,
  type TokenInfo as ApiToken,
  type SessionInfo,
} from '../../../server/api/access-shapes.js';

export interface AuditFilters {
  from?: string;
  to?: string;
  username?: string;
  action?: string;
  outcome?: string;
  limit?: number;
}
