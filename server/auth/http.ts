/**
 * Access control at the HTTP edge: who is asking (session cookie or bearer token), from where
 * (client address, for the sign-in lockout), over what (TLS decides the cookie's attributes), and
 * whether a state-changing request really comes from this site (CSRF).
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { Principal } from './sessions.js';

export interface EdgeOptions {
  /**
   * How many reverse proxies in front of the server are trusted to append X-Forwarded-For and set
   * X-Forwarded-Proto / X-Forwarded-Host (PORTAL_TRUST_PROXY; default 0: headers are ignored, so a
   * client cannot choose its own address to dodge the lockout).
   */
  trustProxyHops: number;
}

export function edgeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EdgeOptions {
  const raw = env.PORTAL_TRUST_PROXY ?? '0';
  const hops = raw === 'true' ? 1 : raw === 'false' ? 0 : Number(raw);
  if (!Number.isInteger(hops) || hops < 0 || hops > 10) throw new Error(`PORTAL_TRUST_PROXY must be a number of proxies (0-10) or true/false (got '${raw}')`);
  return { trustProxyHops: hops };
}

interface AccessVariables {
  principal: Principal | null;
  /** Set by a handler for the audit: the organisation answered for and the rows returned. */
  auditOrg?: string | null;
  auditRows?: number | null;
  /** Set by handlers that write their own audit entry. */
  audited?: boolean;
}

export type AccessEnv = { Variables: AccessVariables };

function socketAddress(c: Context): string | null {
  // app.request() (tests, the bench) has no socket: looked for first, as an error thrown and
  // caught on every request costs a stack trace each time.
  const env = c.env as { incoming?: unknown; server?: { incoming?: unknown } } | undefined;
  if (!env?.incoming && !env?.server?.incoming) return null;
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // app.request() in tests has no socket
  }
}

/** The client's address: the socket's, or, behind trusted proxies, the one they recorded. */
export function clientAddress(c: Context, options: EdgeOptions): string {
  const socket = socketAddress(c) ?? 'local';
  if (options.trustProxyHops === 0) return socket;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...forwarded, socket];
  return chain[Math.max(0, chain.length - 1 - options.trustProxyHops)] ?? socket;
}

export function isTls(c: Context, options: EdgeOptions): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return options.trustProxyHops > 0 && (c.req.header('x-forwarded-proto') ?? '').split(',')[0]?.trim() === 'https';
}

function publicHost(c: Context, options: EdgeOptions): string | undefined {
  const forwarded = options.trustProxyHops > 0 ? c.req.header('x-forwarded-host')?.split(',')[0]?.trim() : undefined;
  return forwarded || c.req.header('host') || new URL(c.req.url).host;
}

// The `__Host-` prefix makes the browser refuse the cookie unless it is Secure, host-only and
// Path=/, so it needs TLS; over plain HTTP (a developer's machine) the cookie has a plain name.
const SESSION_COOKIE_TLS = '__Host-pi_session';
const SESSION_COOKIE_PLAIN = 'pi_session';

export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE_TLS) ?? getCookie(c, SESSION_COOKIE_PLAIN);
}

export function setSessionCookie(c: Context, token: string, options: EdgeOptions, maxAgeSeconds: number): void {
  const tls = isTls(c, options);
  setCookie(c, tls ? SESSION_COOKIE_TLS : SESSION_COOKIE_PLAIN, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure: tls,
    maxAge: Math.floor(maxAgeSeconds),
  });
}

export function clearSessionCookie(c: Context, options: EdgeOptions): void {
  const tls = isTls(c, options);
  deleteCookie(c, tls ? SESSION_COOKIE_TLS : SESSION_COOKIE_PLAIN, { path: '/', secure: tls });
}

export function bearerToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/**
 * Whether a request proves it was sent by this site's own pages: the browser's Sec-Fetch-Site
 * says same-origin, or its Origin is this server's. Browsers send at least one of them on every
 * POST/PUT/PATCH/DELETE; a cross-site form or fetch cannot forge either. (Hono's csrf middleware
 * checks form posts only; JSON posts with a cookie need this too.)
 */
export function isSameOrigin(c: Context, options: EdgeOptions): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site) return site === 'same-origin';
  const origin = c.req.header('origin');
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host === publicHost(c, options);
  } catch {
    return false;
  }
}
