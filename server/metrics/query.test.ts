/** Reading a metric's SQL result into rows typed by the catalogue's columns. */
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { readRows } from './query.js';
import type { MetricColumn } from './catalogue.js';

const none = { kind: 'none' } as const;
const col = (name: string, type: MetricColumn['type']): MetricColumn => ({ name, label: name, type, protect: none });

describe('readRows', () => {
  it('types every DuckDB value by its catalogue column and keeps the catalogue order', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      // sum() of BIGINT is HUGEINT, averages may be DECIMAL, counts BIGINT: all become numbers;
      // dates become YYYY-MM-DD whether DATE or a timestamp's text.
      const result = await conn.run(`
        SELECT * FROM (VALUES
          ('extra', 'Practice – One', DATE '2026-01-31', 12::HUGEINT, 1.25::DECIMAL(5, 2), 7::BIGINT, '2026-02-01 10:00:00', true),
          ('extra', NULL, NULL, NULL, NULL, NULL, NULL, NULL)
        ) t(ignored, name, day, total, share, n, stamp, flag)`);
      const rows = readRows(result, [
        col('day', 'date'), col('name', 'string'), col('total', 'number'), col('share', 'number'),
        col('n', 'number'), col('stamp', 'date'), col('flag', 'boolean'),
      ]);
      expect(rows).toEqual([
        { day: '2026-01-31', name: 'Practice – One', total: 12, share: 1.25, n: 7, stamp: '2026-02-01', flag: true },
        { day: null, name: null, total: null, share: null, n: null, stamp: null, flag: null },
      ]);
      expect(Object.keys(rows[0]!)).toEqual(['day', 'name', 'total', 'share', 'n', 'stamp', 'flag']);
      expect(() => readRows(result, [col('missing', 'string')])).toThrow(/no column missing/);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});

describe('readRows of an empty result', () => {
  it('is no rows (DuckDB gives no column arrays without a chunk)', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const result = await conn.run(`SELECT 1 AS n, 'x' AS s WHERE false`);
      expect(readRows(result, [col('n', 'number'), col('s', 'string')])).toEqual([]);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
