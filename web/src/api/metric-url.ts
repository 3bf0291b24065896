/**
 * The URL of a metric request. Shared with the server, which writes the Overview's first requests
 * into its HTML with the same URLs the browser will ask for (so the preloaded answers are used).
 */
import type { MetricName, MetricParams } from './types.js';

export function metricUrl(name: MetricName, params: MetricParams, format?: 'csv' | 'json' | 'parquet'): string {
  // Keys in a fixed order, so equal requests share one URL (and one cache entry).
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params).sort(([a], [b]) => a.localeCompare(b))) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  if (format) q.set('format', format);
  const qs = q.toString();
  return `/api/metrics/${encodeURIComponent(name)}${qs ? `?${qs}` : ''}`;
}
