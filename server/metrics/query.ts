/**
 * Runs a metric: its SQL file with bound parameters, values typed by the catalogue's columns,
 * then disclosure control. No HTTP here, so the benchmark and tests can call it directly.
 */
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBMaterializedResult,
  type DuckDBValue,
  type DuckDBVector,
} from '@duckdb/node-api';
import { loadSqlFiles } from '../store/sql-files.js';
import { CATALOGUE, METRIC_NAMES, type ColumnType, type Dimension, type Grain, type Level, type MetricColumn, type MetricName } from './catalogue.js';
import { breakdownGroups, protectRowsInPlace, type AdditiveGroup, type Cell, type ProtectedRow, type RawRow } from './disclosure.js';

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
async function runMetricSql(
  conn: DuckDBConnection,
  name: MetricName,
  params: ResolvedParams,
  context: SqlContext,
): Promise<RawRow[]> {
  const sql = loadMetricSql()[name];
  const result = await conn.run(sql.text, bindValues(name, params, context));
  return readRows(result, CATALOGUE[name].columns);
}

/**
 * Turns a materialized result into rows with the catalogue's columns, in the catalogue's order.
 * Its chunks are taken synchronously (a reader fetches each one with a round trip through the
 * thread pool) and each chunk's vectors are read straight into the converted columns, one loop
 * per column type: no per-cell callback, no intermediate arrays of DuckDB values, no per-cell
 * JSON conversion (which cost as much as the query itself on answers of thousands of rows).
 * Dates are formatted once per distinct day.
 */
export function readRows(result: DuckDBMaterializedResult, columns: readonly MetricColumn[]): RawRow[] {
  const names = result.columnNames();
  const indexes = columns.map((col) => {
    if (col.computed) return -1;
    const index = names.indexOf(col.name);
    if (index < 0) throw new Error(`The SQL result has no column ${col.name}`);
    return index;
  });
  const chunks: DuckDBDataChunk[] = [];
  for (let i = 0, count = result.chunkCount; i < count; i++) chunks.push(result.getChunk(i));
  let length = 0;
  for (const chunk of chunks) length += chunk.rowCount;

  const converted: Cell[][] = columns.map(() => new Array<Cell>(length));
  const days = new Map<number, string>();
  let offset = 0;
  for (const chunk of chunks) {
    for (let c = 0; c < columns.length; c++) {
      if (indexes[c]! < 0) converted[c]!.fill(null, offset, offset + chunk.rowCount);
      else readVector(chunk.getColumnVector(indexes[c]!), columns[c]!.type, converted[c]!, offset, days);
    }
    offset += chunk.rowCount;
  }

  const rows: RawRow[] = new Array(length);
  const count = columns.length;
  const keys = columns.map((c) => c.name);
  for (let r = 0; r < length; r++) {
    const row: RawRow = {};
    for (let c = 0; c < count; c++) row[keys[c]!] = converted[c]![r]!;
    rows[r] = row;
  }
  return rows;
}

/** Converts one vector into `out` from `offset`; `days` caches formatted dates across chunks. */
function readVector(vector: DuckDBVector, type: ColumnType, out: Cell[], offset: number, days: Map<number, string>): void {
  const n = vector.itemCount;
  switch (type) {
    case 'number':
      for (let i = 0; i < n; i++) out[offset + i] = toNumber(vector.getItem(i));
      break;
    case 'date':
      for (let i = 0; i < n; i++) {
        const v = vector.getItem(i);
        if (v === null) out[offset + i] = null;
        else if (v instanceof DuckDBDateValue) {
          let text = days.get(v.days);
          if (text === undefined) {
            text = v.toString();
            days.set(v.days, text);
          }
          out[offset + i] = text;
        } else out[offset + i] = String(v).slice(0, 10);
      }
      break;
    case 'boolean':
      for (let i = 0; i < n; i++) {
        const v = vector.getItem(i);
        out[offset + i] = v === null ? null : Boolean(v);
      }
      break;
    case 'number[]':
      for (let i = 0; i < n; i++) {
        const v = vector.getItem(i);
        out[offset + i] = v instanceof DuckDBListValue ? v.items.map(toNumber) : null;
      }
      break;
    default:
      for (let i = 0; i < n; i++) {
        const v = vector.getItem(i);
        out[offset + i] = v === null || typeof v === 'string' ? v : String(v);
      }
  }
}

function toNumber(v: DuckDBValue): number | null {
  if (v === null) return null;
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v instanceof DuckDBDecimalValue ? v.toDouble() : Number(String(v));
  return Number.isFinite(n) ? n : null;
}

/** The day after a period's natural end (periods start on their first day: weeks on Monday). */
function periodEndExclusive(start: string, grain: Grain): string {
  const d = new Date(`${start}T00:00:00Z`);
  if (grain === 'day') d.setUTCDate(d.getUTCDate() + 1);
  else if (grain === 'week') d.setUTCDate(d.getUTCDate() + 7);
  else d.setUTCMonth(d.getUTCMonth() + (grain === 'month' ? 1 : 3));
  return d.toISOString().slice(0, 10);
}

/**
 * Fills in the `complete` column of period metrics: a period is complete when its last day is on
 * or before both `to` and the latest day with data. Otherwise it is the partial period at the end
 * (on 4 December, December holds four days), which charts draw differently and headlines skip.
 */
function markCompletePeriods(rows: RawRow[], grain: Grain | null, to: string | null, latest: string | null): void {
  const until = [to, latest].filter((d): d is string => !!d).sort()[0];
  const ends = new Map<string, boolean>();
  for (const row of rows) {
    const start = row.period_start;
    if (typeof start !== 'string' || !grain) {
      row.complete = null;
      continue;
    }
    let complete = ends.get(start);
    if (complete === undefined) {
      complete = until === undefined || periodEndExclusive(start, grain) <= dayAfter(until);
      ends.set(start, complete);
    }
    row.complete = complete;
  }
}

function dayAfter(iso: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Applies disclosure control with the metric's column roles and additive groups (to `rows` themselves). */
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
  const result = protectRowsInPlace(rows, definition.columns, groups);
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
  const sql = await runMetricSql(conn, name, params, context);
  const raw = CATALOGUE[name].prepare?.(sql, { from: params.from, grain: params.grain }) ?? sql;
  if (CATALOGUE[name].columns.some((c) => c.name === 'complete')) markCompletePeriods(raw, params.grain, params.to, context.latest);
  return protectMetric(name, raw, params.by);
}
