/**
 * The audit log: every sign-in (success and failure), metric read, export, SQL query and admin
 * action, with who, when, what and the outcome. Entries are buffered and written in batches, off
 * the request's path, so auditing does not slow the hot metric route; a read of the log writes
 * what is pending first. Never holds a password or a token: callers pass parameters that have
 * none (sign-in records the name typed, never the password).
 */
import type { Store } from '../store/store.js';

import type { AuditAction, AuditOutcome, AuditRecord } from '../api/access-shapes.js';

export { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditRecord } from '../api/access-shapes.js';

export interface AuditEntry {
  at?: Date;
  username: string | null;
  role?: string | null;
  userOrg?: string | null;
  action: AuditAction;
  method?: string | null;
  route?: string | null;
  params?: Record<string, unknown> | null;
  org?: string | null;
  rowCount?: number | null;
  status?: number | null;
  outcome: AuditOutcome;
  ip?: string | null;
  detail?: string | null;
}

export interface AuditQuery {
  from?: string;
  to?: string;
  username?: string;
  /** One action, or any of several (a user's SQL history: queries and downloads, in one read). */
  action?: AuditAction | readonly AuditAction[];
  outcome?: AuditOutcome;
  limit: number;
}

/** Entries held before a write is started without waiting for the timer. */
const CHUNK = 1000;

export class AuditLog {
  private pending: AuditEntry[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly flushAfterMs = 1000,
  ) {}

  record(entry: AuditEntry): void {
    this.pending.push({ ...entry, at: entry.at ?? new Date() });
    if (this.pending.length >= CHUNK) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushAfterMs);
      this.timer.unref?.();
    }
  }

  /** Writes everything recorded so far (in order, one flush at a time). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(() => (batch.length ? this.write(batch) : undefined));
    return this.flushing;
  }

  /**
   * Writes a batch as one INSERT of a JSON array, bound as a single parameter and unpacked by
   * DuckDB (a multi-row INSERT with a bound value per field took about 1 ms a row). Not DuckDB's
   * appender: its calls are synchronous, and its commit waits on the store's locks on the event
   * loop itself: while an import committed and checkpointed, one audit flush froze every request
   * for 0.7 s (seconds at full scale). Everything here runs on DuckDB's side of the async API. Ids
   * come from the table's own sequence, one query for the whole batch, so rows written by another
   * writer (the users CLI) never collide, and they follow the order the entries happened in.
   */
  private async write(batch: AuditEntry[]): Promise<void> {
    try {
      await this.store.withConnection(async (conn) => {
        const ids = (await conn.runAndReadAll(`SELECT nextval('audit_seq')::VARCHAR FROM range($n::BIGINT)`, { n: batch.length } as never)).getRows().map((r) => String(r[0]));
        const finite = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.trunc(v));
        const rows = batch.map((e, i) => ({
          id: ids[i]!,
          at: e.at!.toISOString(),
          username: e.username ?? null,
          role: e.role ?? null,
          user_org: e.userOrg ?? null,
          action: e.action,
          method: e.method ?? null,
          route: e.route ?? null,
          params: e.params ? JSON.stringify(e.params) : null,
          org: e.org ?? null,
          row_count: finite(e.rowCount),
          status: finite(e.status),
          outcome: e.outcome,
          ip: e.ip ?? null,
          detail: e.detail ?? null,
        }));
        // Columns in the table's order (queries/schema/009_access.sql); ids as text: JSON numbers are doubles.
        await conn.run(
          `INSERT INTO audit_log
           SELECT e.id::BIGINT, e.at::TIMESTAMPTZ, e.username, e.role, e.user_org, e.action, e.method, e.route, e.params,
                  e.org, e.row_count, e.status, e.outcome, e.ip, e.detail
           FROM (SELECT unnest(from_json($rows, '[{"id":"VARCHAR","at":"VARCHAR","username":"VARCHAR","role":"VARCHAR","user_org":"VARCHAR",
             "action":"VARCHAR","method":"VARCHAR","route":"VARCHAR","params":"VARCHAR","org":"VARCHAR","row_count":"BIGINT",
             "status":"INTEGER","outcome":"VARCHAR","ip":"VARCHAR","detail":"VARCHAR"}]')) AS e)
           ORDER BY e.id::BIGINT`,
          { rows: JSON.stringify(rows) } as never,
        );
      });
    } catch (err) {
      // The audit must not be lost silently: keep the entries for the next flush and say so.
      console.error(`[audit] could not write ${batch.length} audit entries (kept for the next attempt):`, (err as Error).message);
      this.pending.unshift(...batch);
      if (!this.timer) {
        this.timer = setTimeout(() => void this.flush(), this.flushAfterMs * 5);
        this.timer.unref?.();
      }
    }
  }

  async read(query: AuditQuery): Promise<AuditRecord[]> {
    await this.flush();
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: query.limit };
    const filter = (condition: string, name: string, value: string | undefined) => {
      if (value === undefined || value === '') return;
      where.push(condition);
      params[name] = value;
    };
    filter(`occurred_at >= $from::DATE`, 'from', query.from);
    filter(`occurred_at < $to::DATE + INTERVAL 1 DAY`, 'to', query.to);
    filter(`username = $username`, 'username', query.username?.toLowerCase());
    // One bound parameter per action ($action0, $action1, …): the values are never in the SQL text.
    const actions = typeof query.action === 'string' ? [query.action] : (query.action ?? []);
    if (actions.length > 0) {
      where.push(`action IN (${actions.map((_, i) => `$action${i}`).join(', ')})`);
      actions.forEach((a, i) => {
        params[`action${i}`] = a;
      });
    }
    filter(`outcome = $outcome`, 'outcome', query.outcome);
    return this.store.withConnection(async (conn) => {
      const rows = (
        await conn.runAndReadAll(
          `SELECT audit_id, strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS at, username, role, user_org, action, method,
                  route, params, org_code, row_count, status, outcome, ip, detail
           FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY audit_id DESC LIMIT $limit`,
          params as never,
        )
      ).getRowObjectsJS() as Array<Record<string, unknown>>;
      const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
      const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
      return rows.map((r) => ({
        id: Number(r.audit_id),
        at: String(r.at),
        username: text(r.username),
        role: text(r.role),
        userOrg: text(r.user_org),
        action: String(r.action),
        method: text(r.method),
        route: text(r.route),
        params: text(r.params),
        org: text(r.org_code),
        rowCount: num(r.row_count),
        status: num(r.status),
        outcome: String(r.outcome),
        ip: text(r.ip),
        detail: text(r.detail),
      }));
    });
  }
}
