/**
 * Single sign-on with OpenID Connect (Microsoft Entra ID / NHSmail, or any certified provider),
 * through `openid-client`: the authorization code flow with PKCE (S256), state and nonce. The
 * provider's metadata is discovered on first use and kept; a provider that cannot be reached is
 * an OidcError the routes turn into the sign-in page's message, never a 500.
 *
 * What a person may do comes from the provider's claims: the username (settings.usernameClaim,
 * else preferred_username, else sub), the role (settings.roleClaim, else settings.defaultRole)
 * and the organisation (settings.orgClaim, which must name an organisation in the store).
 */
import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import * as client from 'openid-client';
import type { OidcSettings } from './oidc-settings.js';
import { ROLES, type Role } from './roles.js';
import { addUser, findUser, normaliseUsername, updateUser, usernameProblem, type User, type UserChanges } from './users.js';

/** Why single sign-on did not complete: `failed` (try again) or `denied` (the account has no access). */
export class OidcError extends Error {
  override name = 'OidcError';
  constructor(
    message: string,
    readonly kind: 'failed' | 'denied' = 'failed',
    /** Who the provider said it was, when known (for the audit). */
    readonly username: string | null = null,
  ) {
    super(message);
  }
}

/** A sign-in begun at /login and not yet finished at /callback. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  next: string;
  expiresAt: number;
}

export type Claims = Record<string, unknown>;

/** What the claims say about a person, once checked (the organisation is checked against the store later). */
export interface OidcIdentity {
  username: string;
  role: Role;
  org: string;
  displayName: string | null;
}

/** How long a sign-in may take at the provider (also the state cookie's lifetime). */
export const LOGIN_TTL_MS = 10 * 60_000;
/** Sign-ins begun and not finished, kept at most (the oldest are dropped first). */
const MAX_PENDING = 10_000;
/** Seconds allowed for each request to the provider (discovery, token, userinfo). */
const PROVIDER_TIMEOUT_S = 10;

/** Roles from the most to the least capable: a claim naming several gives the most capable. */
const BY_CAPABILITY: readonly Role[] = ['admin', 'analyst', 'cio', 'commissioner'];

export class OidcClient {
  private config: Promise<client.Configuration> | null = null;
  /**
   * Pending sign-ins are kept here, server-side, keyed by a random id that is all the browser's
   * cookie holds; no signed cookie. This keeps the PKCE verifier and the nonce from ever leaving
   * the server, makes each sign-in single-use (the entry is deleted when the callback reads it,
   * so a replayed callback finds nothing), and needs no key to manage. The cost: a restart in
   * the ten minutes between /login and /callback makes that person click again, and the state
   * is per process — which is all there is, since one server process holds the DuckDB store.
   */
  private readonly pending = new Map<string, PendingLogin>();

  constructor(
    readonly settings: OidcSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** The provider's configuration, discovered once; a failed discovery is tried again next time. */
  configuration(): Promise<client.Configuration> {
    if (!this.config) {
      const s = this.settings;
      let issuer: URL;
      try {
        issuer = new URL(s.issuer);
      } catch {
        return Promise.reject(new OidcError(`The single sign-on issuer '${s.issuer}' is not a URL (PORTAL_OIDC_ISSUER).`));
      }
      if (issuer.protocol !== 'https:' && !s.allowInsecure) {
        return Promise.reject(new OidcError(`The single sign-on issuer ${s.issuer} is not https (PORTAL_OIDC_ALLOW_HTTP=true allows it, for a provider on this machine only).`));
      }
      this.config = client
        .discovery(issuer, s.clientId, { client_secret: s.clientSecret }, client.ClientSecretBasic(s.clientSecret), {
          timeout: PROVIDER_TIMEOUT_S,
          ...(s.allowInsecure ? { execute: [client.allowInsecureRequests] } : {}),
        })
        .catch((err: unknown) => {
          this.config = null;
          throw new OidcError(`Could not read the single sign-on provider's configuration from ${s.issuer}: ${describe(err)}`);
        });
    }
    return this.config;
  }

  /** Begins a sign-in: remembers state, nonce, PKCE verifier and `next`; gives the provider's URL and the id for the cookie. */
  async begin(next: string): Promise<{ id: string; url: URL }> {
    const config = await this.configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const pending: PendingLogin = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier,
      next,
      expiresAt: this.now() + LOGIN_TTL_MS,
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scope,
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    const id = randomBytes(24).toString('base64url');
    this.remember(id, pending);
    return { id, url };
  }

  private remember(id: string, pending: PendingLogin): void {
    const now = this.now();
    // Kept in the order begun, which (with one lifetime for all) is the order they expire in.
    for (const [key, p] of this.pending) {
      if (p.expiresAt > now) break;
      this.pending.delete(key);
    }
    while (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(id, pending);
  }

  /** The pending sign-in for a cookie's id, once: it is forgotten as it is read. Null when unknown or expired. */
  take(id: string | undefined): PendingLogin | null {
    if (!id) return null;
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p && p.expiresAt > this.now() ? p : null;
  }

  /**
   * Finishes a sign-in: checks the provider's answer (state), swaps the code for tokens with the
   * PKCE verifier, checks the ID token (issuer, audience, expiry, nonce; as OIDC Core allows,
   * openid-client trusts the signature of an ID token received straight from the token endpoint
   * over TLS) and returns its claims, completed from the userinfo endpoint when the ID token lacks
   * the ones needed (providers following OIDC Core put scope claims there in the code flow).
   */
  async finish(pending: PendingLogin, query: URLSearchParams): Promise<Claims> {
    const config = await this.configuration();
    // The URL the provider sent the browser to, as registered (not as this server sees it
    // behind a proxy): openid-client sends it as redirect_uri to the token endpoint.
    const currentUrl = new URL(this.settings.redirectUri);
    currentUrl.search = query.toString();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw new OidcError(`The provider's answer was refused: ${describe(err)}`);
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new OidcError('The provider sent no ID token.');
    const claims: Claims = { ...idClaims };
    const needed = [this.settings.usernameClaim, this.settings.roleClaim, this.settings.orgClaim];
    if (needed.some((name) => claims[name] === undefined) && config.serverMetadata().userinfo_endpoint && tokens.access_token) {
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        for (const [k, v] of Object.entries(info)) if (claims[k] === undefined) claims[k] = v;
      } catch (err) {
        throw new OidcError(`Could not read the user's claims from the provider's userinfo endpoint: ${describe(err)}`);
      }
    }
    return claims;
  }
}

/** The person the claims describe, or an OidcError of kind `denied` saying what is missing. */
export function identityFromClaims(settings: OidcSettings, claims: Claims): OidcIdentity {
  const text = (name: string) => {
    const v = claims[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
  };

  // An e-mail address the provider says it has not verified names nobody in particular.
  const usable = (name: string) => (name === 'email' && claims.email_verified === false ? null : text(name));
  const rawName = usable(settings.usernameClaim) ?? text('preferred_username') ?? text('sub');
  if (!rawName) throw new OidcError('The provider named no user (no username claim, preferred_username or sub).', 'denied');
  const username = normaliseUsername(rawName);
  const badName = usernameProblem(username);
  if (badName) throw new OidcError(`The provider's username '${username.slice(0, 100)}' cannot be used: ${badName}`, 'denied');

  const role = roleFrom(claims[settings.roleClaim]) ?? settings.defaultRole;
  if (!role) {
    const raw = claims[settings.roleClaim];
    throw new OidcError(
      raw === undefined
        ? `No role: the provider sent no '${settings.roleClaim}' claim and no default role is set.`
        : `No role: the '${settings.roleClaim}' claim (${JSON.stringify(raw).slice(0, 100)}) names none of ${ROLES.join(', ')}.`,
      'denied',
      username,
    );
  }

  const orgRaw = claims[settings.orgClaim];
  const org = typeof orgRaw === 'string' ? orgRaw.trim() : Array.isArray(orgRaw) && orgRaw.length === 1 && typeof orgRaw[0] === 'string' ? orgRaw[0].trim() : '';
  if (!org) throw new OidcError(`No organisation: the provider sent no single '${settings.orgClaim}' claim.`, 'denied', username);
  if (!/^[A-Za-z0-9]{1,20}$/.test(org)) throw new OidcError(`The '${settings.orgClaim}' claim '${org.slice(0, 40)}' is not an organisation code.`, 'denied', username);

  return { username, role, org, displayName: text('name') };
}

/** A role from a claim: a string, or a list (Entra ID's app roles) of which the most capable role is taken. */
function roleFrom(value: unknown): Role | null {
  const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string').map((v) => v.trim().toLowerCase());
  return BY_CAPABILITY.find((r) => values.includes(r)) ?? null;
}

function describe(err: unknown): string {
  if (err instanceof OidcError) return err.message;
  if (err instanceof client.AuthorizationResponseError) return `${err.error}${err.error_description ? ` (${err.error_description})` : ''}`;
  if (err instanceof client.ResponseBodyError) return `${err.error}${err.error_description ? ` (${err.error_description})` : ''}`;
  const e = err as Error & { cause?: unknown; code?: string };
  const cause = e?.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e?.message ?? String(err)}${cause}`;
}

/**
 * Just-in-time provisioning: the user the identity names, created (source 'oidc', no password)
 * when new, or brought up to date when the provider's role, organisation or name changed.
 * Refuses (OidcError `denied`) an organisation not in the store, a disabled user, and a local
 * account of the same name (the provider does not get to take over a password account).
 * `changed` says whether role or organisation changed, so remembered sessions are re-read.
 */
export async function provisionUser(conn: DuckDBConnection, identity: OidcIdentity): Promise<{ user: User; created: boolean; changed: boolean }> {
  const found = (
    await conn.runAndReadAll(`SELECT org_code FROM organisations WHERE org_code = $o OR upper(org_code) = upper($o) ORDER BY org_code = $o DESC LIMIT 1`, { o: identity.org })
  ).getRows()[0];
  if (!found) throw new OidcError(`Organisation '${identity.org}' (from the provider) is not in the store.`, 'denied');
  const org = String(found[0]);

  const existing = await findUser(conn, identity.username);
  if (!existing) {
    try {
      const user = await addUser(conn, { username: identity.username, role: identity.role, org, password: null, displayName: identity.displayName, source: 'oidc' });
      return { user, created: true, changed: false };
    } catch (err) {
      // The same person finishing two sign-ins at once: the other one created the user.
      if (!(await findUser(conn, identity.username))) throw err;
      return provisionUser(conn, identity);
    }
  }
  if (existing.source !== 'oidc') throw new OidcError(`'${existing.username}' is a local account (username and password); single sign-on does not sign into it.`, 'denied');
  if (existing.disabled) throw new OidcError(`The account '${existing.username}' is disabled.`, 'denied');
  const changes: UserChanges = {};
  if (existing.role !== identity.role) changes.role = identity.role;
  if (existing.org !== org) changes.org = org;
  if (identity.displayName !== null && existing.displayName !== identity.displayName) changes.displayName = identity.displayName;
  if (!Object.keys(changes).length) return { user: existing, created: false, changed: false };
  const user = await updateUser(conn, existing.username, changes);
  return { user, created: false, changed: changes.role !== undefined || changes.org !== undefined };
}
