/**
 * The scheduled import, as the server runs it:
 * - never two runs at once (a tick while a run is going is skipped, not queued);
 * - the API keeps answering while an import runs;
 * - a failed run leaves the previous data served and shows up on /api/health.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../server/store/store.js';
import { createApp } from '../../server/app.js';
import { signedIn } from '../../server/auth/testing.js';
import { createImportScheduler } from '../../server/scheduler/import-job.js';
import { writeSyntheticBatch } from '../../scripts/generate/synthetic-batch.js';

const SAMPLE = resolve('test/fixtures/ingest/sample-batch');
const SAMPLE_ORGS = ['E85001', 'E85002', 'RYJ', 'RYX'];

let dir: string;
let landing: string;
let store: Store;

async function count(sql: string): Promise<number> {
  return store.withConnection(async (conn) => Number((await conn.runAndReadAll(sql)).getRows()[0]![0]));
}

beforeAll(async () => {
  process.env.PORTAL_PSEUDO_KEY = 'scheduler-test-key-0123456789';
  dir = mkdtempSync(join(tmpdir(), 'scheduler-'));
  landing = join(dir, 'landing');
  mkdirSync(landing);
  cpSync(SAMPLE, join(landing, '2026-11-24T02-00Z'), { recursive: true });
  store = await openStore({ path: join(dir, 'portal.duckdb') });
  // A batch big enough that an import takes a noticeable while: 300,000 usage events.
  await store.withConnection((conn) =>
    writeSyntheticBatch(conn, { dir: join(landing, '2026-11-24T03-00Z'), events: 300_000, patients: 50_000, orgCodes: SAMPLE_ORGS, start: '2026-10-01 00:00:00', days: 30, partRows: 100_000 }),
  );
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  delete process.env.PORTAL_PSEUDO_KEY;
});

describe('the scheduled import job', () => {
  it('answers API requests while a run is importing, and never starts a second run meanwhile', async () => {
    const logs: string[] = [];
    const scheduler = createImportScheduler({ store, landingDir: landing, schedule: false, log: (l) => logs.push(l) });
    const app = await signedIn(createApp({ store, scheduler }));

    const run = scheduler.runOnce();
    expect(scheduler.status().running).toBe(true);

    // A second trigger while the first is running is skipped, not queued or run in parallel.
    expect(await scheduler.runOnce()).toBeNull();
    expect(logs.some((l) => l.includes('still in progress'))).toBe(true);

    const health = await app.request('/api/health');
    expect(health.status).toBe(200);
    const orgs = await app.request('/api/orgs');
    expect(orgs.status).toBe(200);
    // The answers arrived while the import was still going.
    expect(scheduler.status().running).toBe(true);

    const report = await run;
    expect(report?.status).toBe('succeeded');
    expect(report?.batches.map((b) => b.status)).toEqual(['succeeded', 'succeeded']);
    expect(scheduler.status().running).toBe(false);
    // Each batch was attempted exactly once.
    expect(await count(`SELECT count(*) FROM ingest_runs`)).toBe(2);
    expect(await count(`SELECT count(*) FROM usage_events`)).toBe(45 + 300_000);
  });

  it('on a cron schedule, ticks that fall during a run are skipped: runs never overlap', async () => {
    const logs: string[] = [];
    const extra = join(landing, '2026-11-25T03-00Z');
    await store.withConnection((conn) =>
      writeSyntheticBatch(conn, { dir: extra, events: 200_000, patients: 50_000, orgCodes: SAMPLE_ORGS, start: '2026-10-01 00:00:00', days: 30, firstEventNo: 1_000_000 }),
    );
    const scheduler = createImportScheduler({ store, landingDir: landing, cron: '* * * * * *', log: (l) => logs.push(l) });
    try {
      // Wait for the run that picks the new batch up, plus a few ticks after it.
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline && (await count(`SELECT count(*) FROM loaded_batches`)) < 3) await new Promise((r) => setTimeout(r, 250));
      await new Promise((r) => setTimeout(r, 2_500));
    } finally {
      scheduler.stop();
    }
    while (scheduler.status().running) await new Promise((r) => setTimeout(r, 100));

    expect(await count(`SELECT count(*) FROM loaded_batches`)).toBe(3);
    // The new batch was imported exactly once, by one run.
    expect(await count(`SELECT count(*) FROM ingest_runs WHERE batch_id = '2026-11-25T03-00Z'`)).toBe(1);
    expect(await count(`SELECT count(*) FROM usage_events`)).toBe(45 + 500_000);
    // No two runs' intervals overlap (ingest_runs records each batch's start and finish).
    expect(
      await count(`SELECT count(*) FROM ingest_runs a JOIN ingest_runs b ON a.run_id < b.run_id
                   WHERE a.started_at < b.finished_at AND b.started_at < a.finished_at AND a.run_id <> b.run_id`),
    ).toBe(0);
  });

  it('a failed run keeps the previous data served and shows on /api/health', async () => {
    const scheduler = createImportScheduler({ store, landingDir: landing, schedule: false, log: () => undefined });
    const app = await signedIn(createApp({ store, scheduler }));
    const before = await (await app.request('/api/metrics/uptake?org=QRV')).json();

    // A delivery with a file the contract does not define is refused as a whole.
    const broken = join(landing, '2026-11-26T03-00Z');
    mkdirSync(broken);
    writeFileSync(join(broken, 'appointments.csv'), 'a,b\n1,2\n');
    const report = await scheduler.runOnce();
    expect(report?.status).toBe('failed');

    const health = (await (await app.request('/api/health')).json()) as {
      lastSuccess: { batchId: string } | null;
      lastFailure: { batchId: string; error: string } | null;
    };
    expect(health.lastFailure?.batchId).toBe('2026-11-26T03-00Z');
    expect(health.lastFailure?.error).toContain('appointments.csv');
    expect(health.lastSuccess?.batchId).toBe('2026-11-25T03-00Z');

    const after = await (await app.request('/api/metrics/uptake?org=QRV')).json();
    expect(after).toEqual(before);
    rmSync(broken, { recursive: true });
  });
});
