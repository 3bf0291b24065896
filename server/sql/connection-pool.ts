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
 * Nothing a query can run changes a connection (one read-only query, configuration locked), so one
 * is handed on as it is; an interrupted one is closed with its plans, never reused.
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
}

export class ConnectionPool {
  private readonly idle: PooledConnection[] = [];

  constructor(
    private readonly open: () => Promise<DuckDBConnection>,
    private readonly limits: PoolLimits = { connections: 4, plansPerConnection: 16 },
  ) {}

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

  /** Keeps `plan` (prepared on `held`'s connection from a text that passed the check) for the next run of `sql`. */
  remember(held: PooledConnection, sql: string, plan: DuckDBPreparedStatement): void {
    held.plans.set(sql, plan);
    while (held.plans.size > this.limits.plansPerConnection) {
      const [oldest, old] = held.plans.entries().next().value as [string, DuckDBPreparedStatement];
      held.plans.delete(oldest);
      old.destroySync();
    }
  }

  /** Hands a connection back when its query is over: kept if it may be reused and there is room, else closed. */
  give(held: PooledConnection, reusable: boolean): void {
    if (reusable && this.idle.length < this.limits.connections) {
      this.idle.push(held);
      return;
    }
    close(held);
  }

  /** Idle connections now (for tests). */
  get size(): number {
    return this.idle.length;
  }
}

function close(held: PooledConnection): void {
  for (const plan of held.plans.values()) plan.destroySync();
  held.plans.clear();
  held.conn.closeSync();
}
