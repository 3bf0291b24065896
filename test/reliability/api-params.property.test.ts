/**
 * Property-based tests (fast-check) of every parameter of GET /api/metrics/:name, for every metric
 * in the catalogue, on the small region (test/fixtures/metrics/small-region.ts): random and
 * repeated keys, unknown keys, unicode, control characters, huge values, broken percent-encoding,
 * valid values in combinations no test lists, and random If-None-Match / Accept-Encoding headers,
 * asked by a region-wide admin and by a CIO of one CCG (whose scope makes other organisations 403).
 * The answer is never a 500 (or any other status): only 200, 304, 400, 403 or 404; an error is
 * JSON with a message; a 200 in JSON is a result of that metric.
 * PI_FC_RUNS sets the runs per metric (default 40); PI_FC_SEED replays a failure.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { openStore, type Store } from '../../server/store/store.js';
import { createApp } from '../../server/app.js';
import { signedIn, type SignedInClient } from '../../server/auth/testing.js';
import { DIMENSIONS, GRAINS, LEVELS, METRIC_NAMES } from '../../server/metrics/catalogue.js';
import { FORMATS } from '../../server/api/params.js';
import { buildSmallRegion } from '../fixtures/metrics/small-region.js';

const RUNS = Number(process.env.PI_FC_RUNS ?? 40);
const SEED = process.env.PI_FC_SEED ? Number(process.env.PI_FC_SEED) : undefined;
const ALLOWED = [200, 304, 400, 403, 404];

let store: Store;
let app: ReturnType<typeof createApp>;
let clients: SignedInClient[];

beforeAll(async () => {
  store = await openStore({ path: ':memory:' });
  await buildSmallRegion(store);
  app = createApp({
    store,
    versionTtlMs: 0,
    now: () => new Date('2026-02-28T05:00:00Z'),
    scheduler: { status: () => ({ enabled: false, cron: null, running: false, nextRunAt: null }) },
  });
  clients = [await signedIn(app), await signedIn(app, { role: 'cio', org: 'C01' })];
});
afterAll(async () => {
  await app.access.close();
  await store.close();
});

const ORGS = ['Q00', 'C01', 'C02', 'P01', 'P02', 'P03', 'T01', 'K01', 'ZZZ99', 'q00', 'P0', 'P01P01P01'];

const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', ' ', '\u0000', '\uFEFF', '\u202E', 'null', 'undefined', 'NaN', '-1', '1e309', '0x10', '[]', '{}', "' OR 1=1 --", '"; DROP TABLE users; --', '../../etc/passwd', '%00', '__proto__', 'constructor'),
  fc.integer({ min: 1, max: 200_000 }).map((n) => 'x'.repeat(n)),
);

const date = fc.oneof(
  fc.date({ min: new Date('1899-06-01T00:00:00Z'), max: new Date('3001-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.date({ min: new Date('2025-10-01T00:00:00Z'), max: new Date('2026-04-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('2026-02-29', '2026-02-30', '2026-13-01', '0000-00-00', '1900-01-01', '2999-12-31', '99999-01-01', '2026-1-1', '2026-01-01T00:00:00Z'),
);

const VALID: Record<string, fc.Arbitrary<string>> = {
  org: fc.constantFrom(...ORGS),
  level: fc.constantFrom(...LEVELS, 'ICB', 'region'),
  grain: fc.constantFrom(...GRAINS, 'year', 'Day'),
  from: date,
  to: date,
  by: fc.constantFrom(...DIMENSIONS, 'none', 'All'),
  format: fc.constantFrom(...FORMATS, 'xlsx', 'JSON'),
};
const KNOWN = Object.keys(VALID);

/** One query parameter: a known key with a valid-ish or hostile value, or a stranger key. */
const param = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN).chain((k) => fc.tuple(fc.constant(k), fc.oneof({ weight: 3, arbitrary: VALID[k]! }, { weight: 1, arbitrary: hostile }))) },
  { weight: 1, arbitrary: fc.tuple(fc.oneof(hostile, fc.constantFrom('Org', 'org[]', 'org ', ' level', 'toString', 'hasOwnProperty')), hostile) },
);

/** A raw query string piece, not encoded: percent signs that decode to nothing, stray separators. */
const rawPiece = fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%FF', '&&', '=', '==', 'org', 'org=%', 'from=%2', '+', '#frag', ';', 'to=2026-02-28%00');

const request = fc.record({
  client: fc.nat({ max: 1 }),
  params: fc.array(param, { maxLength: 6 }),
  raw: fc.option(fc.array(rawPiece, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  ifNoneMatch: fc.option(fc.oneof(hostile, fc.constant('*'), fc.constant('W/"1-abc"')), { nil: undefined }),
  acceptEncoding: fc.option(fc.oneof(hostile, fc.constantFrom('gzip', 'br', 'br;q=0, gzip;q=0', 'identity', '*', 'gzip;q=abc')), { nil: undefined }),
});

type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;

async function check(name: string, input: Request): Promise<number> {
  const search = new URLSearchParams(input.params).toString();
  const query = [search, ...(input.raw ?? [])].filter(Boolean).join('&');
  const path = `/api/metrics/${encodeURIComponent(name)}${query ? `?${query}` : ''}`;
  const headers: Record<string, string> = {};
  // Header values must be ByteStrings without line breaks; others are not sendable at all.
  const sendable = (v: string) => /^[\x20-\x7e\t]*$/.test(v);
  if (input.ifNoneMatch !== undefined && sendable(input.ifNoneMatch)) headers['If-None-Match'] = input.ifNoneMatch;
  if (input.acceptEncoding !== undefined && sendable(input.acceptEncoding)) headers['Accept-Encoding'] = input.acceptEncoding;
  const res = await clients[input.client]!.request(path, { headers });
  const label = `${res.status} for ${path.slice(0, 300)} ${JSON.stringify(headers).slice(0, 200)}`;
  expect(ALLOWED, label).toContain(res.status);
  if (res.status === 304) return res.status;
  const raw = Buffer.from(await res.arrayBuffer());
  const encoding = res.headers.get('content-encoding');
  const body = encoding === 'gzip' ? gunzipSync(raw) : encoding === 'br' ? brotliDecompressSync(raw) : raw;
  if (res.status !== 200) {
    const error = JSON.parse(body.toString('utf8')) as { error?: string };
    expect(typeof error.error, label).toBe('string');
    expect(error.error!.length, label).toBeGreaterThan(5);
  } else if ((res.headers.get('content-type') ?? '').startsWith('application/json')) {
    expect((JSON.parse(body.toString('utf8')) as { metric: string }).metric, label).toBe(name);
  }
  return res.status;
}

describe('GET /api/metrics/:name with random parameters', () => {
  for (const name of METRIC_NAMES) {
    it(`${name}: never a 500, only 200 / 304 / 400 / 403 / 404`, async () => {
      const statuses = new Set<number>();
      await fc.assert(
        fc.asyncProperty(request, async (input) => {
          statuses.add(await check(name, input));
        }),
        {
          numRuns: RUNS,
          seed: SEED,
          endOnFailure: true,
          // The defaults, for both users, always among the runs: random combinations are mostly refusals.
          examples: [0, 1].map((client) => [{ client, params: [], raw: undefined, ifNoneMatch: undefined, acceptEncoding: undefined }] as [Request]),
        },
      );
      // The runs reach both answers and refusals.
      expect([...statuses].some((s) => s === 200 || s === 304), [...statuses].join(',')).toBe(true);
      expect(statuses.has(400), [...statuses].join(',')).toBe(true);
    });
  }

  it('random metric names (unicode, encoded, huge) are 404 or an answer, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostile, fc.constantFrom(...METRIC_NAMES).map((n) => `${n}%20`), fc.constantFrom(...METRIC_NAMES).map((n) => n.toUpperCase())), request, async (name, input) => {
        const res = await clients[input.client]!.request(`/api/metrics/${encodeURIComponent(name)}`);
        expect([200, 404], `${res.status} for ${name.slice(0, 100)}`).toContain(res.status);
      }),
      { numRuns: RUNS * 2, seed: SEED, endOnFailure: true },
    );
  });
});
