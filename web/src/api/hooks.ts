import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { AppContext } from '../lib/context.js';
import { unavailableReason } from '../lib/scope.js';
import { NotAvailable, api } from './client.js';
import type { MetricName, MetricParams, MetricResult } from './types.js';

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

function paramsKey(name: MetricName, params: MetricParams): string {
  const entries = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .sort(([a], [b]) => a.localeCompare(b));
  return `${name}?${entries.map(([k, v]) => `${k}=${String(v)}`).join('&')}`;
}

/** One metric from /api/metrics/:name; pass `null` params to wait (e.g. until the org list is known). */
export function useMetric<M extends MetricName>(name: M, params: MetricParams | null): Loadable<MetricResult<M>> {
  // A figure the reader's scope cannot have is not asked for: the card says why instead.
  const app = useContext(AppContext);
  const reason = params && app ? unavailableReason(app.orgs, name, params) : null;
  const key = params && !reason ? paramsKey(name, params) : null;
  const loaded = useLoad(key, (signal) => api.metric(name, params ?? {}, signal));
  const unavailable = useMemo<Loadable<MetricResult<M>> | null>(() => (reason ? { status: 'error', error: new NotAvailable(reason) } : null), [reason]);
  return unavailable ?? loaded;
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
