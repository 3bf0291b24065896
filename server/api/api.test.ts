/** The HTTP contract: validation (400/404, never 500), OpenAPI, ETag/304, exports, orgs, health. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { openStore, type Store } from '../store/store.js';
import { setMeta, META } from '../store/meta.js';
import { createApp } from '../app.js';
import { HealthSchema } from './schemas.js';
import { signedIn, type SignedInClient } from '../auth/testing.js';
import { CATALOGUE, METRIC_NAMES, DIMENSIONS } from '../metrics/catalogue.js';
import { buildSmallRegion } from '../../test/fixtures/metrics/small-region.js';

let store: Store;
let app: ReturnType<typeof createApp>;
let admin: SignedInClient;

beforeAll(async () => {
  store = await openStore({ path: ':memory:' });
  await buildSmallRegion(store);
  app = createApp({
    store,
    versionTtlMs: 0,
    now: () => new Date('2026-02-28T05:00:00Z'),
    scheduler: { status: () => ({ enabled: true, cron: '0 2 * * *', running: false, nextRunAt: '2026-03-01T02:00:00Z' }) },
  });
  admin = await signedIn(app);
});
afterAll(async () => store.close());

async function error(path: string) {
  const res = await admin.request(path);
  return { status: res.status, body: (await res.json()) as { error: string; parameter?: string; allowed?: string[] } };
}

describe('compressed answers', () => {
  it('are brotli or gzip as the client accepts, the same bytes once decompressed, and plain otherwise', async () => {
    const url = '/api/metrics/uptake?org=Q00&level=practice&grain=week&from=2026-01-01&to=2026-02-28';
    const plain = await admin.request(url);
    const text = await plain.text();
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toMatch(/Accept-Encoding/);
    const br = await admin.request(url, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString('utf8')).toBe(text);
    const gz = await admin.request(url, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString('utf8')).toBe(text);
    // an answer under 1 KB is sent as it is
    const small = await admin.request('/api/metrics/roi?grain=quarter&from=2026-01-01&to=2026-02-28&format=csv', { headers: { 'Accept-Encoding': 'br' } });
    expect(small.headers.get('content-encoding')).toBeNull();
  });

  it('include the organisation list, gzipped', async () => {
    const plain = await (await admin.request('/api/orgs')).text();
    const gz = await admin.request('/api/orgs', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString('utf8')).toBe(plain);
  });
});

describe('every metric answers its defaults', () => {
  for (const name of METRIC_NAMES) {
    it(`${name}`, async () => {
      const res = await admin.request(`/api/metrics/${name}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { metric: string; columns: { name: string }[]; rows: Record<string, unknown>[]; asOf: { dataVersion: string } };
      expect(body.metric).toBe(name);
      expect(body.asOf.dataVersion).toBe('1');
      expect(body.columns.map((c) => c.name)).toEqual(CATALOGUE[name].columns.map((c) => c.name));
      for (const row of body.rows) for (const c of body.columns) expect(row).toHaveProperty(c.name);
    });
  }
});

describe('bad parameters are 400 naming the parameter, unknown names 404', () => {
  it('unknown metric and unknown organisation are 404', async () => {
    expect(await error('/api/metrics/nonsense')).toMatchObject({ status: 404, body: { parameter: 'name' } });
    expect(await error('/api/metrics/uptake?org=ZZZ01')).toMatchObject({ status: 404, body: { parameter: 'org' } });
  });

  for (const name of METRIC_NAMES) {
    const def = CATALOGUE[name];
    describe(name, () => {
      it('refuses a malformed grain, level, date, format and unknown parameters', async () => {
        for (const [query, parameter] of [
          ['grain=yearly', 'grain'],
          ['level=region', 'level'],
          ['to=2026-13-01', 'to'],
          ['to=yesterday', 'to'],
          ['format=xlsx', 'format'],
          ['org=a%20b', 'org'],
          ['colour=red', 'colour'],
          ['to=2026-02-01&to=2026-02-02', 'to'],
        ] as const) {
          const { status, body } = await error(`/api/metrics/${name}?${query}`);
          expect(status, query).toBe(400);
          expect(body.parameter, query).toBe(parameter);
          expect(body.error).toContain(parameter);
        }
      });

      it('refuses a breakdown it does not have', async () => {
        const notAllowed = DIMENSIONS.find((d) => !def.dimensions.includes(d))!;
        const { status, body } = await error(`/api/metrics/${name}?by=${notAllowed}`);
        expect(status).toBe(400);
        expect(body.parameter).toBe('by');
        expect(body.allowed).toEqual([...def.dimensions]);
      });

      it('refuses grains and levels it does not keep, and parameters that do not apply', async () => {
        const grain = (['day', 'week', 'month', 'quarter'] as const).find((g) => !def.grains.includes(g));
        if (grain) expect((await error(`/api/metrics/${name}?grain=${grain}`)).body.parameter).toBe('grain');
        const level = (['icb', 'ccg', 'practice', 'trust', 'community'] as const).find((l) => !def.levels.includes(l));
        if (level) expect((await error(`/api/metrics/${name}?level=${level}`)).status).toBe(400);
        if (!def.usesOrg) expect((await error(`/api/metrics/${name}?org=Q00`)).body.parameter).toBe('org');
      });

      if (def.time !== 'snapshot') {
        it('refuses from after to', async () => {
          const { status, body } = await error(`/api/metrics/${name}?from=2026-02-10&to=2026-02-01`);
          expect(status).toBe(400);
          expect(body.parameter).toBe('from');
        });
      } else {
        it('refuses from (it is a snapshot at to)', async () => {
          expect((await error(`/api/metrics/${name}?from=2026-01-01`)).body.parameter).toBe('from');
        });
      }
    });
  }

  it('refuses a level that is not inside the organisation', async () => {
    const { status, body } = await error('/api/metrics/uptake?org=P01&level=ccg');
    expect(status).toBe(400);
    expect(body).toMatchObject({ parameter: 'level', allowed: ['practice'] });
  });

  it('refuses a breakdown at a grain and level it is not kept at', async () => {
    // active_users keeps day and week breakdowns per CCG: the ICB and CCGs have them, practices not
    expect((await admin.request('/api/metrics/active_users?grain=week&by=sex')).status).toBe(200);
    const { status, body } = await error('/api/metrics/active_users?level=practice&grain=week&by=sex');
    expect(status).toBe(400);
    expect(body.parameter).toBe('by');
    expect(body.error).toContain('week');
  });

  it('refuses a series of more than 530 periods', async () => {
    const { status, body } = await error('/api/metrics/uptake?grain=week&from=1990-01-01&to=2026-02-28');
    expect(status).toBe(400);
    expect(body.parameter).toBe('from');
  });

  it('refuses a day grain over more than 400 days', async () => {
    expect((await error('/api/metrics/uptake?grain=day&from=2024-01-01&to=2026-02-28')).body.parameter).toBe('grain');
  });
});

describe('caching by data version', () => {
  it('answers If-None-Match with 304 until an import changes the data version and its answer is ready', async () => {
    const first = await admin.request('/api/metrics/uptake?grain=month');
    const etag = first.headers.get('ETag')!;
    expect(etag).toMatch(/^"v1-/);
    const again = await admin.request('/api/metrics/uptake?grain=month', { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    const otherParams = await admin.request('/api/metrics/uptake?grain=quarter', { headers: { 'If-None-Match': etag } });
    expect(otherParams.status).toBe(200);

    await store.withConnection(async (c) => {
      await setMeta(c, META.dataVersion, '2');
      await setMeta(c, META.baseVersion, '2');
    });
    // The previous version's answer is served (still 304) while the new version's is computed...
    const during = await admin.request('/api/metrics/uptake?grain=month', { headers: { 'If-None-Match': etag } });
    expect(during.status).toBe(304);
    await app.answers.settled();
    // ...then the new version's, with an ETag of its own.
    const afterImport = await admin.request('/api/metrics/uptake?grain=month', { headers: { 'If-None-Match': etag } });
    expect(afterImport.status).toBe(200);
    expect(afterImport.headers.get('ETag')).toMatch(/^"v2-/);
    expect(((await afterImport.json()) as { asOf: { dataVersion: string } }).asOf.dataVersion).toBe('2');
  });
});

describe('exports', () => {
  it('CSV: content type, file name and * for suppressed cells', async () => {
    const res = await admin.request('/api/metrics/uptake?org=Q00&level=practice&grain=month&from=2026-02-01&to=2026-02-28&format=csv');
    expect(res.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('Content-Disposition')).toBe('attachment; filename="uptake_Q00_practice_month_2026-02-01_2026-02-28.csv"');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('period_start,period_end,complete,org_code,org_name,breakdown,activated,eligible,uptake_pct,reached_by_feeds');
    // P03 has 3 activated: suppressed (February ends on the latest data day: complete)
    expect(lines[3]).toBe('2026-02-01,2026-02-28,true,P03,Practice Three,All,*,300,*,');
  });

  it('Parquet: content type, file name, and the same protected values', async () => {
    const res = await admin.request('/api/metrics/uptake?org=Q00&level=practice&grain=month&from=2026-02-01&to=2026-02-28&format=parquet');
    expect(res.headers.get('Content-Type')).toBe('application/vnd.apache.parquet');
    expect(res.headers.get('Content-Disposition')).toBe('attachment; filename="uptake_Q00_practice_month_2026-02-01_2026-02-28.parquet"');
    const dir = await mkdtemp(join(tmpdir(), 'parquet-test-'));
    try {
      const file = join(dir, 'x.parquet');
      await writeFile(file, new Uint8Array(await res.arrayBuffer()));
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      const rows = (await conn.runAndReadAll(`SELECT org_code, activated, uptake_pct, _suppressed FROM read_parquet('${file}') ORDER BY org_code`)).getRowObjectsJson();
      expect(rows.map((r) => [r.org_code, r.activated, r.uptake_pct])).toEqual([['P01', 15, 15], ['P02', 10, 5], ['P03', null, null]]);
      expect(rows[2]!._suppressed).toEqual(['activated', 'uptake_pct']);
      conn.closeSync();
      db.closeSync();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('Parquet of an empty result is a valid file', async () => {
    const res = await admin.request('/api/metrics/data_quality?from=2020-01-01&to=2020-01-31&format=parquet');
    expect(res.status).toBe(200);
    expect(new TextDecoder().decode(new Uint8Array(await res.arrayBuffer()).slice(0, 4))).toBe('PAR1');
  });
});

describe('OpenAPI and docs', () => {
  it('is a valid OpenAPI 3 document built from the validation schemas', async () => {
    const doc = (await (await admin.request('/api/openapi.json')).json()) as Record<string, unknown> & { paths: Record<string, { get: { parameters: { name: string }[] } }> };
    await SwaggerParser.validate(structuredClone(doc) as never);
    expect(doc.paths['/api/metrics/{name}']!.get.parameters.map((p) => p.name).sort()).toEqual(['by', 'format', 'from', 'grain', 'level', 'name', 'org', 'to']);
  });

  it('serves a self-contained docs page', async () => {
    const res = await admin.request('/api/docs');
    const html = await res.text();
    expect(res.headers.get('Content-Type')).toContain('text/html');
    expect(html).toContain('/api/metrics/{name}');
    expect(html).toContain('campaign_impact');
    expect(html).not.toMatch(/<script|https?:\/\/(?!localhost)/);
  });
});

describe('catalogue, organisations, health, savings model', () => {
  it('lists every metric with its definition', async () => {
    const body = (await (await admin.request('/api/metrics')).json()) as { metrics: { name: string; description: string; dimensions: string[] }[] };
    expect(body.metrics.map((m) => m.name)).toEqual([...METRIC_NAMES]);
    expect(body.metrics.every((m) => m.description.length > 40)).toBe(true);
  });

  it('returns the organisation tree', async () => {
    const body = (await (await admin.request('/api/orgs')).json()) as { root: string; orgs: { code: string; children: string[]; eligiblePopulation: number | null; targetUptakePct: number | null; goLiveDate: string | null }[] };
    expect(body.root).toBe('Q00');
    const byCode = new Map(body.orgs.map((o) => [o.code, o]));
    expect(byCode.get('Q00')!.children.sort()).toEqual(['C01', 'C02', 'K01', 'T01']);
    expect(byCode.get('P01')).toMatchObject({ eligiblePopulation: 100, targetUptakePct: 50, goLiveDate: '2026-01-01' });
  });

  it('reports health from the import runs', async () => {
    const body = (await (await admin.request('/api/health')).json()) as Record<string, unknown>;
    // last success finished 03:01, "now" is 05:00 -> 119 minutes
    expect(body).toMatchObject({
      status: 'ok',
      lastSuccess: { batchId: 'B1', finishedAt: '2026-02-28T03:01:00Z' },
      lastFailure: null,
      lagMinutes: 119,
      scheduler: { enabled: true, cron: '0 2 * * *' },
      // The fixture's batch predates landing times (no loaded_batches row): nothing to say yet.
      // A daily schedule lets a batch wait two days (twice its interval) before that is a problem;
      // test/ingest/landing-to-served.test.ts has the worked examples.
      latestServedBatch: null,
      unservedBatches: { count: 0, oldestLandedAt: null, alertAfterMinutes: 2 * 24 * 60 },
    });
    HealthSchema.strict().parse(body);
    await store.withConnection((c) =>
      c.run(`INSERT INTO ingest_runs (run_id, batch_id, trigger, started_at, finished_at, duration_ms, status, error)
             VALUES ('R2', 'B2', 'test', TIMESTAMPTZ '2026-02-28 04:00:00+00', TIMESTAMPTZ '2026-02-28 04:00:05+00', 5000, 'failed', 'disk full')`),
    );
    // Rollups rebuilt for new SQL publish "<base>.<code>": still up to date.
    await store.withConnection(async (c) => {
      await setMeta(c, META.dataVersion, '2.abc123');
    });
    const rebuilt = (await (await admin.request('/api/health')).json()) as { problems: string[] };
    expect(rebuilt.problems.filter((p) => p.includes('rollups'))).toEqual([]);
    await store.withConnection(async (c) => {
      await setMeta(c, META.baseVersion, '3');
    });
    const lagging = (await (await admin.request('/api/health')).json()) as { status: string; problems: string[] };
    expect(lagging.status).toBe('degraded');
    expect(lagging.problems.join(' ')).toContain('base tables are at 3');
    await store.withConnection(async (c) => {
      await setMeta(c, META.baseVersion, '2');
    });
    const degraded = (await (await admin.request('/api/health')).json()) as Record<string, unknown>;
    expect(degraded).toMatchObject({ status: 'degraded', lastFailure: { batchId: 'B2', error: 'disk full' } });
  });

  it('serves the savings model', async () => {
    const body = (await (await admin.request('/api/savings-model')).json()) as { model: { version: string; items: { id: string }[] } };
    expect(body.model.items.map((i) => i.id)).toContain('missed_appointments_avoided');
  });

  it('answers unknown API paths with 404 JSON', async () => {
    expect((await admin.request('/api/nothing-here')).status).toBe(404);
  });
});
