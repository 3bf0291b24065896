/**
 * Server-side sessions and API tokens. The browser's cookie and a script's bearer token are random
 * opaque tokens; the store keeps only their hashes, so sessions can be listed, expired (idle and
 * absolute timeouts) and revoked. Looked-up principals are kept in memory for a few seconds so
 * that a signed request costs no store query on the hot metric path; every revocation made
 * through this server drops them at once (another process cannot write the store while the
 * server holds it, so nothing else can revoke behind its back).
 */
import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Store } from '../store/store.js';
import { API_TOKEN_PREFIX, SESSION_PREFIX, hashToken, newToken } from './hashing.js';
import { findUserById, type User } from './users.js';
import type { SessionInfo, TokenInfo } from '../api/access-shapes.js';

export type { SessionInfo, TokenInfo } from '../api/access-shapes.js';

export interface SessionPolicy {
  /** Signed out after this long without a request. */
  idleMs: number;
  /** Signed out this long after signing in, however active. */
  absoluteMs: number;
}

export function sessionPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): SessionPolicy {
  const minutes = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number of minutes (got '${raw}')`);
    return n;
  };
  return { idleMs: minutes('PORTAL_SESSION_IDLE_MIN', 30) * 60_000, absoluteMs: minutes('PORTAL_SESSION_MAX_MIN', 12 * 60) * 60_000 };
}

export type AuthMethod = 'password' | 'oidc';

/** Who is asking, and through what. */
export interface Principal {
  user: User;
  via: 'session' | 'token';
  /** The session's public handle, or the token's id. */
  credentialId: string;
}

interface CachedSession {
  principal: Principal;
  userId: number;
  createdAt: number;
  lastSeenAt: number;
  lastSeenWritten: number;
  expiresAt: number;
  fetchedAt: number;
}

interface CachedToken {
  principal: Principal;
  userId: number;
  fetchedAt: number;
  lastUsedWritten: number;
}

const CACHE_MS = 15_000;
/**
 * A remembered credential is re-read in the background once this old, while requests keep using
 * it: under load every request would otherwise wait for the re-read at CACHE_MS, and a query waits
 * its turn for hundreds of milliseconds while an import runs. A revocation by another process is
 * still seen within CACHE_MS, as before (past it, requests wait for the store's answer).
 */
const REFRESH_MS = 10_000;
/** last_seen_at / last_used_at are written at most this often per credential. */
const TOUCH_MS = 60_000;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Runs a write to sessions/tokens again when DuckDB reports a write-write conflict (two
 * transactions updating the same row at once: a revocation racing a last-seen update). A
 * revocation must never fail for that.
 */
async function retryOnConflict<T>(write: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await write();
    } catch (err) {
      if (i >= tries || !/Conflict/i.test((err as Error).message)) throw err;
      await new Promise((done) => setTimeout(done, 5 * i));
    }
  }
}
const TS = (col: string) => `strftime(${col} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ')`;

export class Credentials {
  private readonly sessions = new Map<string, CachedSession>();
  private readonly tokens = new Map<string, CachedToken>();
  /** Counts revocations begun and ended: a lookup that overlapped one does not cache its answer. */
  private revocations = 0;
  /** Store reads under way, by credential, with the revocation count when each began. */
  private readonly lookups = new Map<string, { epoch: number; pending: Promise<unknown> }>();

  constructor(
    private readonly store: Store,
    readonly policy: SessionPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  // ---- sessions ------------------------------------------------------------------------------

  async createSession(user: User, method: AuthMethod, client: { ip?: string | null; userAgent?: string | null } = {}): Promise<{ token: string; id: string; expiresAt: string }> {
    const token = newToken(SESSION_PREFIX);
    const id = randomBytes(9).toString('base64url');
    const now = this.now();
    const expiresAt = now + this.policy.absoluteMs;
    await this.store.withConnection((conn) =>
      conn.run(
        `INSERT INTO sessions (token_hash, session_id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, method)
         VALUES ($h, $id, $u, $now::TIMESTAMPTZ, $now::TIMESTAMPTZ, $exp::TIMESTAMPTZ, $ip, $ua, $m)`,
        { h: hashToken(token), id, u: user.id, now: iso(now), exp: iso(expiresAt), ip: client.ip ?? null, ua: client.userAgent?.slice(0, 300) ?? null, m: method } as never,
      ),
    );
    return { token, id, expiresAt: iso(expiresAt) };
  }

  /** The signed-in principal for a session token, or null when unknown, expired, revoked or disabled. */
  async resolveSession(token: string): Promise<Principal | null> {
    if (!token.startsWith(SESSION_PREFIX)) return null;
    const hash = hashToken(token);
    const now = this.now();
    let s = this.sessions.get(hash);
    if (!s || now - s.fetchedAt > CACHE_MS) {
      s = (await this.lookupSession(hash)) ?? undefined;
      if (!s) return null;
    } else if (now - s.fetchedAt > REFRESH_MS && !this.lookups.has(`s:${hash}`)) {
      this.lookupSession(hash).catch((err: Error) => console.error('[auth] could not re-read a session:', err.message));
    }
    if (now >= s.expiresAt || now - s.lastSeenAt >= this.policy.idleMs) {
      this.sessions.delete(hash);
      return null;
    }
    s.lastSeenAt = now;
    if (now - s.lastSeenWritten >= TOUCH_MS) {
      s.lastSeenWritten = now;
      this.recordUse(`UPDATE sessions SET last_seen_at = $t::TIMESTAMPTZ WHERE token_hash = $h`, hash, now, 'session activity');
    }
    return s.principal;
  }

  /** Writes when a credential was last used, off the request's path (`update` binds $t and $h). */
  private recordUse(update: string, hash: string, now: number, what: string): void {
    void retryOnConflict(() => this.store.withConnection((conn) => conn.run(update, { t: iso(now), h: hash } as never))).catch((err: Error) =>
      console.error(`[auth] could not record ${what}:`, err.message),
    );
  }

  /** Reads a session and remembers it; one read at a time per session (see once). */
  private lookupSession(hash: string): Promise<CachedSession | null> {
    return this.once(`s:${hash}`, async () => {
      const epoch = this.revocations;
      const s = await this.loadSession(hash, this.sessions.get(hash));
      if (!s) {
        this.sessions.delete(hash);
        return null;
      }
      // Not remembered if a revocation ran meanwhile: what was read may predate it.
      if (epoch === this.revocations) this.sessions.set(hash, s);
      return s;
    });
  }

  /**
   * One store read at a time per credential: when a remembered one is due, every request carrying
   * it (hundreds at once under load) shares one read. A read begun before a revocation is never
   * shared with a request that came after it: it may have read the credential as still valid.
   */
  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const epoch = this.revocations;
    const running = this.lookups.get(key);
    if (running && running.epoch === epoch) return running.pending as Promise<T>;
    const pending = load().finally(() => {
      if (this.lookups.get(key)?.pending === pending) this.lookups.delete(key);
    });
    this.lookups.set(key, { epoch, pending });
    return pending;
  }

  private async loadSession(hash: string, previous: CachedSession | undefined): Promise<CachedSession | null> {
    return this.store.withConnection(async (conn) => {
      const row = (
        await conn.runAndReadAll(
          `SELECT session_id, user_id, epoch_ms(created_at) AS c, epoch_ms(last_seen_at) AS l, epoch_ms(expires_at) AS e
           FROM sessions WHERE token_hash = $h AND revoked_at IS NULL`,
          { h: hash },
        )
      ).getRowObjectsJS()[0] as { session_id: string; user_id: number; c: bigint | number; l: bigint | number; e: bigint | number } | undefined;
      if (!row) return null;
      const user = await findUserById(conn, Number(row.user_id));
      if (!user || user.disabled) return null;
      const lastSeen = Math.max(Number(row.l), previous?.lastSeenAt ?? 0);
      return {
        principal: { user, via: 'session', credentialId: row.session_id },
        userId: user.id,
        createdAt: Number(row.c),
        lastSeenAt: lastSeen,
        lastSeenWritten: Number(row.l),
        expiresAt: Number(row.e),
        fetchedAt: this.now(),
      };
    });
  }

  async revokeSessionByToken(token: string): Promise<void> {
    const hash = hashToken(token);
    this.revocations++;
    this.sessions.delete(hash);
    await retryOnConflict(() =>
      this.store.withConnection((conn) => conn.run(`UPDATE sessions SET revoked_at = now() WHERE token_hash = $h AND revoked_at IS NULL`, { h: hash } as never)),
    );
    // Forgotten again once the revocation is committed: a lookup while it was being written
    // may have remembered the session from the store as it was.
    this.revocations++;
    this.sessions.delete(hash);
  }

  /** Revokes one session by its public id; `userId` limits it to that user's own sessions. Returns whether one was revoked. */
  async revokeSession(id: string, userId?: number): Promise<boolean> {
    const forget = () => {
      this.revocations++;
      for (const [hash, s] of this.sessions) if (s.principal.credentialId === id) this.sessions.delete(hash);
    };
    forget();
    return retryOnConflict(() => this.store.withConnection(async (conn) => {
      const r = await conn.runAndReadAll(
        `UPDATE sessions SET revoked_at = now() WHERE session_id = $id AND revoked_at IS NULL ${userId !== undefined ? 'AND user_id = $u' : ''} RETURNING session_id`,
        (userId !== undefined ? { id, u: userId } : { id }) as never,
      );
      return r.getRows().length > 0;
    })).finally(forget);
  }

  /** Signs a user out everywhere (disabled, password reset, role or scope changed). */
  async revokeAllFor(userId: number): Promise<void> {
    this.forgetUser(userId);
    await retryOnConflict(() => this.store.withConnection((conn) => revokeAllDirect(conn, userId))).finally(() => this.forgetUser(userId));
  }

  /** Drops what is remembered of a user (their role or scope changed; tokens stay valid but are re-read). */
  forgetUser(userId: number): void {
    this.revocations++;
    for (const [hash, s] of this.sessions) if (s.userId === userId) this.sessions.delete(hash);
    for (const [hash, t] of this.tokens) if (t.userId === userId) this.tokens.delete(hash);
  }

  async listSessions(userId?: number): Promise<SessionInfo[]> {
    const now = this.now();
    return this.store.withConnection(async (conn) => {
      const rows = (
        await conn.runAndReadAll(
          `SELECT s.session_id, u.username, s.method, ${TS('s.created_at')} AS created_at, epoch_ms(s.last_seen_at) AS l,
                  ${TS('s.expires_at')} AS expires_at, s.ip, s.user_agent
           FROM sessions s JOIN users u USING (user_id)
           WHERE s.revoked_at IS NULL AND s.expires_at > $now::TIMESTAMPTZ AND s.last_seen_at > $idle::TIMESTAMPTZ
             ${userId !== undefined ? 'AND s.user_id = $u' : ''}
           ORDER BY s.last_seen_at DESC`,
          { now: iso(now), idle: iso(now - this.policy.idleMs), ...(userId !== undefined ? { u: userId } : {}) } as never,
        )
      ).getRowObjectsJS() as Array<Record<string, unknown>>;
      return rows.map((r) => {
        const cached = [...this.sessions.values()].find((s) => s.principal.credentialId === r.session_id);
        return {
          id: String(r.session_id),
          username: String(r.username),
          method: r.method === 'oidc' ? 'oidc' : 'password',
          createdAt: String(r.created_at),
          lastSeenAt: iso(Math.max(Number(r.l), cached?.lastSeenAt ?? 0)).replace(/\.\d{3}Z$/, 'Z'),
          expiresAt: String(r.expires_at),
          ip: r.ip === null ? null : String(r.ip),
          userAgent: r.user_agent === null ? null : String(r.user_agent),
        } satisfies SessionInfo;
      });
    });
  }

  // ---- API tokens ----------------------------------------------------------------------------

  async createToken(user: User, label: string): Promise<{ token: string; id: number }> {
    return this.store.withConnection((conn) => insertToken(conn, user.id, label));
  }

  async resolveToken(token: string): Promise<Principal | null> {
    if (!token.startsWith(API_TOKEN_PREFIX)) return null;
    const hash = hashToken(token);
    const now = this.now();
    let t = this.tokens.get(hash);
    if (!t || now - t.fetchedAt > CACHE_MS) {
      t = (await this.lookupToken(hash)) ?? undefined;
      if (!t) return null;
    } else if (now - t.fetchedAt > REFRESH_MS && !this.lookups.has(`t:${hash}`)) {
      this.lookupToken(hash).catch((err: Error) => console.error('[auth] could not re-read an API token:', err.message));
    }
    if (now - t.lastUsedWritten >= TOUCH_MS) {
      t.lastUsedWritten = now;
      this.recordUse(`UPDATE api_tokens SET last_used_at = $t::TIMESTAMPTZ WHERE token_hash = $h`, hash, now, 'token use');
    }
    return t.principal;
  }

  /** Reads a token and remembers it; one read at a time per token (see once). */
  private lookupToken(hash: string): Promise<CachedToken | null> {
    return this.once(`t:${hash}`, async () => {
      const epoch = this.revocations;
      const fetchedAt = this.now();
      const loaded = await this.store.withConnection(async (conn) => {
        const row = (
          await conn.runAndReadAll(`SELECT token_id, user_id FROM api_tokens WHERE token_hash = $h AND revoked_at IS NULL`, { h: hash })
        ).getRowObjectsJS()[0] as { token_id: number; user_id: number } | undefined;
        if (!row) return null;
        const user = await findUserById(conn, Number(row.user_id));
        return user && !user.disabled ? { user, id: Number(row.token_id) } : null;
      });
      if (!loaded) {
        this.tokens.delete(hash);
        return null;
      }
      const t: CachedToken = {
        principal: { user: loaded.user, via: 'token', credentialId: String(loaded.id) },
        userId: loaded.user.id,
        fetchedAt,
        lastUsedWritten: this.tokens.get(hash)?.lastUsedWritten ?? 0,
      };
      // Not remembered if a revocation ran meanwhile: what was read may predate it.
      if (epoch === this.revocations) this.tokens.set(hash, t);
      return t;
    });
  }

  async listTokens(userId?: number): Promise<TokenInfo[]> {
    return this.store.withConnection(async (conn) => {
      const rows = (
        await conn.runAndReadAll(
          `SELECT t.token_id, u.username, t.label, ${TS('t.created_at')} AS created_at, ${TS('t.last_used_at')} AS last_used_at
           FROM api_tokens t JOIN users u USING (user_id)
           WHERE t.revoked_at IS NULL ${userId !== undefined ? 'AND t.user_id = $u' : ''} ORDER BY t.created_at DESC`,
          (userId !== undefined ? { u: userId } : {}) as never,
        )
      ).getRowObjectsJS() as Array<Record<string, unknown>>;
      return rows.map((r) => ({
        id: Number(r.token_id),
        username: String(r.username),
        label: String(r.label),
        createdAt: String(r.created_at),
        lastUsedAt: r.last_used_at === null ? null : String(r.last_used_at),
      }));
    });
  }

  /** Revokes a token by id; `userId` limits it to that user's own tokens. Returns whether one was revoked. */
  async revokeToken(id: number, userId?: number): Promise<boolean> {
    const forget = () => {
      this.revocations++;
      for (const [hash, t] of this.tokens) if (t.principal.credentialId === String(id)) this.tokens.delete(hash);
    };
    forget();
    return retryOnConflict(() => this.store.withConnection(async (conn) => {
      const r = await conn.runAndReadAll(
        `UPDATE api_tokens SET revoked_at = now() WHERE token_id = $id AND revoked_at IS NULL ${userId !== undefined ? 'AND user_id = $u' : ''} RETURNING token_id`,
        (userId !== undefined ? { id, u: userId } : { id }) as never,
      );
      return r.getRows().length > 0;
    })).finally(forget);
  }
}

/** A new API token for a user: the token is returned once and only its hash is kept. */
export async function insertToken(conn: DuckDBConnection, userId: number, label: string): Promise<{ token: string; id: number }> {
  const token = newToken(API_TOKEN_PREFIX);
  const r = await conn.runAndReadAll(`INSERT INTO api_tokens (token_hash, user_id, label) VALUES ($h, $u, $l) RETURNING token_id`, {
    h: hashToken(token),
    u: userId,
    l: label,
  } as never);
  return { token, id: Number(r.getRows()[0]![0]) };
}

export async function revokeAllDirect(conn: DuckDBConnection, userId: number): Promise<void> {
  await conn.run(`UPDATE sessions SET revoked_at = now() WHERE user_id = $u AND revoked_at IS NULL`, { u: userId } as never);
}
