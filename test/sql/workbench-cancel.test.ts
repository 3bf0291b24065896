/**
 * Cancelling a workbench query at once, while its scope's extract is still being built (the first
 * query after an import): the cancel is kept and the query stops when the extract is ready,
 * instead of the cancel answering "no such query" and the query running on to its time limit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { QueryFailure } from '../../server/sql/sandbox.js';
import { Workbench, workbenchSettingsFromEnv } from '../../server/sql/workbench.js';
import { openStore, type Store } from '../../server/store/store.js';
import { buildSmallRegion } from '../fixtures/metrics/small-region.js';

let dir: string;
let store: Store;
let workbench: Workbench;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portal-sql-cancel-'));
  store = await openStore({ path: join(dir, 'portal.duckdb') });
  await buildSmallRegion(store);
  workbench = new Workbench(store, { ...workbenchSettingsFromEnv({}), extractDir: join(dir, 'extracts'), timeoutMs: 20_000, memoryLimit: '200MB', threads: 1 });
}, 60_000);

afterAll(async () => {
  await workbench.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('stops a query cancelled before its extract was ready, and answers the next one', async () => {
  const caller = { username: 'ana', scope: 'C01' };
  // The store's own facts, as the API passes them (a different data version would rebuild the extract).
  const facts = await store.withConnection(async (conn) => {
    const one = async (sql: string) => String((await conn.runAndReadAll(sql)).getRows()[0]![0]);
    return { dataVersion: await one(`SELECT value FROM store_meta WHERE key = 'data_version'`), root: await one(`SELECT org_code FROM organisations WHERE parent_code IS NULL`) };
  });
  const started = performance.now();
  const running = workbench.query(caller, 'SELECT count(*) FROM range(1000000000000)', facts, { limit: 10, id: 'early-cancel-1' });
  // Nothing is built yet: the query is admitted and waits for its extract.
  expect(workbench.cancel('ana', 'early-cancel-1')).toBe(true);
  // Another user cannot cancel it, and an unknown id is not found.
  expect(workbench.cancel('someone-else', 'early-cancel-1')).toBe(false);
  expect(workbench.cancel('ana', 'no-such-query')).toBe(false);
  const failure = await running.then(
    () => null,
    (e: unknown) => e,
  );
  expect(failure).toBeInstanceOf(QueryFailure);
  expect((failure as QueryFailure).code).toBe('cancelled');
  expect(performance.now() - started).toBeLessThan(15_000);
  const next = await workbench.query(caller, 'SELECT 42 AS answer', facts, { limit: 10 });
  expect(JSON.parse(next.rowsJson)).toEqual([[42]]);
});
