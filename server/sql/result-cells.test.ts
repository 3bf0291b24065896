import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellReaders, firstRowsJson, rowsOf } from './result-cells.js';

let db: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
});

/** Every row of a query, read as the workbench reads a download. */
async function allRows(sql: string) {
  const result = await conn.stream(sql);
  const readers = cellReaders(result);
  const rows = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return rows;
    rows.push(...rowsOf(chunk, readers));
  }
}

async function first(sql: string, limit: number, maxBytes = 1e9) {
  const result = await conn.stream(sql);
  const answer = await firstRowsJson(result, cellReaders(result), { limit, maxBytes });
  return { ...answer, rows: JSON.parse(answer.rowsJson) as unknown[][] };
}

describe('cells as JSON', () => {
  it('gives whole numbers as numbers while they are exact, and as text past 2^53', async () => {
    const rows = await allRows(
      `SELECT 7::TINYINT, 300::SMALLINT, -5::INTEGER, 9007199254740991::BIGINT, 9007199254740993::BIGINT, 170141183460469231731687303715884105727::HUGEINT, 12::UBIGINT, sum(x) FROM (VALUES (1), (2)) v(x)`,
    );
    expect(rows).toEqual([[7, 300, -5, 9007199254740991, '9007199254740993', '170141183460469231731687303715884105727', 12, 3]]);
  });

  it('gives decimals and floats as numbers, and NaN and the infinities as text', async () => {
    const rows = await allRows(`SELECT 12.50::DECIMAL(6,2), 0.1::DECIMAL(18,3), 2.5::DOUBLE, 0.25::FLOAT, 'NaN'::DOUBLE, 'inf'::DOUBLE, '-inf'::FLOAT`);
    expect(rows).toEqual([[12.5, 0.1, 2.5, 0.25, 'NaN', 'Infinity', '-Infinity']]);
  });

  it('gives text as it is, dates and times as ISO text, lists and structs as JSON, nulls as null', async () => {
    const rows = await allRows(
      `SELECT 'say "hi" — ok' AS t, DATE '2026-02-28' AS d, TIMESTAMP '2026-02-28 13:45:00' AS ts, [1, 2] AS l, {'a': 1, 'b': 'x'} AS s, true AS b, NULL::INTEGER AS n, NULL::VARCHAR AS nt`,
    );
    expect(rows).toEqual([['say "hi" — ok', '2026-02-28', '2026-02-28 13:45:00', [1, 2], { a: 1, b: 'x' }, true, null, null]]);
  });
});

describe('the first rows of a result', () => {
  // DuckDB hands results over in chunks of 2,048 rows: the cuts below fall inside, on and past them.
  it.each([
    [1, 1, true],
    [2048, 2048, true],
    [2049, 2049, true],
    [4999, 4999, true],
    [5000, 5000, false],
    [10_000, 5000, false],
  ])('with limit %i, gives %i rows in order; truncated: %s', async (limit, rowCount, truncated) => {
    const answer = await first('SELECT i, i * 2 AS twice FROM range(5000) t(i) ORDER BY i', limit);
    expect(answer.rowCount).toBe(rowCount);
    expect(answer.truncated).toBe(truncated);
    expect(answer.rows).toHaveLength(rowCount);
    expect(answer.rows[0]).toEqual([0, 0]);
    expect(answer.rows.at(-1)).toEqual([rowCount - 1, 2 * (rowCount - 1)]);
  });

  it('stops at the row that crosses the byte limit, inside a chunk or past one', async () => {
    // Each row is ["r0000"] … ["r4999"]: 9 characters of JSON.
    const sql = `SELECT 'r' || lpad(i::VARCHAR, 4, '0') AS v FROM range(5000) t(i) ORDER BY i`;
    const inside = await first(sql, 10_000, 90);
    expect(inside.rowCount).toBe(11); // 10 rows make 90 characters, not over; the 11th crosses
    expect(inside.truncated).toBe(true);
    expect(inside.rows.at(-1)).toEqual(['r0010']);

    const pastAChunk = await first(sql, 10_000, 2048 * 9 + 5);
    expect(pastAChunk.rowCount).toBe(2049); // 2,048 rows are 18,432 characters, not over; the next crosses
    expect(pastAChunk.truncated).toBe(true);

    const justAllOfIt = await first('SELECT 1 AS a FROM range(3)', 10, 8); // [1] [1] [1]: 9 characters, the last crosses
    expect(justAllOfIt).toMatchObject({ rowCount: 3, truncated: false });
  });

  it('stops a result of huge cells at the byte limit, serialising no more than the rows it takes', async () => {
    // 2,048 rows of 50 KB in one chunk; each row is ["xxx…"], 50,004 characters: the third crosses 120,000.
    const answer = await first(`SELECT repeat('x', 50000) AS big FROM range(2048)`, 10_000, 120_000);
    expect(answer.rowCount).toBe(3);
    expect(answer.truncated).toBe(true);
  });

  it('is an empty array for an empty result', async () => {
    expect(await first('SELECT 1 AS a WHERE false', 10)).toEqual({ rowsJson: '[]', rowCount: 0, truncated: false, rows: [] });
  });
});
