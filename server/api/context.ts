/**
 * Facts about the store that every request needs (data version, freshness, the organisation
 * tree), read once per data version: imports bump data_version, which invalidates all of it.
 */
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

/**
 * Caches StoreFacts per data version. The version itself is re-read when it is older than
 * `versionTtlMs` (default 500 ms): reading it costs a query (1-3 ms), which would dominate a cached
 * answer; an import's new data is therefore served at most that long after it commits.
 */
export class StoreContext {
  private facts: StoreFacts | undefined;
  private loading: Promise<StoreFacts> | undefined;
  private checkedAt = -Infinity;

  constructor(
    private readonly store: Store,
    private readonly versionTtlMs = 500,
  ) {}

  async current(): Promise<StoreFacts> {
    if (this.facts && performance.now() - this.checkedAt < this.versionTtlMs) return this.facts;
    const checkedAt = performance.now();
    const version = await this.store.withConnection(readDataVersion);
    this.checkedAt = checkedAt;
    if (this.facts?.dataVersion === version) return this.facts;
    if (!this.loading) {
      this.loading = this.store
        .withConnection((conn) => readFacts(conn, version))
        .then((facts) => {
          this.facts = facts;
          return facts;
        })
        .finally(() => {
          this.loading = undefined;
        });
    }
    const facts = await this.loading;
    return facts.dataVersion === version ? facts : this.current();
  }
}
