import type { DuckDBConnection } from '@duckdb/node-api';
import { loadSqlFiles } from '../store/sql-files.js';

/**
 * The rollup steps, in the order they run. Each is one file in queries/rollups/; later steps read
 * the tables (and session temp tables) of earlier ones, and the last one drops the temp tables.
 */
const ROLLUP_STEPS = ['01_base', '02_uptake', '03_funnel', '04_activity', '05_feeds_consent', '06_levels'] as const;

let sql: Record<(typeof ROLLUP_STEPS)[number], string> | undefined;

/** Loaded on first use, not at import time, so importing this module never touches the disk. */
function rollupSql() {
  sql ??= loadSqlFiles('rollups', ROLLUP_STEPS);
  return sql;
}

export interface RollupTiming {
  step: string;
  ms: number;
}

/**
 * Rebuilds every precomputed rollup table (rollup_*) from the base tables. Called by the importer
 * inside its transaction after each import run, so readers never see half-built rollups; it does
 * not open or commit a transaction itself. Returns how long each step took (for logs and bench).
 */
export async function refreshRollups(conn: DuckDBConnection): Promise<void> {
  await refreshRollupsTimed(conn);
}

export async function refreshRollupsTimed(conn: DuckDBConnection): Promise<RollupTiming[]> {
  const files = rollupSql();
  const timings: RollupTiming[] = [];
  await defineLocalTimeMacro(conn);
  for (const step of ROLLUP_STEPS) {
    const started = performance.now();
    await conn.run(files[step]);
    timings.push({ step, ms: Math.round(performance.now() - started) });
  }
  return timings;
}

/**
 * Defines pi_local_us(ts): microseconds since the epoch in Europe/London local time. Converting
 * 25M timestamps through ICU takes seconds; UK summer time is simply +1 hour between 01:00 UTC on
 * the last Sundays of March and October, so the boundaries are computed once per year (1970–2199)
 * and looked up by the year. The lists are numbers this function computes, never user input.
 */
async function defineLocalTimeMacro(conn: DuckDBConnection): Promise<void> {
  const lastSunday = (month: number) =>
    `epoch_us((make_date(y, ${month}, 31) - (isodow(make_date(y, ${month}, 31)) % 7)::INTEGER)::TIMESTAMP) + 3600000000`;
  const result = await conn.runAndReadAll(
    `SELECT list(${lastSunday(3)} ORDER BY y)::VARCHAR, list(${lastSunday(10)} ORDER BY y)::VARCHAR FROM range(1970, 2200) r(y)`,
  );
  const [starts, ends] = result.getRows()[0]!.map(String) as [string, string];
  if (!/^\[[0-9, ]+\]$/.test(starts) || !/^\[[0-9, ]+\]$/.test(ends)) throw new Error('Unexpected BST boundary lists');
  const yearIndex = `(epoch_us(ts) // 31556952000000 + 1)::INTEGER`;
  await conn.run(
    `CREATE OR REPLACE TEMP MACRO pi_local_us(ts) AS (epoch_us(ts) + CASE WHEN epoch_us(ts) >= (${starts}::BIGINT[])[${yearIndex}] ` +
      `AND epoch_us(ts) < (${ends}::BIGINT[])[${yearIndex}] THEN 3600000000 ELSE 0 END)`,
  );
  await conn.run(`CREATE OR REPLACE TEMP MACRO pi_day(ts) AS (DATE '1970-01-01' + (pi_local_us(ts) // 86400000000)::INTEGER)`);
  await conn.run(`CREATE OR REPLACE TEMP MACRO pi_hour(ts) AS ((pi_local_us(ts) % 86400000000) // 3600000000)::TINYINT`);
}
