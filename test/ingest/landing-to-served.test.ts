/**
 * From landing to served: a batch records when it landed (the latest modification time of its
 * files), when its transaction committed and when the rollups that include it were published, and
 * GET /api/health reports the latest served batch's lag and the batches imported but not served.
 * Worked examples with file times set by hand (fs.utimesSync).
 */
import { utimesSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { signedIn, type SignedInClient } from '../../server/auth/testing.js';
import type { HealthReport } from '../../server/api/health-shapes.js';
import { HealthSchema } from '../../server/api/schemas.js';
import { readBatch } from '../../server/ingest/discover.js';
import { importBatch, newRunId } from '../../server/ingest/import-batch.js';
import { resolveKey } from '../../server/ingest/pseudonymise.js';
import { refreshRollupsIfStale } from '../../server/metrics/rollups.js';
import type { Store } from '../../server/store/store.js';
import { HEADERS, NOW, SAMPLE_BATCH_DIR, TEST_KEY, copyBatch, csv, openTestStore, query, removeTempDirs, runImport, tempLanding, writeBatch } from './helpers/harness.js';

const FIRST = '2026-11-24T02-00Z';
const SECOND = '2026-11-24T07-00Z';

let store: Store;
let landing: string;
let admin: SignedInClient;
/** The API's clock; the importer's own clock (served_at, imported_at) is the real one. */
let clock = new Date();

/** Sets every file of a batch to `at`, and one of them (the last to arrive) to `lastAt`. */
function setFileTimes(batchId: string, at: Date, last: { file: string; at: Date }): void {
  for (const f of readBatch(landing, batchId).files) utimesSync(f.path, at, f.fileName === last.file ? last.at : at);
}

async function health(): Promise<HealthReport> {
  const res = await admin.request('/api/health');
  expect(res.status).toBe(200);
  const body = (await res.json()) as HealthReport;
  // The answer is what the OpenAPI document says it is.
  HealthSchema.strict().parse(body);
  return body;
}

/** A whole second, so the expected times read plainly, and in the past: files land, then are imported. */
const minutesAgo = (m: number, plusMs = 0) => new Date(Math.floor(Date.now() / 1000) * 1000 - m * 60_000 + plusMs);

beforeAll(async () => {
  const temp = tempLanding('landing-to-served');
  landing = temp.landing;
  store = await openTestStore(temp.dir);
  const app = createApp({ store, versionTtlMs: 0, now: () => clock });
  admin = await signedIn(app);
});
afterAll(async () => {
  await store.close();
  removeTempDirs();
});

describe('the lag from a batch landing to it being served', () => {
  // Filled by the first test, read by the later ones (they run in order).
  let landed1: Date;

  it('before any batch: nothing served, nothing waiting', async () => {
    const body = await health();
    expect(body.latestServedBatch).toBeNull();
    expect(body.unservedBatches).toEqual({ count: 0, oldestLandedAt: null, alertAfterMinutes: 30 });
  });

  it('is served − landed, landed being the latest modification time of the batch files', async () => {
    copyBatch(SAMPLE_BATCH_DIR, landing, FIRST);
    // All files written 3 minutes ago, the usage events 7.25 s later: the batch landed then.
    landed1 = minutesAgo(3, 7_250);
    setFileTimes(FIRST, minutesAgo(3), { file: 'usage_events.csv', at: landed1 });
    const started = Date.now();
    const { report } = await runImport(store, landing);
    const finished = Date.now();
    expect(report.status).toBe('succeeded');
    clock = new Date();

    const served = (await health()).latestServedBatch!;
    expect(served.batchId).toBe(FIRST);
    expect(served.landedAt).toBe(landed1.toISOString());
    // Imported (committed) and served (the rollups committed) during the run, in that order.
    const importedMs = Date.parse(served.importedAt);
    const servedMs = Date.parse(served.servedAt);
    expect(importedMs).toBeGreaterThanOrEqual(started);
    expect(servedMs).toBeGreaterThanOrEqual(importedMs);
    expect(servedMs).toBeLessThanOrEqual(finished);
    // lag = served − landed, and its two parts add up to it.
    expect(served.landingToServedSeconds).toBe((servedMs - landed1.getTime()) / 1000);
    expect(served.landingToImportedSeconds).toBe((importedMs - landed1.getTime()) / 1000);
    expect(served.importedToServedSeconds).toBe((servedMs - importedMs) / 1000);
    expect(served.landingToImportedSeconds + served.importedToServedSeconds).toBeCloseTo(served.landingToServedSeconds, 6);
    // The run took seconds; the batch had waited three minutes in the landing directory before it.
    expect(served.landingToServedSeconds).toBeGreaterThan(3 * 60 - 8);
    expect(served.landingToServedSeconds).toBeLessThan(3 * 60 + 60);

    // The store keeps the landing time itself (to the millisecond).
    const [row] = await query<{ landed: string }>(store, `SELECT strftime(landed_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS landed FROM loaded_batches`);
    expect(row!.landed).toBe(landed1.toISOString());
  });

  it('a batch committed whose rollups are not refreshed yet is not served: counted as waiting, the previous batch still the latest served', async () => {
    writeBatch(landing, SECOND, {
      'usage_events.csv': csv(HEADERS.usage_events, [['use-930001', '2026-07-01T08:00:00Z', '9434765919', 'E85001', 'record_viewed', 'web']]),
    });
    const landed2 = minutesAgo(2);
    setFileTimes(SECOND, landed2, { file: 'usage_events.csv', at: landed2 });
    // The batch alone, as importLanding loads it, without the rollup refresh that ends a run.
    const batch = await store.withConnection((conn) =>
      importBatch(conn, readBatch(landing, SECOND), { runId: newRunId(), trigger: 'test', key: resolveKey({ key: TEST_KEY, storePath: store.path }), now: NOW }),
    );
    expect(batch.status).toBe('succeeded');
    clock = new Date();

    const waiting = await health();
    expect(waiting.latestServedBatch!.batchId).toBe(FIRST);
    expect(waiting.unservedBatches).toEqual({ count: 1, oldestLandedAt: landed2.toISOString(), alertAfterMinutes: 30 });
    // Two minutes is within the 30 allowed: only the (existing) rollups-behind problem is reported.
    expect(waiting.problems.filter((p) => p.includes('not served'))).toEqual([]);

    // 31 minutes after it landed, still not served: a problem, in words.
    clock = new Date(landed2.getTime() + 31 * 60_000);
    const late = await health();
    expect(late.status).toBe('degraded');
    expect(late.problems).toContain(
      '1 imported batch is not served yet: the oldest landed 31 minutes ago, more than the 30 allowed ' +
        '(the rollups including it have not been published; the next import run retries)',
    );

    // The rollups are published: the batch is served, and nothing waits.
    const refreshStarted = Date.now();
    await store.withConnection((conn) => refreshRollupsIfStale(conn));
    clock = new Date();
    const served = await health();
    expect(served.unservedBatches.count).toBe(0);
    expect(served.latestServedBatch).toMatchObject({ batchId: SECOND, landedAt: landed2.toISOString() });
    expect(Date.parse(served.latestServedBatch!.servedAt)).toBeGreaterThanOrEqual(refreshStarted);
    expect(served.latestServedBatch!.landingToServedSeconds).toBe((Date.parse(served.latestServedBatch!.servedAt) - landed2.getTime()) / 1000);
    expect(served.problems).toEqual([]);
    expect(served.status).toBe('ok');
  });

  it('a re-delivery is a new landing: its new time, served again by the next run', async () => {
    const relanded = minutesAgo(1);
    setFileTimes(FIRST, relanded, { file: 'usage_events.csv', at: relanded });
    const { report } = await runImport(store, landing);
    expect(report.batches.find((b) => b.batchId === FIRST)?.status).toBe('succeeded');
    clock = new Date();
    const body = await health();
    expect(body.latestServedBatch).toMatchObject({ batchId: FIRST, landedAt: relanded.toISOString() });
    expect(body.unservedBatches.count).toBe(0);
  });
});

describe('how long a batch may wait before it is a problem', () => {
  const withSchedule = async (cron: string) => {
    const app = createApp({
      store,
      versionTtlMs: 0,
      scheduler: { status: () => ({ enabled: true, cron, running: false, nextRunAt: null }) },
    });
    const client = await signedIn(app);
    return ((await (await client.request('/api/health')).json()) as HealthReport).unservedBatches.alertAfterMinutes;
  };

  it('is twice the import schedule’s interval, at least 10 minutes', async () => {
    expect(await withSchedule('*/15 * * * *')).toBe(30);
    expect(await withSchedule('0 2 * * *')).toBe(2 * 24 * 60);
    expect(await withSchedule('* * * * *')).toBe(10);
  });
});
