/**
 * The gate in front of every route: security headers on every answer; who is asking (bearer token
 * first, then the session cookie); cross-site state changes refused; nothing but the sign-in page,
 * the sign-in routes and the dashboard's code served to a stranger; and an audit entry for every
 * metric read, export and refusal.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Access } from '../auth/access.js';
import { bearerToken, clearSessionCookie, clientAddress, isSafeMethod, isSameOrigin, readSessionCookie, type AccessEnv } from '../auth/http.js';
import { CONTENT_SECURITY_POLICY } from '../security-policy.js';

/** Routes a stranger may call: signing in (by password or single sign-on) and a bare liveness check. */
const PUBLIC_API = [/^\/api\/session$/, /^\/api\/auth\/[a-z/-]+$/, /^\/api\/live$/];
/** Pages a stranger may see. */
const PUBLIC_PAGES = new Set(['/signin']);

/** The dashboard's built code and styles (hashed files): no data in them, and the sign-in page has none of its own. */
const isStaticAsset = (path: string) => path.startsWith('/assets/') || /\.[a-z0-9]{1,5}$/i.test(path);

export function securityHeaders(): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    referrerPolicy: 'same-origin',
    xFrameOptions: 'DENY',
    crossOriginResourcePolicy: 'same-origin',
    crossOriginOpenerPolicy: 'same-origin',
  });
}

function wantsHtml(c: Context): boolean {
  return c.req.method === 'GET' && !c.req.path.startsWith('/api/') && c.req.path !== '/api';
}

export function accessGate(access: Access): MiddlewareHandler<AccessEnv> {
  return async (c, next) => {
    const path = c.req.path;
    const isApi = path === '/api' || path.startsWith('/api/');
    c.set('principal', null);

    const bearer = bearerToken(c);
    if (bearer) {
      const principal = await access.credentials.resolveToken(bearer);
      if (!principal) return refuse(c, access, 401, 'The API token is not valid: it was mistyped, revoked, or its user is disabled.');
      c.set('principal', principal);
    } else {
      const cookie = readSessionCookie(c);
      if (cookie) {
        const principal = await access.credentials.resolveSession(cookie);
        if (principal) c.set('principal', principal);
        else clearSessionCookie(c, access.edge);
      }
    }

    if (!c.get('principal')) {
      if (isApi && !PUBLIC_API.some((re) => re.test(path))) {
        c.header('WWW-Authenticate', 'Bearer realm="portal-insights"');
        return refuse(c, access, 401, 'Sign in first: this service shows data only to signed-in users (a session cookie from POST /api/session, or Authorization: Bearer <API token>).');
      }
      if (!isApi && !PUBLIC_PAGES.has(path) && !isStaticAsset(path)) {
        if (!wantsHtml(c)) return c.text('Sign in first.', 401);
        const url = new URL(c.req.url);
        return c.redirect(`/signin?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
      }
    }

    // A cookie is sent by the browser whichever site asks: a state change on its strength needs
    // proof that this site's own page sent it. (A bearer token is never sent by itself.)
    if (!isSafeMethod(c.req.method) && !bearer && !isSameOrigin(c, access.edge)) {
      return refuse(c, access, 403, 'Cross-site request refused: state-changing requests must come from this site\'s own pages (Origin or Sec-Fetch-Site).');
    }


    await next();

    // Refusals by the handlers (a role or scope that does not allow it) are audited too.
    if (!c.get('audited') && isApi && (c.res.status === 403 || c.res.status === 401)) {
      audit(c, access, { action: 'denied', outcome: 'denied' });
    }
  };
}

function refuse(c: Context<AccessEnv>, access: Access, status: 401 | 403, message: string): Response {
  audit(c, access, { action: 'denied', outcome: 'denied', status, detail: message.split(':')[0] });
  c.header('Cache-Control', 'no-store');
  return c.json({ error: message }, status);
}

export function audit(
  c: Context<AccessEnv>,
  access: Access,
  entry: { action: 'metric_read' | 'export' | 'denied' | 'read'; outcome: 'ok' | 'denied' | 'failed' | 'error'; status?: number; detail?: string },
): void {
  const p = c.get('principal');
  c.set('audited', true);
  const query = c.req.query();
  access.audit.record({
    username: p?.user.username ?? null,
    role: p?.user.role ?? null,
    userOrg: p?.user.org ?? null,
    action: entry.action,
    method: c.req.method,
    route: c.req.path,
    params: Object.keys(query).length ? query : null,
    org: c.get('auditOrg') ?? null,
    rowCount: c.get('auditRows') ?? null,
    status: entry.status ?? c.res.status,
    outcome: entry.outcome,
    ip: clientAddress(c, access.edge),
    detail: entry.detail ?? null,
  });
}
