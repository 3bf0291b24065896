/**
 * A large, valid export batch written by DuckDB itself (seconds, not minutes), for measuring the
 * importer: `events` usage events over `patients` patients at the given organisations, split into
 * gzip CSV part files like the platform's large deliveries.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { PLATFORMS, USAGE_EVENT_TYPES } from '../../server/contract/export-format.js';
import { sqlLiteral } from '../../server/store/sql-literal.js';
import { modulus11Valid } from '../../server/ingest/validation-sql.js';

export interface SyntheticBatchOptions {
  dir: string;
  events: number;
  patients: number;
  orgCodes: string[];
  /** Take the patients' NHS numbers from a delivered patients file instead of inventing them. */
  nhsNumbersFrom?: string;
  /** First event id number, so successive batches do not collide. */
  firstEventNo?: number;
  start: string;
  days: number;
  partRows?: number;
  seed?: number;
}

/** A valid NHS number for patient i, via the Modulus-11 rule (weights 10..2, check 11 − r). */
const nhsNumberSql = `
  WITH base AS (SELECT i, lpad(CAST(400000000 + (i * 7919) % 599999999 AS VARCHAR), 9, '0') AS d9 FROM range(?PATIENTS) t(i)),
  checked AS (
    SELECT i, d9, 11 - ((${Array.from({ length: 9 }, (_, k) => `${10 - k} * CAST(substr(d9, ${k + 1}, 1) AS INTEGER)`).join(' + ')}) % 11) AS c FROM base)
  SELECT i, d9 || CAST(c % 11 AS VARCHAR) AS nhs FROM checked WHERE c <> 10`;

export async function writeSyntheticBatch(conn: DuckDBConnection, o: SyntheticBatchOptions): Promise<string[]> {
  mkdirSync(o.dir, { recursive: true });
  const partRows = o.partRows ?? 1_000_000;
  const first = o.firstEventNo ?? 0;
  const sqlList = (values: readonly string[]) => `[${values.map(sqlLiteral).join(', ')}]`;
  const orgs = sqlList(o.orgCodes);
  const numbers = o.nhsNumbersFrom
    ? `SELECT DISTINCT replace(nhs_number, ' ', '') AS nhs FROM read_csv(${sqlLiteral(o.nhsNumbersFrom)}, all_varchar = true)
       WHERE ${modulus11Valid(`replace(nhs_number, ' ', '')`)}`
    : nhsNumberSql.replace('?PATIENTS', String(o.patients));
  await conn.run(`CREATE OR REPLACE TEMP TABLE bench_nhs AS SELECT row_number() OVER () - 1 AS k, nhs FROM (${numbers})`);
  const counted = await conn.runAndReadAll(`SELECT count(*)::BIGINT FROM bench_nhs`);
  const nhsCount = Number(counted.getRows()[0]![0]);
  const files: string[] = [];
  for (let part = 0; part * partRows < o.events; part++) {
    const from = part * partRows;
    const to = Math.min(o.events, from + partRows);
    const file = join(o.dir, `usage_events.part-${String(part + 1).padStart(4, '0')}.csv.gz`);
    await conn.run(`
      COPY (
        SELECT 'bench-' || CAST(${first} + i AS VARCHAR) AS event_id,
               strftime(TIMESTAMP ${sqlLiteral(o.start)} + to_seconds(CAST(hash(i, 1) % ${o.days * 86400} AS BIGINT)), '%Y-%m-%dT%H:%M:%SZ') AS occurred_at,
               n.nhs AS nhs_number,
               ${orgs}[1 + CAST(hash(i, 2) % ${o.orgCodes.length} AS INTEGER)] AS org_code,
               ${sqlList(USAGE_EVENT_TYPES)}[1 + CAST(hash(i, 3) % ${USAGE_EVENT_TYPES.length} AS INTEGER)] AS event_type,
               ${sqlList(PLATFORMS)}[1 + CAST(hash(i, 4) % ${PLATFORMS.length} AS INTEGER)] AS platform
        FROM range(${from}, ${to}) t(i)
        JOIN bench_nhs n ON n.k = hash(i, 5) % ${nhsCount}
        ORDER BY i
      ) TO ${sqlLiteral(file)} (FORMAT csv, HEADER, COMPRESSION gzip)`);
    files.push(file);
  }
  await conn.run(`DROP TABLE bench_nhs`);
  return files;
}
