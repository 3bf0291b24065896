/**
 * The analysts' SQL workbench through its HTTP API: a sandbox that holds (every way out we know of
 * is refused or stopped with a clear message, never a 500, and the server answers afterwards), and
 * row-level scope the SQL cannot step around (proved with counts against the store).
 *
 * Region: the hand-built one of the metric known-answer tests (test/fixtures/metrics/
 * small-region.ts). Patients: P01 ids 1-40 and P02 ids 101-130 (CCG C01: 70 patients), P03 ids
 * 201-210 (CCG C02: 10); 80 in all. Expected counts of events are read from the store itself with
 * the scope written out by hand (practices P01 and P02 for C01; org T01 for the trust), so the
 * extract is checked against an independent statement of the rule.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { openStore, type Store } from '../../server/store/store.js';
import { createApp, type App } from '../../server/app.js';
import { Access } from '../../server/auth/access.js';
import { signedIn, type SignedInClient } from '../../server/auth/testing.js';
import { Workbench, workbenchSettingsFromEnv } from '../../server/sql/workbench.js';
import { WORKBENCH_TABLE_NAMES } from '../../server/sql/tables.js';
import { buildSmallRegion } from '../fixtures/metrics/small-region.js';

let dir: string;
let store: Store;
let app: App;
let region: SignedInClient;
let ccg: SignedInClient;
let trust: SignedInClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portal-sql-'));
  store = await openStore({ path: join(dir, 'portal.duckdb') });
  await buildSmallRegion(store);
  const workbench = new Workbench(store, {
    ...workbenchSettingsFromEnv({}),
    extractDir: join(dir, 'extracts'),
    timeoutMs: 2_000,
    exportTimeoutMs: 20_000,
    memoryLimit: '200MB',
    threads: 1,
    maxConcurrentPerUser: 2,
  });
  app = createApp({ store, workbench, access: new Access(store, { oidc: null, sleep: async () => {} }), versionTtlMs: 0 });
  region = await signedIn(app, { role: 'analyst' });
  ccg = await signedIn(app, { role: 'analyst', org: 'C01' });
  trust = await signedIn(app, { role: 'admin', org: 'T01' });
}, 60_000);

afterAll(async () => {
  await app.workbench.close();
  await app.access.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

type Answer = { status: number; body: Record<string, unknown> & { error?: string; code?: string; rows?: unknown[][]; columns?: { name: string; type: string }[] } };

async function run(client: SignedInClient, sql: string, extra: Record<string, unknown> = {}): Promise<Answer> {
  const res = await client.request('/api/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql, ...extra }) });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const value = async (client: SignedInClient, sql: string) => {
  const a = await run(client, sql);
  expect(a.status, a.body.error).toBe(200);
  return a.body.rows![0]![0];
};

async function storeCount(sql: string): Promise<number> {
  return store.withConnection(async (conn) => Number((await conn.runAndReadAll(sql)).getRows()[0]![0]));
}

async function serverStillAnswers() {
  expect((await region.request('/api/metrics/uptake?org=C01')).status).toBe(200);
  expect(await value(region, 'SELECT 42')).toBe(42);
}

describe('a query', () => {
  it('answers columns with their DuckDB types, rows, row count, truncation and time', async () => {
    const a = await run(region, 'SELECT practice_code, count(*) AS patients FROM patients GROUP BY ALL ORDER BY 1');
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      columns: [{ name: 'practice_code', type: 'VARCHAR' }, { name: 'patients', type: 'BIGINT' }],
      rows: [['P01', 40], ['P02', 30], ['P03', 10]],
      rowCount: 3,
      truncated: false,
      scope: expect.any(String),
    });
    expect(a.body.elapsedMs).toEqual(expect.any(Number));
  });

  it('shows the first `limit` rows of a 10-million-row result and says it is cut short', async () => {
    const a = await run(region, 'SELECT range AS n FROM range(10000000)', { limit: 1000 });
    expect(a.status).toBe(200);
    expect(a.body.rowCount).toBe(1000);
    expect(a.body.truncated).toBe(true);
    expect(a.body.rows!.at(-1)).toEqual([999]);
  });

  it('keeps exact values: big integers as text, decimals and dates readable', async () => {
    const a = await run(region, "SELECT 9007199254740993::BIGINT AS big, 12.50::DECIMAL(6,2) AS money, DATE '2026-02-28' AS d, [1,2] AS list");
    expect(a.body.rows).toEqual([['9007199254740993', 12.5, '2026-02-28', [1, 2]]]);
  });

  it('reports a syntax error with its position, and DuckDB\'s message for other errors', async () => {
    const syntax = await run(region, 'SELECT count(*) FROM patients WHERE');
    expect(syntax).toMatchObject({ status: 400, body: { code: 'syntax' } });
    expect(syntax.body.error).toMatch(/^Syntax error: syntax error at end of input/);
    expect(syntax.body.position).toEqual(expect.any(Number));
    const missing = await run(region, 'SELECT * FROM quarantine');
    expect(missing).toMatchObject({ status: 400, body: { code: 'invalid' } });
    expect(missing.body.error).toMatch(/Table with name quarantine does not exist/);
  });
});

describe('the sandbox holds', () => {
  const refusedOrBlocked: [string, string, RegExp][] = [
    ['a file read by table function', "SELECT * FROM read_csv('/etc/passwd')", /file system operations are disabled/],
    ['a text file read', "SELECT * FROM read_text('/etc/hostname')", /file system operations are disabled/],
    ['a Parquet file read', "SELECT * FROM read_parquet('/tmp/x.parquet')", /file system operations are disabled/],
    ['a JSON file read', "SELECT * FROM read_json_auto('/etc/os-release')", /file system operations are disabled/],
    ['a replacement scan of a path', "SELECT * FROM '/etc/passwd'", /does not exist/],
    ['a glob', "SELECT * FROM glob('/etc/*')", /file system operations are disabled/],
    ['getenv', "SELECT getenv('PORTAL_PSEUDO_KEY')", /getenv does not exist/],
    ['writing a file', "COPY (SELECT 1) TO '/tmp/out.csv'", /Only a query can run here/],
    ['ATTACH', "ATTACH '/tmp/other.duckdb' AS other", /Only a query can run here/],
    ['INSTALL', 'INSTALL httpfs', /Only a query can run here/],
    ['LOAD', 'LOAD httpfs', /Only a query can run here/],
    ['SET', "SET memory_limit = '100GB'", /Only a query can run here/],
    ['RESET', 'RESET memory_limit', /Only a query can run here/],
    ['SET VARIABLE', 'SET VARIABLE x = 1', /Only a query can run here/],
    ['PRAGMA (which DuckDB reports as a SELECT)', 'PRAGMA database_list', /Only a query can run here/],
    ['CALL', 'CALL pragma_version()', /Only a query can run here/],
    ['DDL', 'CREATE TABLE x AS SELECT 1', /Only a query can run here/],
    ['DML', "DELETE FROM patients", /Only a query can run here/],
    ['UPDATE', "UPDATE patients SET sex = 'X'", /Only a query can run here/],
    ['EXPLAIN ANALYZE', 'EXPLAIN ANALYZE SELECT 1', /Only a query can run here/],
    ['several statements', 'SELECT 1; SELECT 2', /Exactly one statement can run at a time; this has 2/],
    ['a query hiding a second statement', "SELECT 1; ATTACH '/tmp/x.duckdb'", /Only a query can run here|Exactly one statement/],
    ['an empty query', '   ', /Write a query first/],
  ];
  for (const [what, sql, message] of refusedOrBlocked) {
    it(`refuses ${what}`, async () => {
      const a = await run(ccg, sql);
      expect(a.status, JSON.stringify(a.body)).toBe(400);
      expect(a.body.error).toMatch(message);
    });
  }

  it("cannot read the store's own file, only its own extract", async () => {
    const storeFile = store.path.replace(/'/g, "''");
    const a = await run(ccg, `SELECT count(*) FROM '${storeFile}'`);
    expect(a.status).toBe(400);
    // The open extract's own path reads only what the extract holds anyway: C01's 70 patients.
    const extract = readdirSync(join(dir, 'extracts')).find((f) => f.startsWith('C01.') && f.endsWith('.duckdb'))!;
    const own = await run(ccg, `SELECT count(*) FROM patients`);
    expect(own.body.rows).toEqual([[70]]);
    expect(extract).toBeDefined();
  });

  it('shows no internal table through information_schema, duckdb_tables() or duckdb_columns()', async () => {
    const tables = (await run(ccg, 'SELECT table_name FROM information_schema.tables ORDER BY 1')).body.rows!.map((r) => r[0]);
    expect(tables).toEqual([...WORKBENCH_TABLE_NAMES].sort());
    const duck = (await run(ccg, 'SELECT DISTINCT database_name, table_name FROM duckdb_tables() ORDER BY 2')).body.rows!.map((r) => r[1]);
    expect(duck).toEqual([...WORKBENCH_TABLE_NAMES].sort());
    const cols = (await run(ccg, "SELECT count(*) FROM duckdb_columns() WHERE column_name IN ('pseudonym_key', 'password_hash', 'token_hash', 'key_high', 'value')")).body.rows;
    expect(cols).toEqual([[0]]);
    const dbs = (await run(ccg, 'SELECT count(*) FROM duckdb_databases() WHERE NOT internal')).body.rows;
    expect(dbs).toEqual([[1]]);
  });

  it('stops a query that would run for minutes at its time limit, with a clear message', async () => {
    const t0 = performance.now();
    const a = await run(ccg, 'SELECT count(*) FROM range(1000000000000) a');
    expect(a.status).toBe(422);
    expect(a.body.code).toBe('timeout');
    expect(a.body.error).toMatch(/ran for longer than the workbench allows \(2 s\)/);
    expect(performance.now() - t0).toBeLessThan(6_000);
    await serverStillAnswers();
  });

  it('stops a memory bomb at the memory limit, with a clear message', async () => {
    const a = await run(ccg, 'SELECT list(range) FROM range(2000000000)');
    expect(a.status).toBe(422);
    expect(a.body.code).toBe('memory');
    expect(a.body.error).toMatch(/needed more memory than the workbench allows \(200MB\)/);
    await serverStillAnswers();
  });

  it('cancels a running query by its id, and only its owner can', async () => {
    const queryId = 'cancel-me-0001';
    const pending = run(ccg, 'SELECT count(*) FROM range(1000000000000)', { queryId });
    await new Promise((r) => setTimeout(r, 400));
    expect((await region.request(`/api/sql/queries/${queryId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await ccg.request(`/api/sql/queries/${queryId}`, { method: 'DELETE' })).status).toBe(200);
    const a = await pending;
    expect(a).toMatchObject({ status: 409, body: { code: 'cancelled' } });
    await serverStillAnswers();
  });

  it('answers a text run again as it did the first time (its checked plan kept), and refuses a refused text again', async () => {
    const sql = 'SELECT practice_code, count(*) AS patients, min(birth_year) AS oldest FROM patients GROUP BY 1 ORDER BY 1';
    const first = await run(ccg, sql);
    expect(first.status).toBe(200);
    expect(first.body.rows?.length).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect((await run(ccg, sql)).body.rows).toEqual(first.body.rows);
    for (let i = 0; i < 2; i++) expect(await run(ccg, 'PRAGMA database_list')).toMatchObject({ status: 400, body: { code: 'refused' } });
  });

  it('draws a random sample anew at every run, and never hands a seeded connection to the next query', async () => {
    const sample = 'SELECT list(i ORDER BY i) AS picked FROM (SELECT * FROM range(100000) t(i) USING SAMPLE 20 ROWS)';
    const a = await run(ccg, sample);
    const b = await run(ccg, sample);
    expect(a.status).toBe(200);
    expect(b.body.rows).not.toEqual(a.body.rows); // 20 of 100,000 picked twice alike: never, in practice

    // What random() gives first after setseed(0.5), worked out on a DuckDB of the test's own.
    const own = await DuckDBInstance.create(':memory:');
    const conn = await own.connect();
    await conn.run('SELECT setseed(0.5)');
    const seeded = (await conn.runAndReadAll('SELECT random()')).getRows()[0]![0];
    conn.closeSync();
    own.closeSync();
    expect((await run(ccg, 'SELECT setseed(0.5) AS s')).status).toBe(200);
    expect((await run(ccg, 'SELECT random() AS r')).body.rows).not.toEqual([[seeded]]);
  });

  it('stops a query whose client went away', async () => {
    const client = new AbortController();
    const pending = ccg.request('/api/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT count(*) FROM range(1000000000000)' }), signal: client.signal });
    await new Promise((r) => setTimeout(r, 300));
    client.abort();
    const res = await pending;
    // Cancelled (409), not stopped at the 2 s time limit (422).
    expect(await res.json()).toMatchObject({ code: 'cancelled' });
    expect(res.status).toBe(409);
    await serverStillAnswers();
  });

  it('answers 429 past the per-user concurrency cap', async () => {
    const slow = [run(region, 'SELECT count(*) FROM range(1000000000000)'), run(region, 'SELECT count(*) FROM range(1000000000000)')];
    await new Promise((r) => setTimeout(r, 300));
    const third = await run(region, 'SELECT 1');
    expect(third.status).toBe(429);
    expect(third.body.error).toMatch(/You have 2 queries running/);
    expect((await run(ccg, 'SELECT 1')).status).toBe(200);
    await Promise.all(slow);
  });

  it('refuses roles without the workbench and strangers', async () => {
    const cio = await signedIn(app, { role: 'cio' });
    const res = await cio.request('/api/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT 1' }) });
    expect(res.status).toBe(403);
    expect((await cio.request('/api/sql/schema')).status).toBe(403);
    expect((await app.request('/api/sql/schema')).status).toBe(401);
  });
});

describe('row-level scope the SQL cannot step around', () => {
  it('a CCG analyst sees only that CCG\'s patients and their events, in every table', async () => {
    const c01Patients = await storeCount(`SELECT count(*) FROM patients WHERE practice_code IN ('P01', 'P02')`);
    expect(c01Patients).toBe(70);
    expect(await value(ccg, 'SELECT count(*) FROM patients')).toBe(c01Patients);
    expect(await value(ccg, 'SELECT count(DISTINCT practice_code) FROM patients')).toBe(2);
    for (const table of ['enrolment_events', 'usage_events', 'record_feeds', 'consent_events']) {
      const inStore = await storeCount(`SELECT count(*) FROM ${table} e JOIN patients p USING (patient_id) WHERE p.practice_code IN ('P01', 'P02')`);
      expect(await value(ccg, `SELECT count(*) FROM ${table}`), table).toBe(inStore);
      expect(await value(ccg, `SELECT count(*) FROM ${table} WHERE patient_id NOT IN (SELECT patient_id FROM patients)`), table).toBe(0);
    }
    expect(await value(ccg, "SELECT count(*) FROM daily_uptake WHERE practice_code NOT IN ('P01', 'P02')")).toBe(0);
    // reference data stays whole
    expect(await value(ccg, 'SELECT count(*) FROM organisations')).toBe(8);
  });

  it('the region analyst sees all 80 patients; patient_id is the pseudonym, never the internal key', async () => {
    expect(await value(region, 'SELECT count(*) FROM patients')).toBe(80);
    expect(await value(region, 'SELECT min(patient_id) FROM patients')).toBe(await store.withConnection(async (c) => String((await c.runAndReadAll('SELECT min(pseudonym) FROM patients')).getRows()[0]![0])));
  });

  it('a trust user sees the events at their trust and the patients they reached', async () => {
    const atTrust = await storeCount(`SELECT count(*) FROM usage_events WHERE org_code = 'T01'`);
    expect(atTrust).toBeGreaterThan(0);
    expect(await value(trust, 'SELECT count(*) FROM usage_events')).toBe(atTrust);
    expect(await value(trust, "SELECT count(*) FROM usage_events WHERE org_code <> 'T01'")).toBe(0);
    const reached = await storeCount(`SELECT count(DISTINCT patient_id) FROM (SELECT patient_id FROM enrolment_events WHERE org_code = 'T01' UNION SELECT patient_id FROM usage_events WHERE org_code = 'T01' UNION SELECT patient_id FROM record_feeds WHERE source_org_code = 'T01')`);
    expect(await value(trust, 'SELECT count(*) FROM patients')).toBe(reached);
  });

  it("a CCG analyst's export holds only that CCG's rows", async () => {
    const res = await ccg.request('/api/sql/export?format=csv', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT practice_code FROM patients ORDER BY 1' }) });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('practice_code');
    expect(lines.length - 1).toBe(70);
    expect(new Set(lines.slice(1))).toEqual(new Set(['P01', 'P02']));
  });

  it("a saved query shared by the region runs in the CCG analyst's own scope", async () => {
    const saved = await region.request('/api/sql/saved', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Patients', sql: 'SELECT count(*) FROM patients', shared: true }) });
    expect(saved.status).toBe(201);
    const list = (await (await ccg.request('/api/sql/saved')).json()) as { saved: { name: string; sql: string; mine: boolean; id: number }[] };
    const shared = list.saved.find((s) => s.name === 'Patients')!;
    expect(shared.mine).toBe(false);
    expect(await value(ccg, shared.sql)).toBe(70);
    // not the owner: cannot change or delete it
    expect((await ccg.request(`/api/sql/saved/${shared.id}`, { method: 'DELETE' })).status).toBe(404);
    // a private query is not listed to others
    await ccg.request('/api/sql/saved', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Mine only', sql: 'SELECT 1' }) });
    const regionList = (await (await region.request('/api/sql/saved')).json()) as { saved: { name: string }[] };
    expect(regionList.saved.map((s) => s.name)).not.toContain('Mine only');
  });
});

describe('downloads', () => {
  it('stream the whole result as CSV, not only the shown rows', async () => {
    const res = await region.request('/api/sql/export?format=csv', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT range AS n, \'a,b\' AS s FROM range(25000)' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="query_.+\.csv"/);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines.length).toBe(25_001);
    expect(lines[1]).toBe('0,"a,b"');
    expect(lines.at(-1)).toBe('24999,"a,b"');
  });

  it('write Parquet with the result\'s own types', async () => {
    const res = await region.request('/api/sql/export?format=parquet', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: "SELECT practice_code, count(*) AS n, DATE '2026-01-01' AS d FROM patients GROUP BY 1 ORDER BY 1" }) });
    expect(res.status).toBe(200);
    const file = join(dir, 'out.parquet');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const rows = (await conn.runAndReadAll(`SELECT practice_code, n, d::VARCHAR, typeof(n) FROM '${file}' ORDER BY 1`)).getRows();
    expect(rows).toEqual([['P01', 40n, '2026-01-01', 'BIGINT'], ['P02', 30n, '2026-01-01', 'BIGINT'], ['P03', 10n, '2026-01-01', 'BIGINT']]);
    conn.closeSync();
    db.closeSync();
  });

  it('for publication, apply the NHS rule to declared counts: 0 stays, 1-7 is *, others to the nearest 5', async () => {
    const sql = `SELECT * FROM (VALUES ('a', 0), ('b', 3), ('c', 7), ('d', 8), ('e', 12), ('f', 13), ('g', 70)) t(grp, patients)`;
    const res = await region.request('/api/sql/export?format=csv', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql, publication: { counts: ['patients'] } }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/for-publication\.csv/);
    expect((await res.text()).trim().split('\r\n')).toEqual(['grp,patients', 'a,0', 'b,*', 'c,*', 'd,10', 'e,10', 'f,15', 'g,70']);
  });

  it('for publication, refuse undeclared numeric columns and row-level identifiers', async () => {
    const post = (sql: string, publication: unknown) =>
      region.request('/api/sql/export?format=csv', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql, publication }) });
    const avg = await post('SELECT practice_code, count(*) AS n, avg(birth_year) AS mean_birth_year FROM patients GROUP BY 1', { counts: ['n'] });
    expect(avg.status).toBe(400);
    expect(((await avg.json()) as { error: string }).error).toMatch(/Numeric column\(s\) mean_birth_year are neither declared counts/);
    const ids = await post('SELECT patient_id, 1 AS n FROM patients', { counts: ['n'] });
    expect(((await ids.json()) as { error: string }).error).toMatch(/row-level identifier column\(s\) patient_id/);
    const dim = await post('SELECT imd_decile, count(*) AS n FROM patients GROUP BY 1 ORDER BY 1', { counts: ['n'], dimensions: ['imd_decile'] });
    expect(dim.status).toBe(200);
    expect((await dim.text()).trim().split('\r\n')).toEqual(['imd_decile,n', '1,10', '2,10', '3,10', '5,30', '9,10', '10,10']);
  });
});

describe('the example gallery', () => {
  it('offers each example with a title and its question, and every one runs on the region', async () => {
    const { examples } = (await (await ccg.request('/api/sql/examples')).json()) as { examples: { name: string; title: string; description: string; sql: string }[] };
    expect(examples.map((e) => e.title)).toEqual([
      'Uptake by practice this month',
      'Weekly active patients by age band',
      'Record items received per source organisation',
      'The enrolment funnel by channel',
      'Objections to data sharing by month',
    ]);
    for (const e of examples) {
      const a = await run(region, e.sql);
      expect(a.status, `${e.name}: ${a.body.error}`).toBe(200);
      expect(a.body.rowCount, e.name).toBeGreaterThan(0);
    }
  });

  it('answers uptake by practice with figures worked out from the story', async () => {
    const { examples } = (await (await ccg.request('/api/sql/examples')).json()) as { examples: { name: string; sql: string }[] };
    const a = await run(region, examples.find((e) => e.name === 'uptake_by_practice')!.sql);
    // P01: 18 activated, 2 deactivated -> 16 of 100 = 16.0 %; P02: 10 of 200 = 5.0 %; P03: 3 of 300 = 1.0 %
    expect(a.body.rows!.map((r) => [r[0], r[2], r[4], r[5]])).toEqual([
      ['P01', 16, 100, 16],
      ['P02', 10, 200, 5],
      ['P03', 3, 300, 1],
    ]);
  });
});

describe('schema, history and audit', () => {
  it('describes every table and column, with types', async () => {
    const schema = (await (await ccg.request('/api/sql/schema')).json()) as { tables: { name: string; description: string; columns: { name: string; type: string; description: string }[] }[] };
    expect(schema.tables.map((t) => t.name)).toEqual(WORKBENCH_TABLE_NAMES);
    const patients = schema.tables.find((t) => t.name === 'patients')!;
    expect(patients.columns.map((c) => [c.name, c.type])).toEqual([['patient_id', 'VARCHAR'], ['practice_code', 'VARCHAR'], ['birth_year', 'SMALLINT'], ['sex', 'VARCHAR'], ['imd_decile', 'TINYINT']]);
    expect(schema.tables.every((t) => t.description && t.columns.every((c) => c.description && c.type !== 'UNKNOWN'))).toBe(true);
  });

  it('audits every query with user, scope, SQL, duration, rows and outcome; history reads it back', async () => {
    await run(ccg, 'SELECT 7 AS seven');
    await run(ccg, 'SELECT * FROM nowhere');
    await app.access.audit.flush();
    const rows = await store.withConnection(async (conn) =>
      (await conn.runAndReadAll(`SELECT username, user_org, action, outcome, status, row_count, detail, params FROM audit_log WHERE action = 'sql_query' AND username = $u ORDER BY audit_id DESC LIMIT 2`, { u: ccg.user.username })).getRowObjectsJson(),
    );
    expect(rows[1]).toMatchObject({ user_org: 'C01', outcome: 'ok', status: 200, row_count: '1', detail: 'SELECT 7 AS seven' });
    expect(JSON.parse(String(rows[1]!.params))).toMatchObject({ elapsedMs: expect.any(Number) });
    expect(rows[0]).toMatchObject({ outcome: 'failed', status: 400, detail: 'SELECT * FROM nowhere' });
    const history = (await (await ccg.request('/api/sql/history?limit=2')).json()) as { history: { sql: string; outcome: string }[] };
    expect(history.history.map((h) => [h.sql, h.outcome])).toEqual([['SELECT * FROM nowhere', 'failed'], ['SELECT 7 AS seven', 'ok']]);
  });

  it('history holds queries and downloads together, newest first, up to the limit', async () => {
    await run(ccg, 'SELECT 1 AS one');
    const download = await ccg.request('/api/sql/export?format=csv', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT 2 AS two' }) });
    expect(download.status).toBe(200);
    await download.text();
    await run(ccg, 'SELECT 3 AS three');
    const history = async (limit: number) =>
      ((await (await ccg.request(`/api/sql/history?limit=${limit}`)).json()) as { history: { action: string; sql: string }[] }).history.map((h) => [h.action, h.sql]);
    expect(await history(3)).toEqual([['sql_query', 'SELECT 3 AS three'], ['sql_export', 'SELECT 2 AS two'], ['sql_query', 'SELECT 1 AS one']]);
    expect(await history(2)).toEqual([['sql_query', 'SELECT 3 AS three'], ['sql_export', 'SELECT 2 AS two']]);
  });
});

describe('fresh data', () => {
  it('after an import, the previous extract answers while the new one is built, then the new one', async () => {
    const before = await run(ccg, 'SELECT count(*) FROM patients');
    expect(before.body.rows).toEqual([[70]]);
    await store.withConnection(async (conn) => {
      await conn.run(`INSERT INTO patients VALUES (999, 'p999', 'P01', 1990, 'F', 4, 'B9')`);
      await conn.run(`UPDATE store_meta SET value = (value::INTEGER + 1)::VARCHAR WHERE key = 'data_version'`);
    });
    await new Promise((r) => setTimeout(r, 600)); // the API re-reads the data version at most every 500 ms
    const during = await run(ccg, 'SELECT count(*) FROM patients');
    expect(during.body).toMatchObject({ rows: [[70]], dataVersion: before.body.dataVersion });
    await app.workbench.extracts.settled();
    const after = await run(ccg, 'SELECT count(*) FROM patients');
    expect(after.body.rows).toEqual([[71]]);
    expect(after.body.dataVersion).not.toBe(before.body.dataVersion);
  });
});
