import { useEffect, useState } from 'preact/hooks';
import { api } from './client.js';
import type { MetricParams, MetricResult } from './types.js';

export type Loadable<T> =
  | { status: 'loading'; data?: undefined; error?: undefined }
  | { status: 'ready'; data: T; error?: undefined }
  | { status: 'error'; data?: undefined; error: Error };

/** Loads something whenever `key` changes; a stale answer never overwrites a newer one. */
export function useLoad<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): Loadable<T> {
  const [state, setState] = useState<{ key: string | null; value: Loadable<T> }>({ key, value: { status: 'loading' } });
  useEffect(() => {
    if (key === null) return;
    const ctrl = new AbortController();
    setState((s) => (s.key === key && s.value.status === 'ready' ? s : { key, value: { status: 'loading' } }));
    load(ctrl.signal).then(
      (data) => {
        if (!ctrl.signal.aborted) setState({ key, value: { status: 'ready', data } });
      },
      (error: unknown) => {
        if (ctrl.signal.aborted) return;
        setState({ key, value: { status: 'error', error: error instanceof Error ? error : new Error(String(error)) } });
      },
    );
    return () => ctrl.abort();
    // `load` is derived from `key`; re-running on its identity would refetch on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return state.key === key ? state.value : { status: 'loading' };
}

function paramsKey(name: string, params: MetricParams): string {
  const entries = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .sort(([a], [b]) => a.localeCompare(b));
  return `${name}?${entries.map(([k, v]) => `${k}=${String(v)}`).join('&')}`;
}

/** One metric from /api/metrics/:name; pass `null` params to wait (e.g. until the org list is known). */
export function useMetric(name: string, params: MetricParams | null): Loadable<MetricResult> {
  const key = params ? paramsKey(name, params) : null;
  return useLoad(key, (signal) => api.metric(name, params ?? {}, signal));
}

/** Derives a view of loaded data (memoise the call: `useMemo(() => mapLoadable(x, f), [x])`). */
export function mapLoadable<T, U>(l: Loadable<T>, fn: (data: T) => U): Loadable<U> {
  if (l.status !== 'ready') return l;
  try {
    return { status: 'ready', data: fn(l.data) };
  } catch (error) {
    return { status: 'error', error: error instanceof Error ? error : new Error(String(error)) };
  }
}
