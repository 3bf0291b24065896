import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionPool } from './connection-pool.js';

let db: DuckDBInstance;
let opened = 0;
const open = async () => {
  opened++;
  return db.connect();
};
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
});
afterAll(() => db.closeSync());

/** Runs `sql` the way the sandbox does: the kept plan if the connection has one, else a new one kept. */
async function run(pool: ConnectionPool, sql: string, options: { reusable?: boolean } = {}) {
  const held = await pool.take(sql);
  let plan = pool.planFor(held, sql);
  const reused = plan !== undefined;
  if (!plan) {
    plan = await held.conn.prepare(sql);
    pool.remember(held, sql, plan, 0);
  }
  const rows = (await plan.runAndReadAll()).getRowsJS();
  pool.give(held, options.reusable ?? true);
  return { rows, reused, held };
}

describe('the sandbox connection pool', () => {
  it('runs a text again on the connection that kept its plan, without preparing it again', async () => {
    const pool = new ConnectionPool(open);
    const first = await run(pool, 'SELECT 40 + 2 AS answer');
    const again = await run(pool, 'SELECT 40 + 2 AS answer');
    expect(first).toMatchObject({ reused: false, rows: [[42]] });
    expect(again).toMatchObject({ reused: true, rows: [[42]] });
    expect(again.held.conn).toBe(first.held.conn);
  });

  it('reuses only the identical text: a text that differs by a space is planned anew', async () => {
    const pool = new ConnectionPool(open);
    await run(pool, 'SELECT 1 AS one');
    expect((await run(pool, 'SELECT  1 AS one')).reused).toBe(false);
    expect((await run(pool, 'SELECT 1 AS one')).reused).toBe(true);
  });

  it('gives a kept plan fresh values for what changes between runs (random(), now())', async () => {
    const pool = new ConnectionPool(open);
    const sql = 'SELECT random() AS r, epoch_us(now()) AS t';
    const a = await run(pool, sql);
    await new Promise((done) => setTimeout(done, 5));
    const b = await run(pool, sql);
    expect(b.reused).toBe(true);
    expect(b.rows[0]![0]).not.toBe(a.rows[0]![0]);
    expect(Number(b.rows[0]![1])).toBeGreaterThan(Number(a.rows[0]![1]));
  });

  it('runs a kept plan again after a run whose result was not read to the end', async () => {
    const pool = new ConnectionPool(open);
    const sql = 'SELECT i FROM range(10000) t(i) ORDER BY i';
    const held = await pool.take(sql);
    const plan = await held.conn.prepare(sql);
    pool.remember(held, sql, plan, 0);
    const partial = await plan.stream();
    expect((await partial.fetchChunk())?.rowCount).toBe(2048); // the rest left unread, as a shown result is
    pool.give(held, true);
    const again = await run(pool, sql);
    expect(again.reused).toBe(true);
    expect(again.rows).toHaveLength(10000);
  });

  it('keeps at most the configured plans per connection, dropping the least recently used', async () => {
    const pool = new ConnectionPool(open, { plansPerConnection: 2 });
    await run(pool, 'SELECT 1');
    await run(pool, 'SELECT 2');
    await run(pool, 'SELECT 1'); // now 2 is the least recently used
    const third = await run(pool, 'SELECT 3');
    expect([...third.held.plans.keys()]).toEqual(['SELECT 1', 'SELECT 3']);
    expect((await run(pool, 'SELECT 2')).reused).toBe(false);
  });

  it('closes a connection that may not be reused (interrupted or cancelled), with its plans', async () => {
    const pool = new ConnectionPool(open);
    const { held } = await run(pool, 'SELECT 7', { reusable: false });
    expect(pool.size).toBe(0);
    expect(pool.plans).toBe(0);
    expect(held.plans.size).toBe(0);
    const before = opened;
    expect((await run(pool, 'SELECT 7')).reused).toBe(false);
    expect(opened).toBe(before + 1);
  });

  it('keeps at most the configured idle connections and opens one only when none is idle', async () => {
    const pool = new ConnectionPool(open, { connections: 2 });
    const before = opened;
    const held = await Promise.all([pool.take('a'), pool.take('b'), pool.take('c')]);
    expect(opened).toBe(before + 3);
    for (const h of held) pool.give(h, true);
    expect(pool.size).toBe(2);
    pool.give(await pool.take('d'), true);
    expect(opened).toBe(before + 3);
  });

  it('does not keep a plan whose planning grew the process by more than the limit', async () => {
    const pool = new ConnectionPool(open, { planGrowthBytes: 8 << 20 });
    const held = await pool.take('SELECT 5');
    const plan = await held.conn.prepare('SELECT 5');
    expect(pool.remember(held, 'SELECT 5', plan, 9 << 20)).toBe(false);
    plan.destroySync();
    pool.give(held, true);
    expect((await run(pool, 'SELECT 5')).reused).toBe(false);
  });

  it('lets go of every kept plan once the process has grown past its ceiling', async () => {
    let resident = 100;
    const pool = new ConnectionPool(open, { ceilingBytes: 1_000 }, () => resident);
    await run(pool, 'SELECT 1');
    await run(pool, 'SELECT 2');
    expect(pool.plans).toBe(2);
    resident = 1_001;
    await run(pool, 'SELECT 3');
    expect(pool.plans).toBe(0);
    resident = 100;
    expect((await run(pool, 'SELECT 1')).reused).toBe(false);
  });
});
