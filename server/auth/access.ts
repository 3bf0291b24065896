/**
 * Everything the server needs to decide who is asking and what they may see: credentials
 * (sessions and API tokens), the sign-in throttle, the audit log and the edge settings. One per
 * running app; tests build one with short timeouts and a fake clock.
 */
import type { Store } from '../store/store.js';
import { AuditLog } from './audit.js';
import { edgeOptionsFromEnv, type EdgeOptions } from './http.js';
import { DEFAULT_LOCKOUT, SignInThrottle, type LockoutPolicy } from './lockout.js';
import type { OidcSettings } from './oidc-settings.js';
import { oidcSettingsFromEnv } from './oidc-settings.js';
import { Credentials, sessionPolicyFromEnv, type SessionPolicy } from './sessions.js';
import { verifyPassword } from './hashing.js';
import { findUser, markSignedIn, normaliseUsername, passwordHashOf, type User } from './users.js';

export interface AccessOptions {
  sessions?: SessionPolicy;
  lockout?: LockoutPolicy;
  edge?: EdgeOptions;
  /** Single sign-on provider; null turns it off (default: from PORTAL_OIDC_* settings). */
  oidc?: OidcSettings | null;
  /** Audit entries are written in batches at most this long after they happen (ms). */
  auditFlushMs?: number;
  now?: () => number;
  /** Waits before answering a throttled sign-in (tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>;
}

export type SignInResult =
  | { ok: true; user: User; token: string; sessionId: string; expiresAt: string }
  | { ok: false; reason: 'invalid' | 'locked'; retryAfterSeconds?: number };

/** Said for a wrong name, a wrong password and a disabled account alike. */
export const SIGN_IN_FAILED = 'The username or password is not right.';

export class Access {
  readonly credentials: Credentials;
  readonly throttle: SignInThrottle;
  readonly audit: AuditLog;
  readonly edge: EdgeOptions;
  readonly oidc: OidcSettings | null;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly store: Store,
    options: AccessOptions = {},
  ) {
    const now = options.now ?? Date.now;
    this.credentials = new Credentials(store, options.sessions ?? sessionPolicyFromEnv(), now);
    this.throttle = new SignInThrottle(options.lockout ?? DEFAULT_LOCKOUT, now);
    this.audit = new AuditLog(store, options.auditFlushMs ?? 1000);
    this.edge = options.edge ?? edgeOptionsFromEnv();
    this.oidc = options.oidc === undefined ? oidcSettingsFromEnv() : options.oidc;
    this.sleep = options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
  }

  /** Checks a username and password, with the throttle; opens a session on success. */
  async signIn(rawUsername: string, password: string, client: { ip: string; userAgent: string | null }): Promise<SignInResult> {
    const username = normaliseUsername(rawUsername).slice(0, 200);
    const verdict = this.throttle.check(username, client.ip);
    if (!verdict.allowed) return { ok: false, reason: 'locked', retryAfterSeconds: Math.ceil(verdict.retryAfterMs / 1000) };
    if (verdict.delayMs > 0) await this.sleep(verdict.delayMs);

    const [hash, user] = await this.store.withConnection(async (conn) => [await passwordHashOf(conn, username), await findUser(conn, username)] as const);
    const passwordOk = await verifyPassword(user && !user.disabled ? hash : null, password);
    if (!user || user.disabled || !passwordOk) {
      this.throttle.failed(username, client.ip);
      return { ok: false, reason: 'invalid' };
    }
    this.throttle.succeeded(username);
    return this.openSession(user, 'password', client);
  }

  async openSession(user: User, method: 'password' | 'oidc', client: { ip: string; userAgent: string | null }): Promise<SignInResult & { ok: true }> {
    const session = await this.credentials.createSession(user, method, client);
    await this.store.withConnection((conn) => markSignedIn(conn, user.id));
    return { ok: true, user, token: session.token, sessionId: session.id, expiresAt: session.expiresAt };
  }

  async close(): Promise<void> {
    await this.audit.flush();
  }
}
