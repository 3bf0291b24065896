import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { QUERIES_DIR } from './sql-files.js';
import { StoreError } from './errors.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** Migrations are queries/schema/NNN_description.sql, applied in version order. */
export function listMigrations(dir = join(QUERIES_DIR, 'schema')): Migration[] {
  return readdirSync(dir)
    .map((file) => ({ file, match: MIGRATION_FILE.exec(file) }))
    .filter((m): m is { file: string; match: RegExpExecArray } => m.match !== null)
    .map(({ file, match }) => ({
      version: Number(match[1]),
      description: match[2]!.replace(/_/g, ' '),
      sql: readFileSync(join(dir, file), 'utf8'),
    }))
    .sort((a, b) => a.version - b.version);
}

export async function currentVersion(conn: DuckDBConnection): Promise<number> {
  const exists = await conn.runAndReadAll(
    `SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'schema_version' AND table_schema = 'main'`,
  );
  if (Number(exists.getRows()[0]![0]) === 0) return 0;
  const result = await conn.runAndReadAll(`SELECT coalesce(max(version), 0)::INTEGER FROM schema_version`);
  return Number(result.getRows()[0]![0]);
}

/**
 * Brings a store up to the newest schema this code knows. Each migration runs in its own
 * transaction together with its schema_version row, so a failure leaves the previous version.
 * A store written by newer code is refused: old code must not guess at a schema it does not know.
 */
export async function migrate(conn: DuckDBConnection, migrations = listMigrations()): Promise<number> {
  const latest = migrations.at(-1)?.version ?? 0;
  const from = await currentVersion(conn);
  if (from > latest) {
    throw new StoreError(
      `This store has schema version ${from}, but this version of Portal Insights only knows up to ${latest}. ` +
        `Upgrade Portal Insights, or point PORTAL_DB at a different store.`,
    );
  }
  for (const m of migrations.filter((m) => m.version > from)) {
    await conn.run('BEGIN TRANSACTION');
    try {
      await conn.run(m.sql);
      await conn.run(`INSERT INTO schema_version (version, description) VALUES ($1, $2)`, [m.version, m.description]);
      await conn.run('COMMIT');
    } catch (err) {
      await conn.run('ROLLBACK');
      throw new StoreError(`Migration ${m.version} (${m.description}) failed: ${(err as Error).message}`);
    }
  }
  // DuckDB 1.5 cannot replay a write-ahead log that holds the schema's macros ("Failure while
  // replaying WAL file: Calling DatabaseManager::GetDefaultDatabase with no default database
  // set"): a new store killed before its first checkpoint could never be opened again. Writing
  // the migrated schema into the file itself leaves no such log behind.
  if (from < latest) await conn.run('CHECKPOINT');
  return latest;
}
