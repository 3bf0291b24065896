/**
 * Facts about the store that every request needs (data version, freshness, the organisation
 * tree), read once per data version: imports bump data_version, which invalidates all of it.
 */
import { publications } from '../store/publications.js';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Store } from '../store/store.js';
import { META } from '../store/meta.js';

export interface OrgNode {
  code: string;
  name: string;
  type: string;
  parent: string | null;
  eligiblePopulation: number | null;
  goLiveDate: string | null;
  targetUptakePct: number | null;
  children: string[];
}

interface AsOf {
  latestEventAt: string | null;
  lastImportAt: string | null;
  dataVersion: string;
  /**
   * The day the programme began: its first go-live, cost, campaign or data day, whichever is
   * earliest. "Since the programme began" means from here (the dashboard's date preset), not
   * from a metric's default window.
   */
  programmeStart?: string | null;
}

export interface StoreFacts {
  dataVersion: string;
  asOf: AsOf;
  /** Latest reporting day with data (Europe/London), from the rollups. */
  latestDay: string | null;
  firstDay: string | null;
  orgs: OrgNode[];
  orgByCode: Map<string, OrgNode>;
  root: string | null;
  /**
   * The count of version publications (server/store/publications.ts) taken before this version was
   * read: while it stays the same and even, the store is still at this version (see atVersion).
   */
  publication?: number;
}

export async function readDataVersion(conn: DuckDBConnection): Promise<string> {
  const result = await conn.runAndReadAll(`SELECT value FROM store_meta WHERE key = $key`, { key: META.dataVersion });
  const row = result.getRows()[0];
  return row ? String(row[0]) : '0';
}

async function readFacts(conn: DuckDBConnection, dataVersion: string): Promise<StoreFacts> {
  const facts = (await conn.runAndReadAll(
    `SELECT strftime(latest_event_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS latest_event_at,
            latest_day::VARCHAR AS latest_day, first_day::VARCHAR AS first_day
     FROM rollup_facts LIMIT 1`,
  )).getRowObjectsJson()[0] as { latest_event_at: string | null; latest_day: string | null; first_day: string | null } | undefined;
  const lastImport = (await conn.runAndReadAll(
    `SELECT strftime(max(finished_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS at FROM ingest_runs WHERE status = 'succeeded'`,
  )).getRowObjectsJson()[0] as { at: string | null } | undefined;
  const start = (await conn.runAndReadAll(
    `SELECT min(d)::VARCHAR AS start FROM (
       SELECT min(go_live_date) AS d FROM organisations
       UNION ALL SELECT min(period_start) FROM programme_costs
       UNION ALL SELECT min(start_date) FROM campaigns
       UNION ALL SELECT first_day FROM rollup_facts)`,
  )).getRowObjectsJson()[0] as { start: string | null } | undefined;
  const orgRows = (await conn.runAndReadAll(
    `SELECT org_code, name, org_type, parent_code, eligible_population, go_live_date::VARCHAR AS go_live_date, target_uptake_pct
     FROM organisations ORDER BY org_code`,
  )).getRowObjectsJson() as Array<Record<string, string | number | null>>;

  const orgs: OrgNode[] = orgRows.map((r) => ({
    code: String(r.org_code),
    name: String(r.name),
    type: String(r.org_type),
    parent: r.parent_code === null ? null : String(r.parent_code),
    eligiblePopulation: r.eligible_population === null ? null : Number(r.eligible_population),
    goLiveDate: r.go_live_date === null ? null : String(r.go_live_date),
    targetUptakePct: r.target_uptake_pct === null ? null : Number(r.target_uptake_pct),
    children: [],
  }));
  const orgByCode = new Map(orgs.map((o) => [o.code, o]));
  for (const o of orgs) if (o.parent) orgByCode.get(o.parent)?.children.push(o.code);
  const roots = orgs.filter((o) => o.parent === null || !orgByCode.has(o.parent));
  const root = roots.find((o) => o.type === 'icb')?.code ?? roots[0]?.code ?? null;

  return {
    dataVersion,
    asOf: { latestEventAt: facts?.latest_event_at ?? null, lastImportAt: lastImport?.at ?? null, dataVersion, programmeStart: start?.start ?? null },
    latestDay: facts?.latest_day ?? null,
    firstDay: facts?.first_day ?? null,
    orgs,
    orgByCode,
    root,
  };
}

/** An answer's store read found a newer data version than the facts it was asked for. */
export class VersionMoved extends Error {
  constructor(readonly expected: string, readonly found: string) {
    super(`The data version moved from ${expected} to ${found} while answering`);
  }
}

/**
 * Runs `fn` in one read transaction that is at data version `version`, or throws VersionMoved. An
 * import publishes its rollups and their data version in one commit, so inside this snapshot the
 * rollups are exactly those of `version`: an answer computed here belongs to the version (and
 * ETag) it is keyed by, even when an import commits while it is computed.
 */
export async function atVersion<T>(conn: DuckDBConnection, version: string, fn: () => Promise<T>, publication?: number): Promise<T> {
  // The cheap check: no publication began since this version was read, nor while `fn` read.
  if (publication !== undefined && publication % 2 === 0 && publications.count === publication) {
    const result = await fn();
    if (publications.count === publication) return result;
    throw new VersionMoved(version, 'a newer version (published while answering)');
  }
  await conn.run('BEGIN TRANSACTION');
  try {
    const found = await readDataVersion(conn);
    if (found !== version) throw new VersionMoved(version, found);
    const result = await fn();
    await conn.run('COMMIT');
    return result;
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Caches StoreFacts per data version. The version itself is re-read when it is older than
 * `versionTtlMs` (default 500 ms): reading it costs a query (1-3 ms), which would dominate a cached
 * answer; an import's new data is therefore served about that long after it commits.
 *
 * The re-read happens beside the requests, not in front of them: while an import runs, a query
 * waits its turn on a busy store for up to hundreds of milliseconds, and every request that found
 * the version due (all of them, under load) waited with it, though its answer was cached. The
 * known facts are served meanwhile; an answer that does read the store checks there that it is of
 * the version it is keyed by (atVersion). With `versionTtlMs` 0 every request reads the version
 * itself (tests that move the version and expect the next request to see it).
 */
export class StoreContext {
  private facts: StoreFacts | undefined;
  private loading: Promise<StoreFacts> | undefined;
  private checking: Promise<string> | undefined;
  private refreshing: Promise<unknown> | undefined;
  private checkedAt = -Infinity;

  constructor(
    private readonly store: Store,
    private readonly versionTtlMs = 500,
  ) {}

  /** The facts of the store's latest data version (about `versionTtlMs` old at most). */
  async current(): Promise<StoreFacts> {
    if (this.facts && performance.now() - this.checkedAt < this.versionTtlMs) return this.facts;
    if (this.facts && this.versionTtlMs > 0) {
      this.refreshing ??= this.readVersion()
        .then((version) => this.at(version))
        .catch((err: Error) => console.error('[api] could not re-read the data version:', err.message))
        .finally(() => {
          this.refreshing = undefined;
        });
      return this.facts;
    }
    return this.at(await this.readVersion());
  }

  /** The same, re-reading the version now (an answer found the store has moved on). */
  async recheck(): Promise<StoreFacts> {
    return this.at(await this.readVersion());
  }

  private readVersion(): Promise<string> {
    if (!this.checking) {
      const checkedAt = performance.now();
      this.checking = this.store
        .withConnection(readDataVersion)
        .then((version) => {
          this.checkedAt = checkedAt;
          return version;
        })
        .finally(() => {
          this.checking = undefined;
        });
    }
    return this.checking;
  }

  private async at(version: string): Promise<StoreFacts> {
    if (this.facts?.dataVersion === version) return this.facts;
    if (!this.loading) {
      // Counted before the version is read: a publication after this moment makes it differ.
      const publication = publications.count;
      // In one transaction with its own read of the version, so the facts are that version's.
      this.loading = this.store
        .withConnection(async (conn) => {
          await conn.run('BEGIN TRANSACTION');
          try {
            return await readFacts(conn, await readDataVersion(conn));
          } finally {
            await conn.run('ROLLBACK');
          }
        })
        .then((facts) => {
          this.facts = { ...facts, publication };
          return this.facts;
        })
        .finally(() => {
          this.loading = undefined;
        });
    }
    const facts = await this.loading;
    return facts.dataVersion === version ? facts : this.recheck();
  }
}
