import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStatement } from './statement-check.js';

let db: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  await conn.run('CREATE TABLE t AS SELECT 1 AS a');
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
});

describe('checkStatement', () => {
  it.each(['SELECT a FROM t', 'FROM t', 'WITH x AS (SELECT 1) SELECT * FROM x', 'DESCRIBE t', 'SUMMARIZE t', 'SELECT 1 UNION ALL SELECT 2', '  SELECT 1;  '])('lets a query through, prepared: %s', async (sql) => {
    const v = await checkStatement(conn, sql);
    expect(v.ok).toBe(true);
    if (v.ok) expect((await v.prepared.run()).rowCount).toBeGreaterThan(0);
  });

  it.each(['PRAGMA database_list', 'CALL pragma_version()', 'SET threads = 1', 'EXPLAIN SELECT 1', 'INSERT INTO t VALUES (2)', 'CREATE TABLE u (a INT)', "ATTACH 'x.db'", "COPY t TO 'x.csv'"])(
    'refuses what is not a query: %s',
    async (sql) => {
      expect(await checkStatement(conn, sql)).toMatchObject({ ok: false, code: 'refused', message: expect.stringMatching(/^Only a query can run here/) });
    },
  );

  it('refuses several statements, naming how many', async () => {
    expect(await checkStatement(conn, 'SELECT 1; SELECT 2; SELECT 3')).toMatchObject({ ok: false, message: expect.stringMatching(/this has 3/) });
  });

  it('reports a syntax error with its position (0-based, in characters)', async () => {
    expect(await checkStatement(conn, 'SELECT a FROM t WHER a = 1')).toMatchObject({ ok: false, code: 'syntax', position: 21 });
  });

  it('gives the same verdict for the same text again (kept), and prepares it each time', async () => {
    const first = await checkStatement(conn, 'PRAGMA version');
    expect(await checkStatement(conn, 'PRAGMA version')).toEqual(first);
    const a = await checkStatement(conn, 'SELECT 42 AS x');
    const b = await checkStatement(conn, 'SELECT 42 AS x');
    expect(a.ok && b.ok && a.prepared !== b.prepared).toBe(true);
  });

  it('judges each text on its own when checks on one connection overlap', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => (i % 2 ? `PRAGMA database_list -- ${i}` : `SELECT ${i} AS n`));
    const verdicts = await Promise.all(texts.map((sql) => checkStatement(conn, sql)));
    expect(verdicts.map((v) => v.ok)).toEqual(texts.map((_, i) => i % 2 === 0));
  });

  it('says a plan may be kept for a later run, except for a random sample or setseed()', async () => {
    const keepable = async (sql: string) => {
      const v = await checkStatement(conn, sql);
      if (!v.ok) throw new Error(v.message);
      v.prepared.destroySync();
      return v.keepable;
    };
    expect(await keepable('SELECT a, random() AS r, now() AS t FROM t')).toBe(true);
    expect(await keepable('SELECT * FROM range(100) USING SAMPLE 5 ROWS')).toBe(false);
    expect(await keepable('SELECT * FROM range(100) TABLESAMPLE 10%')).toBe(false);
    expect(await keepable('WITH s AS (SELECT * FROM range(100) USING SAMPLE 10% (bernoulli)) SELECT count(*) FROM s')).toBe(false);
    expect(await keepable('SELECT setseed(0.42)')).toBe(false);
  });

  it('asks for a query when there is none', async () => {
    expect(await checkStatement(conn, '  \n ')).toMatchObject({ ok: false, message: 'Write a query first.' });
  });
});
