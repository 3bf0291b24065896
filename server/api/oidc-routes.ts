/**
 * Single sign-on routes (OpenID Connect): /api/auth/oidc/login sends the browser to the provider
 * with PKCE, state and nonce; /api/auth/oidc/callback takes it back, checks the provider's answer,
 * provisions the user from the claims and opens a session. Any failure goes back to the sign-in
 * page with a message, and is audited. (The gate lets /api/auth/... through to strangers.)
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Access } from '../auth/access.js';
import { clientAddress, isTls, setSessionCookie, type AccessEnv } from '../auth/http.js';
import { LOGIN_TTL_MS, OidcClient, OidcError, identityFromClaims, provisionUser, type OidcIdentity } from '../auth/oidc.js';
import type { User } from '../auth/users.js';
import { safeNext } from './access-routes.js';

type App = OpenAPIHono<AccessEnv>;

/** Routes live under this path; the state cookie is sent to it only. */
const BASE = '/api/auth/oidc';
// `__Host-` needs Path=/, and this cookie is kept to the sign-on routes: over TLS it is
// `__Secure-` (the browser refuses it unless Secure).
const STATE_COOKIE_TLS = '__Secure-pi_oidc';
const STATE_COOKIE_PLAIN = 'pi_oidc';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The page answering a successful callback. Not a redirect: the session cookie is SameSite=Strict,
 * and a chain of redirects that began on the provider's site is a cross-site navigation, so the
 * browser would not send the new cookie with the first page. A meta refresh is a new navigation
 * started by this site's own page, which sends it. (No script: the policy allows none inline.)
 */
function renderSignedInPage(next: string): string {
  const url = escapeHtml(next);
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="0;url=${url}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signed in – Portal Insights</title>
</head>
<body>
<main style="font-family: Arial, sans-serif; max-width: 30rem; margin: 2.5rem auto;">
<h1>Signed in</h1>
<p><a href="${url}">Continue to Portal Insights</a></p>
</main>
</body>
</html>`;
}

export function registerOidcRoutes(app: App, access: Access): void {
  const settings = access.oidc;
  if (!settings) return;
  const oidc = new OidcClient(settings);
  const cookieName = (c: Context) => (isTls(c, access.edge) ? STATE_COOKIE_TLS : STATE_COOKIE_PLAIN);
  const clearStateCookie = (c: Context) => {
    const secure = isTls(c, access.edge);
    deleteCookie(c, secure ? STATE_COOKIE_TLS : STATE_COOKIE_PLAIN, { path: BASE, secure });
  };

  const record = (
    c: Context<AccessEnv>,
    entry: { outcome: 'ok' | 'failed' | 'denied'; status: number; detail: string; user?: User | null; username?: string | null },
  ) => {
    c.set('audited', true);
    access.audit.record({
      username: entry.user?.username ?? entry.username ?? null,
      role: entry.user?.role ?? null,
      userOrg: entry.user?.org ?? null,
      action: 'sign_in',
      method: c.req.method,
      route: c.req.path,
      status: entry.status,
      outcome: entry.outcome,
      ip: clientAddress(c, access.edge),
      detail: entry.detail.slice(0, 500),
    });
  };

  /** Back to the sign-in page with a message; audited; the provider's details go to the log and the audit, not the page. */
  const refuse = (c: Context<AccessEnv>, err: unknown, next: string, identity: OidcIdentity | null = null) => {
    const denied = err instanceof OidcError && err.kind === 'denied';
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof OidcError)) console.error('[oidc] single sign-on failed unexpectedly:', err);
    else if (!denied) console.warn(`[oidc] single sign-on did not complete: ${message}`);
    const username = identity?.username ?? (err instanceof OidcError ? err.username : null);
    record(c, { outcome: denied ? 'denied' : 'failed', status: 303, detail: `oidc: ${message}`, username });
    c.header('Cache-Control', 'no-store');
    return c.redirect(`/signin?error=${denied ? 'oidc_denied' : 'oidc'}&next=${encodeURIComponent(next)}`, 303);
  };

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: `${BASE}/login`, summary: 'Sign in with single sign-on',
      description:
        `Begins an OpenID Connect sign-in (authorization code flow with PKCE S256, state and nonce) at ${settings.issuer}: ` +
        'sets a short-lived (10 minutes) httpOnly, SameSite=Lax cookie scoped to /api/auth/oidc that ties the browser to ' +
        'this sign-in, and redirects to the provider. When the provider cannot be reached, redirects to the sign-in page with a message.',
      request: { query: z.object({ next: z.string().optional().openapi({ description: 'A path on this site to go to once signed in (default /).' }) }) },
      responses: {
        302: { description: "To the provider's sign-in page." },
        303: { description: 'The provider could not be reached: back to /signin?error=oidc.' },
      },
    }),
  );
  app.get(`${BASE}/login`, async (c) => {
    const next = safeNext(c.req.query('next'));
    let begun: Awaited<ReturnType<OidcClient['begin']>>;
    try {
      begun = await oidc.begin(next);
    } catch (err) {
      return refuse(c, err, next);
    }
    const secure = isTls(c, access.edge);
    // Lax, not Strict: the provider's redirect back to the callback is a cross-site navigation.
    setCookie(c, cookieName(c), begun.id, { path: BASE, httpOnly: true, sameSite: 'Lax', secure, maxAge: LOGIN_TTL_MS / 1000 });
    c.header('Cache-Control', 'no-store');
    return c.redirect(begun.url.href, 302);
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: `${BASE}/callback`, summary: 'Single sign-on callback',
      description:
        "Where the provider sends the browser back. Checks state, swaps the code for tokens with the PKCE verifier, checks the ID token's " +
        `nonce, and reads the user's role ('${settings.roleClaim}' claim) and organisation ('${settings.orgClaim}' claim, an organisation ` +
        'in the store). A new user is created (source oidc, no password); a known one gets the role and organisation the provider ' +
        'now says. Answers with a page that sets the session cookie and moves on to `next` (a page, not a redirect, so that the ' +
        'SameSite=Strict cookie is sent with it). Any failure redirects to /signin?error=oidc, or ?error=oidc_denied when the ' +
        'account has no usable role or organisation, or is disabled; both are audited.',
      request: {
        query: z.object({
          code: z.string().optional(),
          state: z.string().optional(),
          error: z.string().optional(),
          error_description: z.string().optional(),
        }),
      },
      responses: {
        200: { description: 'Signed in: the session cookie is set and the page moves on to `next`.', content: { 'text/html': { schema: z.string() } } },
        303: { description: 'Single sign-on did not complete, or the account has no access: to /signin with a message.' },
      },
    }),
  );
  app.get(`${BASE}/callback`, async (c) => {
    const pending = oidc.take(getCookie(c, cookieName(c)));
    clearStateCookie(c);
    if (!pending) return refuse(c, new OidcError('no sign-in in progress for this browser (the state cookie is missing, unknown or older than 10 minutes)'), '/');

    let identity: OidcIdentity | null = null;
    try {
      const claims = await oidc.finish(pending, new URL(c.req.url).searchParams);
      identity = identityFromClaims(settings, claims);
      const id = identity;
      const { user, changed } = await access.store.withConnection((conn) => provisionUser(conn, id));
      if (changed) access.credentials.forgetUser(user.id);
      const session = await access.openSession(user, 'oidc', { ip: clientAddress(c, access.edge), userAgent: c.req.header('user-agent') ?? null });
      setSessionCookie(c, session.token, access.edge, access.credentials.policy.absoluteMs / 1000);
      record(c, { outcome: 'ok', status: 200, detail: 'oidc', user });
      c.header('Cache-Control', 'no-store');
      return c.html(renderSignedInPage(pending.next));
    } catch (err) {
      return refuse(c, err, pending.next, identity);
    }
  });
}
