// The shapes the dashboard reads from the API (/api/*). They mirror server/api; the dashboard
// only relies on these fields and treats everything else as optional.

// Metric names, column names and the vocabulary of grains, levels, breakdowns and units come from
// the metric catalogue the server serves (a module shared with the server).
import type { ColumnType, Dimension, Grain, Level, MetricName, Unit } from '../../../server/metrics/catalogue-data.js';

export type { ColumnName, ColumnType, Grain, Level, MetricName, Unit } from '../../../server/metrics/catalogue-data.js';
/** A breakdown (`by`) of a metric. */
export type Breakdown = Dimension;

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
  metric: MetricName;
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

export interface Health {
  status: string;
  asOf: AsOf;
  lastSuccess: { batchId?: string; finishedAt?: string } | null;
  lastFailure: { batchId?: string; finishedAt?: string; error?: string } | null;
  lagMinutes: number | null;
  scheduler?: unknown;
  dataVersion?: string | number | null;
}

// ---- access control (server/api/access-routes.ts) ---------------------------------------------

export type Role = 'commissioner' | 'cio' | 'analyst' | 'admin';
export const ROLES: readonly Role[] = ['commissioner', 'cio', 'analyst', 'admin'];
export type Permission = 'metrics' | 'sql' | 'admin';

/** GET /api/me: the signed-in user. */
export interface Me {
  username: string;
  displayName: string | null;
  role: Role;
  /** Their organisation: they see it and everything below it. */
  org: string;
  orgName: string | null;
  permissions: Permission[];
  via: 'session' | 'token';
}

export interface User {
  username: string;
  displayName: string | null;
  role: Role;
  org: string;
  source: 'local' | 'oidc';
  disabled: boolean;
  createdAt: string;
  lastSignInAt: string | null;
}

export interface ApiToken {
  id: number;
  username: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface SessionInfo {
  id: string;
  username: string;
  method: 'password' | 'oidc';
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

export interface AuditRecord {
  id: number;
  at: string;
  username: string | null;
  role: string | null;
  userOrg: string | null;
  action: string;
  method: string | null;
  route: string | null;
  params: string | null;
  org: string | null;
  rowCount: number | null;
  status: number | null;
  outcome: string;
  ip: string | null;
  detail: string | null;
}

export const AUDIT_ACTIONS = ['sign_in', 'sign_out', 'metric_read', 'export', 'sql_query', 'sql_export', 'admin', 'read', 'denied'] as const;
export const AUDIT_OUTCOMES = ['ok', 'denied', 'failed', 'error'] as const;

export interface AuditFilters {
  from?: string;
  to?: string;
  username?: string;
  action?: string;
  outcome?: string;
  limit?: number;
}
