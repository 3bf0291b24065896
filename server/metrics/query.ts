/**
 * Runs a metric: its SQL file with bound parameters, values typed by the catalogue's columns,
 * then disclosure control. No HTTP here, so the benchmark and tests can call it directly.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadSqlFiles } from '../store/sql-files.js';
import { CATALOGUE, METRIC_NAMES, type Dimension, type Grain, type Level, type MetricDefinition, type MetricName } from './catalogue.js';
import { breakdownGroups, protectRows, type AdditiveGroup, type Cell, type ProtectedRow, type RawRow } from './disclosure.js';

/** Parameters after validation and defaulting (see server/api/params.ts). */
export interface ResolvedParams {
  org: string | null;
  level: Level | null;
  grain: Grain | null;
  from: string | null;
  to: string | null;
  by: Dimension | null;
}

export interface MetricRows {
  rows: ProtectedRow[];
  suppressedCells: number;
  complementary: number;
}

interface LoadedSql {
  text: string;
  /** The $names the SQL uses: DuckDB refuses values for parameters a statement does not have. */
  params: string[];
}

let loaded: Record<MetricName, LoadedSql> | undefined;

/** Loads every metric's SQL once; throws at start-up when a file is missing. */
export function loadMetricSql(): Record<MetricName, LoadedSql> {
  if (loaded) return loaded;
  const files = loadSqlFiles('metrics', METRIC_NAMES);
  const out = {} as Record<MetricName, LoadedSql>;
  for (const name of METRIC_NAMES) {
    const text = files[name];
    const withoutComments = text.replace(/--[^\n]*/g, '');
    out[name] = { text, params: [...new Set([...withoutComments.matchAll(/\$([a-z_]+)/g)].map((m) => m[1]!))] };
  }
  loaded = out;
  return out;
}

/** Values bound besides the request's parameters. */
export interface SqlContext {
  /** The savings model, flattened to JSON ($model). */
  model: string | null;
  /** The latest day with data ($latest): levels do not change after it. */
  latest: string | null;
}

/** The values to bind for a metric: only the parameters its SQL names. */
export function bindValues(name: MetricName, params: ResolvedParams, context: SqlContext): Record<string, string> {
  const all: Record<string, string | null> = {
    org: params.org ?? '',
    level: params.level ?? '',
    grain: params.grain ?? 'month',
    from: params.from ?? '1900-01-01',
    to: params.to ?? '2999-12-31',
    by: params.by ?? 'none',
    model: context.model,
    latest: context.latest ?? params.to ?? '2999-12-31',
  };
  const values: Record<string, string> = {};
  for (const key of loadMetricSql()[name].params) {
    const value = all[key];
    if (value === undefined || value === null) throw new Error(`Metric ${name} needs parameter $${key}, which has no value`);
    values[key] = value;
  }
  return values;
}

/** Runs the metric's SQL and returns its rows typed by the catalogue, before disclosure control. */
export async function runMetricSql(
  conn: DuckDBConnection,
  name: MetricName,
  params: ResolvedParams,
  context: SqlContext,
): Promise<RawRow[]> {
  const sql = loadMetricSql()[name];
  const result = await conn.runAndReadAll(sql.text, bindValues(name, params, context));
  const definition = CATALOGUE[name];
  return result.getRowObjectsJson().map((row) => typeRow(definition, row as Record<string, unknown>));
}

function typeRow(definition: MetricDefinition, row: Record<string, unknown>): RawRow {
  const out: RawRow = {};
  for (const col of definition.columns) {
    const value = row[col.name];
    out[col.name] = toCell(value, col.type);
  }
  return out;
}

function toCell(value: unknown, type: 'string' | 'number' | 'date' | 'boolean'): Cell {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'number': {
      const n = Number(value);
      return Number.isFinite(n) ? n : null;
    }
    case 'date':
      return String(value).slice(0, 10);
    case 'boolean':
      return Boolean(value);
    default:
      return String(value);
  }
}

/** Applies disclosure control with the metric's column roles and additive groups. */
export function protectMetric(name: MetricName, rows: RawRow[], by: Dimension | null): MetricRows {
  const definition = CATALOGUE[name];
  const groups: AdditiveGroup[] = [];
  const additive = by ? definition.additiveBy?.[by] : undefined;
  if (additive) {
    const partitionBy = definition.columns
      .filter((c) => c.protect.kind === 'none' && c.name !== 'breakdown' && (c.type === 'date' || c.name === 'org_code'))
      .map((c) => c.name);
    groups.push(...breakdownGroups(rows, partitionBy, 'breakdown', 'All', additive));
  }
  if (definition.groups) groups.push(...definition.groups(rows, by));
  const result = protectRows(rows, definition.columns, groups);
  definition.finalize?.(result.rows);
  return result;
}

/** Runs and protects: what every response and export is made from. */
export async function computeMetric(
  conn: DuckDBConnection,
  name: MetricName,
  params: ResolvedParams,
  context: SqlContext,
): Promise<MetricRows> {
  const raw = await runMetricSql(conn, name, params, context);
  return protectMetric(name, raw, params.by);
}
