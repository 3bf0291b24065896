/**
 * Load under an import: the real HTTP server (Hono on @hono/node-server, on 127.0.0.1 only) with
 * 200 connections for 30 s of the dashboard's main requests (the Overview's first requests, the
 * organisation list, and the Rollout page's 1 MB practice answer), signed in and asking for
 * compressed answers as a browser does — while the same process imports a weekly batch and
 * refreshes its rollups, as a server on its import schedule does. autocannon runs in a worker
 * thread, so its own work does not queue behind the server's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { serve, type ServerType } from '@hono/node-server';
import autocannon from 'autocannon';
import { createApp } from '../../server/app.js';
import type { Store } from '../../server/store/store.js';
import type { OrgsResult } from '../../web/src/api/types.js';
import { firstMetricUrls } from '../../web/src/pages/first-requests.js';
import { importLanding } from '../../server/ingest/index.js';
import { benchAccess, benchCredentials } from './metrics.js';
import { writeWeeklyBatch } from './weekly-batch.js';

export interface LoadResult {
  connections: number;
  durationS: number;
  paths: string[];
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  /**
   * How late the server's event loop ran during the load (ms): a request's wait beyond its own
   * work. Long stalls here (synchronous work, a lock waited on by a synchronous call) are what
   * stretches the tail, and they are the server's, not autocannon's, which runs in a worker.
   */
  eventLoop: { meanMs: number; p99Ms: number; maxMs: number };
  /** The import that ran meanwhile: rows, its batch time and the whole run (rollups included). */
  import: { rows: number; batchMs: number; runMs: number; status: string; rollups: { mode: string; ms: number; reason?: string } | null };
}

export interface LoadOptions {
  connections?: number;
  durationS?: number;
  /** Events of the weekly batch imported during the load. */
  batchEvents?: number;
  /** A delivered patients file, so the batch's patients are the region's own. */
  nhsNumbersFrom?: string;
  key: string;
}

export async function benchLoad(store: Store, options: LoadOptions): Promise<LoadResult> {
  const connections = options.connections ?? 200;
  const durationS = options.durationS ?? 30;
  const access = benchAccess(store);
  const app = createApp({ store, access });
  const signed = await benchCredentials(access);
  const server: ServerType = await new Promise((done) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => done(s));
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const headers = { ...signed.token, 'accept-encoding': 'gzip, deflate, br' };
  const landing = mkdtempSync(join(tmpdir(), 'portal-bench-load-'));
  try {
    const orgs = (await (await fetch(`${base}/api/orgs`, { headers: signed.token })).json()) as OrgsResult;
    const paths = [...firstMetricUrls('/', new URLSearchParams(), orgs), '/api/orgs', '/api/metrics/uptake?level=practice'];
    for (const path of paths) {
      const res = await fetch(base + path, { headers });
      if (!res.ok) throw new Error(`${path} answered ${res.status} before the load began`);
      await res.arrayBuffer();
    }

    await writeWeeklyBatch(store, landing, { ...(options.batchEvents ? { events: options.batchEvents } : {}), ...(options.nhsNumbersFrom ? { nhsNumbersFrom: options.nhsNumbersFrom } : {}) });

    // The import starts with the load, as a scheduled run would under it.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const importing = (async () => {
      const t0 = performance.now();
      const report = await importLanding({ store, landingDir: landing, trigger: 'bench', key: options.key, log: () => undefined });
      const batch = report.batches.find((b) => b.status !== 'skipped');
      const rollups = report.rollups ? { mode: report.rollups.mode, ms: report.rollups.ms, ...(report.rollups.reason ? { reason: report.rollups.reason } : {}) } : null;
      return { rows: batch?.rowsIn ?? 0, batchMs: batch?.durationMs ?? 0, runMs: Math.round(performance.now() - t0), status: report.status, rollups };
    })();
    const result = await autocannon({
      url: base,
      connections,
      duration: durationS,
      workers: 1,
      timeout: 10,
      requests: paths.map((path) => ({ method: 'GET', path, headers })),
    });
    loop.disable();
    const imported = await importing;
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    return {
      connections,
      durationS,
      paths,
      rps: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      maxMs: result.latency.max,
      requests: result.requests.total,
      errors: result.errors,
      non2xx: result.non2xx,
      timeouts: result.timeouts,
      eventLoop: { meanMs: ms(loop.mean), p99Ms: ms(loop.percentile(99)), maxMs: ms(loop.max) },
      import: imported,
    };
  } finally {
    await new Promise<void>((done) => server.close(() => done()));
    await access.close();
    await app.workbench.close();
    rmSync(landing, { recursive: true, force: true });
  }
}
