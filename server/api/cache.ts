/**
 * Responses cached by data version: a metric's answer only changes when an import bumps
 * store_meta.data_version, so the version is part of the key and of the ETag. Bounded LRU.
 */
import { createHash } from 'node:crypto';

export interface CachedResponse {
  body: string | Uint8Array;
  contentType: string;
  headers: Record<string, string>;
  etag: string;
  /** Rows in the answer, for the audit log. */
  rowCount?: number;
  /** The body compressed, per encoding, made on first request (server/api/compression.ts). */
  compressed?: Partial<Record<'br' | 'gzip', Promise<Uint8Array>>>;
}

export function etagFor(dataVersion: string, key: string): string {
  const digest = createHash('sha1').update(key).digest('base64url').slice(0, 16);
  return `"v${dataVersion.replace(/[^A-Za-z0-9._-]/g, '')}-${digest}"`;
}

/** True when If-None-Match names this ETag (or *). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === etag);
}

// Compressed copies are made after an answer is cached; at these answers' ratios (JSON of numbers
// and codes: 10-20x) both fit in half the body's size again, which is counted from the start.
const sizeOf = (r: CachedResponse) => Math.ceil((typeof r.body === 'string' ? r.body.length * 2 : r.body.byteLength) * 1.5);

/** Bounded by entry count and by size (default 500 entries, 64 MB), least recently used out first. */
export class ResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
  private bytes = 0;
  constructor(
    private readonly maxEntries = 500,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  private readonly inFlight = new Map<string, Promise<CachedResponse>>();

  /**
   * The cached answer, or the one being computed for the same key, or a new computation. When
   * an import moves the data version on, every client asks again at once: without this, 200
   * connections asking for the same answer would compute it 200 times side by side.
   */
  async getOrCompute(key: string, compute: () => Promise<CachedResponse>): Promise<CachedResponse> {
    const hit = this.get(key);
    if (hit) return hit;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = compute()
        .then((value) => {
          this.set(key, value);
          return value;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  get(key: string): CachedResponse | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: CachedResponse): void {
    if (this.maxEntries <= 0 || sizeOf(value) > this.maxBytes) return;
    this.remove(key);
    this.entries.set(key, value);
    this.bytes += sizeOf(value);
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  private remove(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.bytes -= sizeOf(old);
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
