import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CachedResponse } from './cache.js';
import { compressedBody, negotiateEncoding } from './compression.js';

describe('negotiateEncoding', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['gzip, deflate, br', 'br'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=1.0, gzip;q=0.8', 'br'],
    ['br;q=0, gzip;q=0', null],
    ['identity', null],
    ['*', 'br'],
    ['*;q=0.3, gzip;q=0.5', 'gzip'],
    ['x-gzip', 'gzip'],
    ['BR', 'br'],
  ] as const)('%j → %j', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});

describe('compressedBody', () => {
  const body = new TextEncoder().encode(JSON.stringify({ rows: Array.from({ length: 2000 }, (_, i) => ({ org_code: `P${i}`, uptake_pct: i % 97 })) }));
  const answer = (): CachedResponse => ({ body, contentType: 'application/json', headers: {}, etag: '"x"' });

  it('compresses once per encoding and keeps the bytes with the answer', async () => {
    const r = answer();
    const br = await compressedBody(r, body, 'br');
    expect(await compressedBody(r, body, 'br')).toBe(br);
    expect(new Uint8Array(brotliDecompressSync(br))).toEqual(body);
    const gz = await compressedBody(r, body, 'gzip');
    expect(new Uint8Array(gunzipSync(gz))).toEqual(body);
    expect(br.byteLength).toBeLessThan(body.byteLength / 5);
    expect(Object.keys(r.compressed!)).toEqual(['br', 'gzip']);
  });
});
