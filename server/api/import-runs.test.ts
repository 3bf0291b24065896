/** GET /api/import-runs: recent import runs with their files, newest first; limit validated. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { openStore, type Store } from '../store/store.js';
import { createApp } from '../app.js';
import { signedIn, type SignedInClient } from '../auth/testing.js';

let store: Store;
let app: ReturnType<typeof createApp>;
let admin: SignedInClient;

/**
 * The story: run R1 (schedule, 1 Feb) loaded batch B1: a patients file (100 rows in, 97 loaded,
 * 3 quarantined) and a usage file (1,000 in, 990 loaded, 6 duplicates, 4 withheld). Run R2 (cli,
 * 2 Feb) failed on batch B2 with "disk full" after 5 s. Run R3 (schedule, 3 Feb) loaded B3 and B4,
 * B4 finishing a second after B3; neither has file rows. Then 20 older test runs (January, one
 * per day) that only matter for the default limit.
 */
beforeAll(async () => {
  store = await openStore({ path: ':memory:' });
  await store.withConnection(async (c) => {
    await c.run(`INSERT INTO ingest_runs VALUES
      ('R1', 'B1', 'schedule', TIMESTAMPTZ '2026-02-01 02:00:00+00', TIMESTAMPTZ '2026-02-01 02:00:42+00', 42000, 'succeeded', NULL, 1100, 1087, 6, 3, 4),
      ('R2', 'B2', 'cli',      TIMESTAMPTZ '2026-02-02 09:30:00+00', TIMESTAMPTZ '2026-02-02 09:30:05+00',  5000, 'failed', 'disk full', 0, 0, 0, 0, 0),
      ('R3', 'B3', 'schedule', TIMESTAMPTZ '2026-02-03 02:00:00+00', TIMESTAMPTZ '2026-02-03 02:00:10+00', 10000, 'succeeded', NULL, 10, 10, 0, 0, 0),
      ('R3', 'B4', 'schedule', TIMESTAMPTZ '2026-02-03 02:00:10+00', TIMESTAMPTZ '2026-02-03 02:00:11+00',  1000, 'succeeded', NULL, 20, 20, 0, 0, 0)`);
    await c.run(`INSERT INTO ingest_runs
      SELECT 'T' || d, 'OLD' || d, 'test', TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL (d) DAY,
             TIMESTAMPTZ '2026-01-01 00:00:01+00' + INTERVAL (d) DAY, 1000, 'succeeded', NULL, 0, 0, 0, 0, 0
      FROM range(1, 21) t(d)`);
    await c.run(`INSERT INTO ingest_files VALUES
      ('R1', 'B1', 'usage_events.csv.gz', 'usage_events', 1000, 990, 6, 0, 4, 30000),
      ('R1', 'B1', 'patients.csv.gz', 'patients', 100, 97, 0, 3, 0, 9000)`);
  });
  app = createApp({ store });
  admin = await signedIn(app);
});
afterAll(async () => store.close());

async function get(path: string) {
  const res = await admin.request(path);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('GET /api/import-runs', () => {
  it('lists batch runs newest first, with timing, status, error, counts and files', async () => {
    const { status, headers, body } = await get('/api/import-runs?limit=4');
    expect(status).toBe(200);
    expect(headers.get('Cache-Control')).toBe('no-store');
    const runs = body.runs as Record<string, unknown>[];
    // B4 finished at 02:00:11 on 3 Feb, B3 a second before, then R2's failure (2 Feb), then R1 (1 Feb)
    expect(runs.map((r) => [r.runId, r.batchId, r.status])).toEqual([
      ['R3', 'B4', 'succeeded'], ['R3', 'B3', 'succeeded'], ['R2', 'B2', 'failed'], ['R1', 'B1', 'succeeded'],
    ]);
    expect(runs[2]).toEqual({
      runId: 'R2', batchId: 'B2', trigger: 'cli',
      startedAt: '2026-02-02T09:30:00Z', finishedAt: '2026-02-02T09:30:05Z', durationMs: 5000,
      status: 'failed', error: 'disk full',
      counts: { rowsIn: 0, loaded: 0, duplicates: 0, quarantined: 0, withheld: 0 },
      files: [],
    });
    // B1's counts are the sums of its two files: 100 + 1,000 in; 97 + 990 loaded; 3 quarantined; 6 duplicates; 4 withheld
    expect(runs[3]).toMatchObject({
      trigger: 'schedule', startedAt: '2026-02-01T02:00:00Z', finishedAt: '2026-02-01T02:00:42Z', durationMs: 42000, error: null,
      counts: { rowsIn: 1100, loaded: 1087, duplicates: 6, quarantined: 3, withheld: 4 },
      files: [
        { fileName: 'patients.csv.gz', fileKind: 'patients', durationMs: 9000, counts: { rowsIn: 100, loaded: 97, duplicates: 0, quarantined: 3, withheld: 0 } },
        { fileName: 'usage_events.csv.gz', fileKind: 'usage_events', durationMs: 30000, counts: { rowsIn: 1000, loaded: 990, duplicates: 6, quarantined: 0, withheld: 4 } },
      ],
    });
  });

  it('returns the 20 most recent by default and at most `limit`', async () => {
    // 4 February runs + 20 January ones = 24; the default 20 stops at the 16 newest January runs (T20 .. T5)
    const all = (await get('/api/import-runs')).body.runs as { batchId: string }[];
    expect(all).toHaveLength(20);
    expect(all.at(-1)!.batchId).toBe('OLD5');
    expect(((await get('/api/import-runs?limit=1')).body.runs as { batchId: string }[]).map((r) => r.batchId)).toEqual(['B4']);
    expect((await get('/api/import-runs?limit=500')).body.runs).toHaveLength(24);
  });

  it('refuses a bad limit, a repeated one and unknown parameters with 400 naming the parameter', async () => {
    for (const bad of ['0', '501', 'ten', '2.5', '-1', '']) {
      const { status, body } = await get(`/api/import-runs?limit=${bad}`);
      expect(status, bad).toBe(400);
      expect(body).toMatchObject({ parameter: 'limit' });
      expect(String(body.error)).toContain('1 to 500');
    }
    expect(await get('/api/import-runs?limit=2&limit=3')).toMatchObject({ status: 400, body: { parameter: 'limit' } });
    expect(await get('/api/import-runs?since=2026-01-01')).toMatchObject({ status: 400, body: { parameter: 'since', allowed: ['limit'] } });
  });

  it('is an empty list on a store that has never imported', async () => {
    const empty = await openStore({ path: ':memory:' });
    try {
      const res = await (await signedIn(createApp({ store: empty }))).request('/api/import-runs');
      expect(await res.json()).toEqual({ runs: [] });
    } finally {
      await empty.close();
    }
  });

  it('is described in the OpenAPI document with its limit parameter', async () => {
    const doc = (await get('/api/openapi.json')).body as { paths: Record<string, { get: { parameters: { name: string }[] } }> };
    expect(doc.paths['/api/import-runs']!.get.parameters.map((p) => p.name)).toEqual(['limit']);
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });
});
