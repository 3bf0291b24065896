import type { DuckDBConnection } from '@duckdb/node-api';

/** Keys of store_meta, named once so readers and writers agree. */
export const META = {
  keyFingerprint: 'pseudo_key_fingerprint',
  /** Bumped by every committed batch: the version of the base (row-level) tables. */
  baseVersion: 'base_version',
  /**
   * The base_version the rollups were last rebuilt from, set in the same transaction as the
   * rebuild. API caches and ETags key on it, so a cached answer never mixes old and new data.
   */
  dataVersion: 'data_version',
  /** Fingerprint of the rollup SQL the rollups were built with (rebuilt when it changes). */
  rollupsCode: 'rollups_code',
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
