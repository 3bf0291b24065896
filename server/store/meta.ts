import type { DuckDBConnection } from '@duckdb/node-api';

/** Keys of store_meta, named once so readers and writers agree. */
export const META = {
  keyFingerprint: 'pseudo_key_fingerprint',
  /** Bumped by every import that changes data; API caches and ETags are keyed on it. */
  dataVersion: 'data_version',
  /** The data_version the rollup tables were last rebuilt for. */
  rollupsVersion: 'rollups_version',
} as const;

export async function getMeta(conn: DuckDBConnection, key: string): Promise<string | undefined> {
  const result = await conn.runAndReadAll(`SELECT value FROM store_meta WHERE key = $1`, [key]);
  const row = result.getRows()[0];
  return row ? String(row[0]) : undefined;
}

export async function setMeta(conn: DuckDBConnection, key: string, value: string): Promise<void> {
  await conn.run(
    `INSERT INTO store_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [key, value],
  );
}
