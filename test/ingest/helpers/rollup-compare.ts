/**
 * Compares the rollups a store holds with a full rebuild of the same base tables, row for row: the
 * rebuild runs in a transaction that is rolled back, so the store is left as it was.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { rebuildRollups } from '../../../server/metrics/rollups.js';

/** Every rollup table (rollup_pending and rollup_pending_purged are bookkeeping, not rollups). */
export async function rollupTables(conn: DuckDBConnection): Promise<string[]> {
  const result = await conn.runAndReadAll(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'main' AND table_name LIKE 'rollup\\_%' ESCAPE '\\' AND table_name NOT IN ('rollup_pending', 'rollup_pending_purged') ORDER BY 1`,
  );
  return result.getRows().map((r) => String(r[0]));
}

/** A table's contents for comparison: built_at says when, not what, so it is left out. */
const contents = (table: string) => (table === 'rollup_facts' ? `SELECT * EXCLUDE (built_at) FROM ${table}` : `SELECT * FROM ${table}`);

export interface RollupDifference {
  table: string;
  /** Rows the store holds that a full rebuild does not (at most a few, for the message). */
  extra: unknown[][];
  /** Rows a full rebuild has that the store lacks. */
  missing: unknown[][];
  storedRows: number;
  rebuiltRows: number;
}

/** The tables whose maintained contents differ from a full rebuild's (empty: all equal). */
export async function diffAgainstFullRebuild(conn: DuckDBConnection): Promise<RollupDifference[]> {
  const tables = await rollupTables(conn);
  for (const t of tables) await conn.run(`CREATE OR REPLACE TEMP TABLE kept_${t} AS ${contents(t)}`);
  const differences: RollupDifference[] = [];
  await conn.run('BEGIN TRANSACTION');
  try {
    await rebuildRollups(conn, 'comparison');
    const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRows() as unknown[][];
    // One statement per table says whether it differs (EXCEPT ALL both ways); rows only if it does.
    const counts = await rows(
      tables
        .map((t) => `SELECT ${tables.indexOf(t)} AS i, (SELECT count(*) FROM (SELECT * FROM kept_${t} EXCEPT ALL ${contents(t)}))
                      + (SELECT count(*) FROM (${contents(t)} EXCEPT ALL SELECT * FROM kept_${t})) AS n`)
        .join(' UNION ALL '),
    );
    for (const [i, n] of counts) {
      if (Number(n) === 0) continue;
      const t = tables[Number(i)]!;
      const extra = await rows(`SELECT * FROM (SELECT * FROM kept_${t} EXCEPT ALL ${contents(t)}) LIMIT 5`);
      const missing = await rows(`SELECT * FROM (${contents(t)} EXCEPT ALL SELECT * FROM kept_${t}) LIMIT 5`);
      const [[storedRows]] = (await rows(`SELECT count(*)::INTEGER FROM kept_${t}`)) as [[number]];
      const [[rebuiltRows]] = (await rows(`SELECT count(*)::INTEGER FROM ${t}`)) as [[number]];
      differences.push({ table: t, extra, missing, storedRows: Number(storedRows), rebuiltRows: Number(rebuiltRows) });
    }
  } finally {
    await conn.run('ROLLBACK');
    for (const t of tables) await conn.run(`DROP TABLE IF EXISTS kept_${t}`);
  }
  return differences;
}
