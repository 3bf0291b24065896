import type { Health, MetricInfo, MetricParams, MetricResult, OrgsResult } from './types.js';

/** An API answer that was not a success, carrying the server's own explanation when it gave one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function messageFrom(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const err = b.error;
    if (typeof err === 'string') return err;
    if (err && typeof err === 'object' && typeof (err as Record<string, unknown>).message === 'string') {
      return (err as { message: string }).message;
    }
    if (typeof b.message === 'string') return b.message;
  }
  return status === 404 ? 'Not found' : `The server answered ${status}`;
}

export function metricUrl(name: string, params: MetricParams, format?: 'csv' | 'json' | 'parquet'): string {
  // Keys in a fixed order, so equal requests share one URL (and one cache entry).
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params).sort(([a], [b]) => a.localeCompare(b))) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  if (format) q.set('format', format);
  const qs = q.toString();
  return `/api/metrics/${encodeURIComponent(name)}${qs ? `?${qs}` : ''}`;
}

// Identical requests in flight or recently answered share one promise: pages ask for the same
// metric from several cards (e.g. a chart and a headline), and going back to a page is instant.
const cache = new Map<string, { at: number; promise: Promise<unknown> }>();
const CACHE_MS = 60_000;
const CACHE_MAX = 200;

export function clearApiCache(): void {
  cache.clear();
}

export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const now = Date.now();
  const hit = cache.get(url);
  if (hit && now - hit.at < CACHE_MS) return withAbort(hit.promise as Promise<T>, signal);
  const promise = (async () => {
    let res: Response;
    try {
      // A plain GET (no extra headers) so that the HTML's <link rel="preload"> answer is reused.
      res = await fetch(url);
    } catch {
      throw new ApiError('Cannot reach the Portal Insights server. Check that it is running.', 0);
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      if (res.ok) throw new ApiError('The server sent an answer that is not JSON.', res.status);
    }
    if (!res.ok) throw new ApiError(messageFrom(body, res.status), res.status);
    return body as T;
  })();
  cache.set(url, { at: now, promise });
  promise.catch(() => cache.delete(url));
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
  return withAbort(promise, signal);
}

function withAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(new DOMException('Aborted', 'AbortError'));
    signal.addEventListener('abort', () => reject(new DOMException('Aborted', 'AbortError')), { once: true });
    promise.then(resolve, reject);
  });
}

export const api = {
  metrics: (signal?: AbortSignal) => getJson<{ metrics: MetricInfo[] }>('/api/metrics', signal),
  metric: (name: string, params: MetricParams, signal?: AbortSignal) =>
    getJson<MetricResult>(metricUrl(name, params), signal),
  orgs: (signal?: AbortSignal) => getJson<OrgsResult>('/api/orgs', signal),
  health: (signal?: AbortSignal) => getJson<Health>('/api/health', signal),
  /** The latest import runs (read with lib/import-runs.ts; an older server answers 404). */
  importRuns: (limit: number, signal?: AbortSignal) => getJson<unknown>(`/api/import-runs?limit=${limit}`, signal),
};
