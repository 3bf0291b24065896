import type { ApiToken, AuditFilters, AuditRecord, Health, Me, MetricInfo, MetricName, MetricParams, MetricResult, OrgsResult, Role, SessionInfo, User } from './types.js';
import { metricUrl } from './metric-url.js';

/** An API answer that was not a success, carrying the server's own explanation when it gave one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The request field the server blames, when it names one (`{ error, parameter }`). */
    readonly parameter?: string,
    /** The server's whole answer (e.g. the SQL workbench's `{ error, code, position }`). */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A figure or list the reader's role or organisation cannot have: shown as a plain sentence, not an error. */
export class NotAvailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotAvailable';
  }
}

/** Whether an error means "not for you" (scope or role, 403) rather than something going wrong. */
export function isNotAvailable(error: unknown): boolean {
  return error instanceof NotAvailable || (error instanceof ApiError && error.status === 403);
}

function parameterFrom(body: unknown): string | undefined {
  const p = body && typeof body === 'object' ? (body as Record<string, unknown>).parameter : undefined;
  return typeof p === 'string' ? p : undefined;
}

/** Where the browser goes to sign in again, coming back to `next` (this page) afterwards. */
export function signInHref(reason: 'expired' | null, next = `${window.location.pathname}${window.location.search}`): string {
  const q = new URLSearchParams({ next });
  if (reason) q.set('error', reason);
  return `/signin?${q.toString()}`;
}

// An API answer 401 means the session has expired or was revoked (or the user was disabled): the
// browser goes to the sign-in page, which says so and brings the reader back here afterwards.
// Replaced, not pushed: Back must not return to a page whose data the reader may no longer see.
let sessionEnded: () => void = () => {
  clearApiCache();
  window.location.replace(signInHref('expired'));
};
let ended = false;

/** For tests: what happens when the server says the session is over (default: go to sign-in). */
export function onSessionEnded(handler: () => void): void {
  sessionEnded = handler;
  ended = false;
}

/** The server said the session is over (401): go to sign-in, once. */
export function sessionIsOver(): void {
  if (ended) return;
  ended = true;
  sessionEnded();
}

export function messageFrom(body: unknown, status: number): string {
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
    if (res.status === 401) sessionIsOver();
    if (!res.ok) throw new ApiError(messageFrom(body, res.status), res.status, parameterFrom(body));
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

/**
 * A request that is never cached or shared (accounts, tokens, sessions, audit: they change with
 * every action), with a JSON body for state changes. The browser's fetch sends the Origin header
 * the server checks for same-origin state changes.
 */
export async function request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError('Cannot reach the Portal Insights server. Check that it is running.', 0);
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    if (res.ok) throw new ApiError('The server sent an answer that is not JSON.', res.status);
  }
  if (res.status === 401) sessionIsOver();
  if (!res.ok) throw new ApiError(messageFrom(parsed, res.status), res.status, parameterFrom(parsed), parsed);
  return parsed as T;
}

const enc = encodeURIComponent;

/** The audit query string (empty filters left out). */
function auditQuery(filters: AuditFilters, format?: 'csv'): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  if (format) q.set('format', format);
  const qs = q.toString();
  return qs ? `?${qs}` : '';
}

export interface NewUserInput {
  username: string;
  role: Role;
  org: string;
  password?: string;
  displayName?: string | null;
}

export const access = {
  me: (signal?: AbortSignal) => request<Me>('GET', '/api/me', undefined, signal),
  signOut: () => request<{ signedOut: true }>('DELETE', '/api/session'),
  users: (signal?: AbortSignal) => request<{ users: User[] }>('GET', '/api/users', undefined, signal),
  addUser: (input: NewUserInput) => request<{ user: User; password?: string }>('POST', '/api/users', input),
  changeUser: (username: string, changes: Partial<Pick<User, 'role' | 'org' | 'disabled' | 'displayName'>>) =>
    request<{ user: User }>('PATCH', `/api/users/${enc(username)}`, changes),
  resetPassword: (username: string, password?: string) =>
    request<{ username: string; password?: string }>('POST', `/api/users/${enc(username)}/password`, password ? { password } : {}),
  /** My tokens, or (admin) another user's. */
  tokens: (user?: string, signal?: AbortSignal) => request<{ tokens: ApiToken[] }>('GET', `/api/tokens${user ? `?user=${enc(user)}` : ''}`, undefined, signal),
  createToken: (label: string, user?: string) =>
    request<{ id: number; label: string; username: string; token: string }>('POST', '/api/tokens', user ? { label, user } : { label }),
  revokeToken: (id: number) => request<{ revoked: true }>('DELETE', `/api/tokens/${id}`),
  /** My open sessions, or (admin) everyone's. */
  sessions: (all = false, signal?: AbortSignal) => request<{ sessions: SessionInfo[] }>('GET', `/api/sessions${all ? '?all=true' : ''}`, undefined, signal),
  revokeSession: (id: string) => request<{ revoked: true }>('DELETE', `/api/sessions/${enc(id)}`),
  audit: (filters: AuditFilters, signal?: AbortSignal) => request<{ records: AuditRecord[] }>('GET', `/api/audit${auditQuery(filters)}`, undefined, signal),
  auditCsvUrl: (filters: AuditFilters) => `/api/audit${auditQuery(filters, 'csv')}`,
};

export const api = {
  metrics: (signal?: AbortSignal) => getJson<{ metrics: MetricInfo[] }>('/api/metrics', signal),
  metric: <M extends MetricName>(name: M, params: MetricParams, signal?: AbortSignal) =>
    getJson<MetricResult<M>>(metricUrl(name, params), signal),
  orgs: (signal?: AbortSignal) => getJson<OrgsResult>('/api/orgs', signal),
  health: (signal?: AbortSignal) => getJson<Health>('/api/health', signal),
  /** The latest import runs (read with lib/import-runs.ts; an older server answers 404). */
  importRuns: (limit: number, signal?: AbortSignal) => getJson<unknown>(`/api/import-runs?limit=${limit}`, signal),
};
