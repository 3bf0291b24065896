import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { build } from 'vite';
import { generateRegion } from '../../scripts/generate/index.js';
import { importLanding } from '../../scripts/ingest/index.js';
import { createApp } from '../../server/app.js';
import { openStore, type Store } from '../../server/store/store.js';
import { mountDashboard } from '../../server/web-static.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface RegionServer {
  url: string;
  store: Store;
  /** The dashboard build being served. */
  distDir: string;
  /** Seconds spent generating, importing and building (for the test log). */
  setupSeconds: { generate: number; import: number; build: number };
  close(): Promise<void>;
}

/**
 * A small generated region (1% scale, a year of history, monthly batches) imported into a fresh
 * store, with the dashboard built into a temporary folder and served with the API on a free port:
 * the same pieces `npm start` puts together.
 */
export async function startRegionServer(options: { scale?: number; days?: number; seed?: number } = {}): Promise<RegionServer> {
  const dir = mkdtempSync(join(tmpdir(), 'portal-e2e-'));
  const landingDir = join(dir, 'landing');
  const distDir = join(dir, 'dist');

  let t = performance.now();
  await generateRegion({ out: landingDir, scale: options.scale ?? 0.01, days: options.days ?? 365, seed: options.seed ?? 20_190_401, batch: 'month', workers: 0 });
  const generate = (performance.now() - t) / 1000;

  t = performance.now();
  const store = await openStore({ path: join(dir, 'portal.duckdb') });
  const report = await importLanding({ store, landingDir, trigger: 'test', keyFile: join(dir, 'pseudonym.key'), log: () => {} });
  if (report.status !== 'succeeded') throw new Error(`The e2e region did not import: ${report.status}`);
  const imported = (performance.now() - t) / 1000;

  t = performance.now();
  await build({ configFile: join(REPO_ROOT, 'web/vite.config.ts'), logLevel: 'warn', build: { outDir: distDir, emptyOutDir: true } });
  const built = (performance.now() - t) / 1000;

  const app = createApp({ store });
  mountDashboard(app, distDir);
  const server: ServerType = await new Promise((done) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => done(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    distDir,
    setupSeconds: { generate, import: imported, build: built },
    async close() {
      await new Promise<void>((done) => server.close(() => done()));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
