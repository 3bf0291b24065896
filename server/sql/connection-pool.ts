/**
 * A sandbox's idle connections, each with the plans of the queries it ran.
 *
 * Opening a connection is a round trip to DuckDB's threads, and planning a query is a good part of
 * a short one's time (1.4 ms of the 5 ms "uptake by practice" example at NWL scale). Analysts run
 * the same texts again and again — a gallery example, a saved query, a notebook's cell — and in a
 * sandbox a plan can never go stale: the extract is read-only and a newer one gets a new process.
 * So a finished query's connection is kept with its prepared statement, and the next run of the
 * same text on it executes that plan: no second parse, check or plan. A plan is only ever kept
 * after its text passed the statement check, and only the identical text reuses it.
 *
 * A kept plan holds memory DuckDB's memory_limit does not count (the constants worked out when it
 * was planned: `repeat('x', 200000000)` is 200 MB), so a plan is kept only when planning it grew the
 * process by little, at most a few per connection, and every kept plan is let go whenever the
 * process has grown past a ceiling (the memory limit and a margin).
 *
 * A query changes nothing on its connection (one read-only query, configuration locked) but for
 * setseed(), which seeds its random(): the sandbox closes the connection after such a query, and
 * an interrupted one, with their plans, never reusing them (statement-check.ts says which).
 */
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';

export interface PooledConnection {
  readonly conn: DuckDBConnection;
  /** Plans by their exact SQL text, least recently used first. */
  readonly plans: Map<string, DuckDBPreparedStatement>;
}

export interface PoolLimits {
  /** Idle connections kept. */
  connections: number;
  /** Plans kept per connection (the least recently used is freed past it). */
  plansPerConnection: number;
  /** A plan whose planning grew the process by more than this is not kept. */
  planGrowthBytes: number;
  /** Past this resident size, every kept plan is freed. */
  ceilingBytes: number;
}

const DEFAULT_POOL_LIMITS: PoolLimits = { connections: 4, plansPerConnection: 4, planGrowthBytes: 8 << 20, ceilingBytes: Infinity };

export class ConnectionPool {
  private readonly idle: PooledConnection[] = [];
  private readonly limits: PoolLimits;

  constructor(
    private readonly open: () => Promise<DuckDBConnection>,
    limits: Partial<PoolLimits> = {},
    /** The process's resident size now (a test gives its own). */
    private readonly residentBytes: () => number = () => process.memoryUsage.rss(),
  ) {
    this.limits = { ...DEFAULT_POOL_LIMITS, ...limits };
  }

  /** A connection for `sql`: an idle one that keeps its plan, else the last idle one, else a new one. */
  async take(sql: string): Promise<PooledConnection> {
    const withPlan = this.idle.findIndex((p) => p.plans.has(sql));
    if (withPlan >= 0) return this.idle.splice(withPlan, 1)[0]!;
    return this.idle.pop() ?? { conn: await this.open(), plans: new Map() };
  }

  /** The plan `held` keeps for `sql` (marked as just used), if any. */
  planFor(held: PooledConnection, sql: string): DuckDBPreparedStatement | undefined {
    const plan = held.plans.get(sql);
    if (plan) {
      held.plans.delete(sql);
      held.plans.set(sql, plan);
    }
    return plan;
  }

  /**
   * Keeps `plan` (prepared on `held`'s connection from a text that passed the check) for the next
   * run of `sql`, unless planning it grew the process by more than the limit (`grewBytes`, the
   * resident size after planning less before). False when it is not kept: the caller frees it.
   */
  remember(held: PooledConnection, sql: string, plan: DuckDBPreparedStatement, grewBytes: number): boolean {
    if (grewBytes > this.limits.planGrowthBytes) return false;
    held.plans.set(sql, plan);
    while (held.plans.size > this.limits.plansPerConnection) {
      const [oldest, old] = held.plans.entries().next().value as [string, DuckDBPreparedStatement];
      held.plans.delete(oldest);
      old.destroySync();
    }
    return true;
  }

  /** Hands a connection back when its query is over: kept if it may be reused and there is room, else closed. */
  give(held: PooledConnection, reusable: boolean): void {
    if (reusable && this.idle.length < this.limits.connections) this.idle.push(held);
    else close(held);
    if (this.residentBytes() > this.limits.ceilingBytes) {
      for (const p of this.idle) forget(p);
    }
  }

  /** Plans kept now, over every idle connection (for tests). */
  get plans(): number {
    return this.idle.reduce((n, p) => n + p.plans.size, 0);
  }

  /** Idle connections now (for tests). */
  get size(): number {
    return this.idle.length;
  }
}

function forget(held: PooledConnection): void {
  for (const plan of held.plans.values()) plan.destroySync();
  held.plans.clear();
}

function close(held: PooledConnection): void {
  forget(held);
  held.conn.closeSync();
}
