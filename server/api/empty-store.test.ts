/** A store with no data yet (or only organisations) still answers every route, never a 500. */
import { describe, expect, it } from 'vitest';
import { openStore } from '../store/store.js';
import { createApp } from '../app.js';
import { signedIn } from '../auth/testing.js';
import { refreshRollups } from '../metrics/rollups.js';
import { METRIC_NAMES } from '../metrics/catalogue.js';

describe('an empty store', () => {
  it('answers every metric, the organisation list and health', async () => {
    const store = await openStore({ path: ':memory:' });
    try {
      const app = createApp({ store, versionTtlMs: 0 });
      // Bound to the ICB the organisations below will add: before then there is nothing to scope.
      const admin = await signedIn(app, { org: 'Q00' });
      for (const name of METRIC_NAMES) {
        const res = await admin.request(`/api/metrics/${name}`);
        expect(res.status, name).toBe(200);
        expect(((await res.json()) as { rows: unknown[] }).rows, name).toEqual([]);
      }
      const health = (await (await admin.request('/api/health')).json()) as { status: string; problems: string[] };
      expect(health.status).toBe('degraded');
      expect(health.problems).toContain('no import has succeeded yet');

      // Organisations but no events, rollups rebuilt: still no errors.
      await store.withConnection(async (c) => {
        await c.run(`INSERT INTO organisations VALUES ('Q00', 'ICB', 'icb', NULL, NULL, NULL, NULL, 'B'), ('P01', 'P', 'practice', 'Q00', 50, NULL, 40, 'B')`);
        await c.run(`INSERT INTO store_meta VALUES ('data_version', '1')`);
        await refreshRollups(c);
      });
      for (const name of METRIC_NAMES) {
        expect((await admin.request(`/api/metrics/${name}`)).status, name).toBe(200);
      }
      const rollout = (await (await admin.request('/api/metrics/rollout?level=practice')).json()) as { rows: Record<string, unknown>[] };
      expect(rollout.rows[0]).toMatchObject({ org_code: 'P01', activated: 0, eligible: 50, uptake_pct: 0, rag: 'red', status: 'not on track' });
    } finally {
      await store.close();
    }
  });
});
