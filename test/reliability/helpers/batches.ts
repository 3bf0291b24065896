/**
 * Small landings of several batches for the backup, restore and archive specs: the contract's
 * sample batch (organisations, patients, every kind of event) and then synthetic batches of usage
 * events written by DuckDB, and ways to count what a store holds, per table and per batch.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeSyntheticBatch } from '../../../scripts/generate/synthetic-batch.js';
import type { Store } from '../../../server/store/store.js';
import { query, SAMPLE_BATCH_DIR } from '../../ingest/helpers/harness.js';

export const SAMPLE_ID = '2026-11-24T02-00Z';
const SAMPLE_ORGS = ['E85001', 'E85002', 'RYJ', 'RYX'];

/** The id of synthetic batch i (1-based): one hour after the sample each. */
export function syntheticId(i: number): string {
  return `2026-11-24T${String(2 + i).padStart(2, '0')}-00Z`;
}

/** Writes synthetic usage-event batches `from`..`to` (1-based) into landing; returns their ids. */
export async function writeSynthetic(landing: string, from: number, to: number, events: number): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  try {
    const ids: string[] = [];
    for (let i = from; i <= to; i++) {
      const id = syntheticId(i);
      await writeSyntheticBatch(conn, {
        dir: join(landing, id),
        events,
        patients: Math.max(10, Math.floor(events / 4)),
        orgCodes: SAMPLE_ORGS,
        start: '2026-10-01 00:00:00',
        days: 30,
        firstEventNo: i * 1_000_000,
        seed: i,
      });
      ids.push(id);
    }
    return ids;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The sample batch and `n` synthetic batches of `events` usage events each; returns every id in order. */
export async function writeLanding(landing: string, n: number, events: number): Promise<string[]> {
  cpSync(SAMPLE_BATCH_DIR, join(landing, SAMPLE_ID), { recursive: true });
  return [SAMPLE_ID, ...(await writeSynthetic(landing, 1, n, events))];
}

/** Rows per table (every table of the store), and store_meta's versions. */
export async function tableCounts(store: Store): Promise<Record<string, number | string>> {
  const tables = await query<{ table_name: string }>(
    store,
    `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary ORDER BY 1`,
  );
  const out: Record<string, number | string> = {};
  for (const { table_name } of tables) {
    const [row] = await query<{ n: string }>(store, `SELECT count(*)::BIGINT AS n FROM "${table_name}"`);
    out[table_name] = Number(row!.n);
  }
  for (const { key, value } of await query<{ key: string; value: string }>(store, `SELECT key, value FROM store_meta WHERE key IN ('base_version', 'data_version') ORDER BY key`)) {
    out[`meta:${key}`] = value;
  }
  return out;
}

/** The tables a batch only ever adds rows to, each row tagged with its batch. */
export const APPEND_ONLY = ['usage_events', 'enrolment_events', 'record_feeds', 'consent_events', 'quarantine', 'ingest_files', 'loaded_batches'] as const;

/** Rows per batch in each append-only table: `{ usage_events: { <batch>: n } … }`. */
export async function perBatchCounts(store: Store): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const table of APPEND_ONLY) {
    const rows = await query<{ batch_id: string; n: string }>(store, `SELECT batch_id, count(*)::BIGINT AS n FROM "${table}" GROUP BY 1 ORDER BY 1`);
    out[table] = Object.fromEntries(rows.map((r) => [r.batch_id, Number(r.n)]));
  }
  return out;
}

/** The loaded batch ids, in order. */
export async function loadedIds(store: Store): Promise<string[]> {
  return (await query<{ batch_id: string }>(store, `SELECT batch_id FROM loaded_batches ORDER BY 1`)).map((r) => r.batch_id);
}
