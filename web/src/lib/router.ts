import { useEffect, useState } from 'preact/hooks';

// A tiny history router: the path picks the page, the query string holds every filter, so any
// view is a shareable URL and the back button undoes a filter change.

export interface Route {
  path: string;
  query: URLSearchParams;
}

type Listener = (route: Route) => void;
const listeners = new Set<Listener>();

export function currentRoute(): Route {
  return { path: normalisePath(window.location.pathname), query: new URLSearchParams(window.location.search) };
}

function normalisePath(path: string): string {
  const p = path.replace(/\/+$/, '');
  return p === '' ? '/' : p;
}

function notify(): void {
  const route = currentRoute();
  for (const l of listeners) l(route);
}

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

export function hrefFor(path: string, query?: URLSearchParams | Record<string, string | undefined | null>): string {
  const q = query instanceof URLSearchParams ? new URLSearchParams(query) : new URLSearchParams();
  if (query && !(query instanceof URLSearchParams)) {
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  q.sort();
  const qs = q.toString();
  return `${path}${qs ? `?${qs}` : ''}`;
}

function navigate(href: string, options: { replace?: boolean } = {}): void {
  const target = new URL(href, window.location.href);
  const next = target.pathname + target.search + target.hash;
  const now = window.location.pathname + window.location.search + window.location.hash;
  if (next === now) return;
  if (options.replace) window.history.replaceState(null, '', next);
  else window.history.pushState(null, '', next);
  notify();
  if (!options.replace && target.pathname !== window.location.pathname) window.scrollTo?.(0, 0);
}

/** Changes some query parameters of the current URL (null / '' removes one). */
export function setParams(patch: Record<string, string | null | undefined>, options: { replace?: boolean } = {}): void {
  const { path, query } = currentRoute();
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === '') query.delete(k);
    else query.set(k, v);
  }
  navigate(hrefFor(path, query), options);
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(currentRoute);
  useEffect(() => {
    const l: Listener = (r) => setRoute(r);
    listeners.add(l);
    // The URL may have changed between the first render and this effect.
    setRoute(currentRoute());
    return () => {
      listeners.delete(l);
    };
  }, []);
  return route;
}

/** Sends clicks on same-origin links through the router instead of reloading the page. */
export function interceptLinks(root: HTMLElement): () => void {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || a.target || a.hasAttribute('download')) return;
    const href = a.getAttribute('href');
    if (!href || href.startsWith('#') || href.startsWith('/api/')) return;
    const url = new URL(href, window.location.href);
    if (url.origin !== window.location.origin) return;
    e.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  };
  root.addEventListener('click', onClick);
  return () => root.removeEventListener('click', onClick);
}
