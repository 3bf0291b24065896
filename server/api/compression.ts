/**
 * Compressed metric answers. A 1 MB JSON answer (the Rollout page's practices) costs the client
 * far more to download than the server to compress, and the server answers the same bytes again
 * and again until the data changes: so each cached answer is compressed once per encoding, on the
 * first request that accepts it, and the compressed bytes are kept in the response cache beside it.
 * Brotli is preferred (about a third smaller than gzip on this JSON); both run on libuv's pool.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { CachedResponse } from './cache.js';

export type Encoding = 'br' | 'gzip';

/** Smaller answers are sent as they are: compressing saves less than it costs. */
export const COMPRESS_MIN_BYTES = 1024;

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/**
 * The best encoding the client accepts (RFC 9110 Accept-Encoding with q-values), br before gzip
 * at equal weight; null for none. `identity;q=0` is not honoured: the plain body is always acceptable here.
 */
export function negotiateEncoding(header: string | undefined): Encoding | null {
  if (!header) return null;
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    weights.set(name, q === undefined ? 1 : Math.max(0, Math.min(1, Number(q) || 0)));
  }
  const weight = (e: string) => weights.get(e) ?? weights.get('*') ?? 0;
  const br = weight('br');
  const gzipW = Math.max(weight('gzip'), weights.get('x-gzip') ?? 0);
  if (br > 0 && br >= gzipW) return 'br';
  if (gzipW > 0) return 'gzip';
  return null;
}

const encoders: Record<Encoding, (body: Uint8Array) => Promise<Buffer>> = {
  // Quality 5: most of brotli's gain for a fraction of its top quality's time.
  br: (body) => brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength } }),
  gzip: (body) => gz(body, { level: 6 }),
};

/** The answer's body in `encoding`, compressed on first use and kept with the answer. */
export function compressedBody(r: CachedResponse, body: Uint8Array, encoding: Encoding): Promise<Uint8Array> {
  r.compressed ??= {};
  let pending = r.compressed[encoding];
  if (!pending) {
    pending = encoders[encoding](body).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    r.compressed[encoding] = pending;
    pending.catch(() => delete r.compressed?.[encoding]);
  }
  return pending;
}
