/**
 * Extracts: one DuckDB file per scope (an organisation's subtree) holding only that scope's rows of
 * the analysts' tables (tables.ts, queries/workbench/). This is the workbench's real boundary:
 * analysts' SQL runs on an extract in a sandbox process, never on the store, so whatever it does,
 * there is nothing else to reach. Built by the server from the store on first use and again when
 * the data version changes; written to a temporary name and renamed, so a sandbox only ever opens
 * a complete file. Files are readable by this user only.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Store } from '../store/store.js';
import { readDataVersion } from '../api/context.js';
import { sqlLiteral } from '../store/sql-literal.js';
import { loadWorkbenchSql, WORKBENCH_TABLES } from './tables.js';

const DEFAULT_EXTRACT_DIR = 'data/extracts';

export interface Extract {
  scope: string;
  dataVersion: string;
  path: string;
  builtMs: number;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Organisation codes are letters and digits (the API checks); file names use nothing else. */
const safeCode = (code: string) => {
  if (!/^[A-Za-z0-9]{1,16}$/.test(code)) throw new Error(`Not an organisation code: ${code}`);
  return code;
};

async function fillScopeTables(conn: DuckDBConnection, scope: string, root: string | null): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE scope_orgs AS SELECT org_code FROM rollup_org_tree WHERE ancestor_code = $scope`, { scope });
  await conn.run(`CREATE OR REPLACE TEMP TABLE scope_ancestors AS SELECT ancestor_code AS org_code FROM rollup_org_tree WHERE org_code = $scope AND depth > 0`, { scope });
  const type = (await conn.runAndReadAll(`SELECT org_type FROM organisations WHERE org_code = $scope`, { scope })).getRows()[0]?.[0];
  const byOrg = type === 'trust' || type === 'community';
  await conn.run(`CREATE OR REPLACE TEMP TABLE scope_settings AS SELECT $byOrg::BOOLEAN AS by_org`, { byOrg });
  if (scope === root) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE scope_patients AS SELECT patient_id FROM patients`);
  } else if (!byOrg) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE scope_patients AS SELECT patient_id FROM patients WHERE practice_code IN (SELECT org_code FROM scope_orgs)`);
  } else {
    // A trust or community service has no registered patients: its patients are those its events reached.
    await conn.run(`CREATE OR REPLACE TEMP TABLE scope_patients AS
      SELECT patient_id FROM enrolment_events WHERE org_code IN (SELECT org_code FROM scope_orgs)
      UNION SELECT patient_id FROM usage_events WHERE org_code IN (SELECT org_code FROM scope_orgs)
      UNION SELECT patient_id FROM record_feeds WHERE source_org_code IN (SELECT org_code FROM scope_orgs)`);
  }
}

/** Writes the scope's extract to `target` from the store's current data; returns its data version. */
async function buildExtract(conn: DuckDBConnection, scope: string, root: string | null, target: string, sql = loadWorkbenchSql()): Promise<string> {
  const alias = `extract_${Math.random().toString(36).slice(2, 10)}`;
  rmSync(target, { force: true });
  rmSync(`${target}.wal`, { force: true });
  for (let attempt = 1; ; attempt++) {
    const before = await readDataVersion(conn);
    await fillScopeTables(conn, scope, root);
    await conn.run(`ATTACH ${sqlLiteral(target)} AS ${alias}`);
    try {
      await conn.run('BEGIN TRANSACTION');
      // The tables are read in one snapshot: the version read inside it is the one they hold, and
      // if an import committed since the scope was worked out, the scope is worked out again.
      const version = await readDataVersion(conn);
      if (version !== before && attempt < 3) {
        await conn.run('ROLLBACK');
        continue;
      }
      for (const table of WORKBENCH_TABLES) {
        await conn.run(`CREATE TABLE ${alias}.${quoteIdent(table.name)} AS ${sql[table.name]}`);
        await conn.run(`COMMENT ON TABLE ${alias}.${quoteIdent(table.name)} IS ${sqlLiteral(table.description)}`);
        for (const c of table.columns) {
          await conn.run(`COMMENT ON COLUMN ${alias}.${quoteIdent(table.name)}.${quoteIdent(c.name)} IS ${sqlLiteral(c.description)}`);
        }
      }
      await conn.run('COMMIT');
      return version;
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      await conn.run(`DETACH ${alias}`).catch(() => {});
    }
  }
}

/**
 * The extracts of this server: built on first use and when the data version moves on, one build
 * at a time (a build reads much of the store), at most one build per scope in flight.
 */
export class Extracts {
  private readonly current = new Map<string, Extract>();
  private readonly building = new Map<string, Promise<Extract>>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly sql = loadWorkbenchSql();
  readonly dir: string;

  private prepared = false;

  constructor(
    private readonly store: Store,
    dir = process.env.PORTAL_EXTRACT_DIR ?? DEFAULT_EXTRACT_DIR,
    private readonly onReplaced: (old: Extract) => void = () => {},
  ) {
    this.dir = resolve(dir);
  }

  /**
   * On first use: the folder, private to this user, and no leftovers of earlier runs (they may be
   * of older data, and are rebuilt on demand). Files name the process that wrote them, so two
   * servers sharing the folder (tests) never remove each other's.
   */
  private prepare(): void {
    if (this.prepared) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const f of readdirSync(this.dir)) {
      const pid = Number(/^[A-Za-z0-9]+\.(\d+)\./.exec(f)?.[1]);
      if (pid && pid !== process.pid && processAlive(pid)) continue;
      if (pid !== process.pid) rmSync(join(this.dir, f), { force: true });
    }
    this.prepared = true;
  }

  /**
   * The scope's extract for the store's current data version. Built on first use (the caller
   * waits). When an import has moved the data on, the newer extract is built in the background and
   * the previous one keeps answering until it is ready (its data version says which data a result
   * is of), so an analyst never waits a whole build for each scheduled import.
   */
  async get(scope: string, dataVersion: string, root: string | null): Promise<Extract> {
    safeCode(scope);
    const have = this.current.get(scope);
    if (have && have.dataVersion === dataVersion && existsSync(have.path)) return have;
    const key = `${scope}@${dataVersion}`;
    let build = this.building.get(key);
    if (!build) {
      build = this.enqueue(() => this.build(scope, root)).finally(() => this.building.delete(key));
      this.building.set(key, build);
      build.catch((err: Error) => console.error(`[sql] building the extract of ${scope} failed: ${err.message}`));
    }
    if (have && existsSync(have.path)) return have;
    return build;
  }

  /** Waits for any extract being built (tests and the bench). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.building.values()]);
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }

  private async build(scope: string, root: string | null): Promise<Extract> {
    this.prepare();
    const t0 = performance.now();
    const tmp = join(this.dir, `${scope}.${process.pid}.${Date.now()}.tmp`);
    try {
      const dataVersion = await this.store.withConnection((conn) => buildExtract(conn, scope, root, tmp, this.sql));
      const path = join(this.dir, `${scope}.${process.pid}.v${dataVersion.replace(/[^A-Za-z0-9]/g, '')}-${Date.now().toString(36)}.duckdb`);
      chmodSync(tmp, 0o600);
      renameSync(tmp, path);
      const extract: Extract = { scope, dataVersion, path, builtMs: Math.round(performance.now() - t0) };
      const old = this.current.get(scope);
      this.current.set(scope, extract);
      if (old) this.onReplaced(old);
      return extract;
    } finally {
      rmSync(tmp, { force: true });
      rmSync(`${tmp}.wal`, { force: true });
    }
  }

  /** Deletes an extract's file (after its sandbox has closed). */
  remove(extract: Extract): void {
    rmSync(extract.path, { force: true });
    rmSync(`${extract.path}.wal`, { force: true });
  }
}

/** Each analysts' table's columns and DuckDB types, worked out from its SELECT without running it. */
export async function describeWorkbenchTables(conn: DuckDBConnection, sql = loadWorkbenchSql()): Promise<Record<string, { name: string; type: string }[]>> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE scope_orgs (org_code VARCHAR)`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE scope_ancestors (org_code VARCHAR)`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE scope_settings (by_org BOOLEAN)`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE scope_patients (patient_id INTEGER)`);
  const out: Record<string, { name: string; type: string }[]> = {};
  for (const table of WORKBENCH_TABLES) {
    const rows = (await conn.runAndReadAll(`DESCRIBE ${sql[table.name]}`)).getRowObjectsJS() as { column_name: string; column_type: string }[];
    out[table.name] = rows.map((r) => ({ name: r.column_name, type: r.column_type }));
  }
  return out;
}
