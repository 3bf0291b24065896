/**
 * The generated data has the shape a commissioner would recognise, measured from the files
 * themselves with DuckDB (bad rows excluded via the manifest, re-sent duplicates collapsed).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSmall, type Generated } from './test-helpers.js';

type Row = Record<string, string | null>;

async function openFiles(gen: Generated): Promise<{ conn: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  const badPath = join(gen.dir, '_bad_rows.test.json');
  writeFileSync(badPath, JSON.stringify(gen.manifest.bad_rows.rows.map((r) => ({ batch: r.batch, event_id: r.event_id }))));
  await conn.run(`CREATE TABLE bad AS SELECT * FROM read_json('${badPath}', columns = {batch: 'VARCHAR', event_id: 'VARCHAR'})`);
  const events = (kind: string, columns: string) => `
    CREATE TABLE ${kind === 'record_feeds' ? 'feeds' : kind.replace('_events', '')} AS
    SELECT DISTINCT ON (event_id) event_id, try_cast(occurred_at AS TIMESTAMPTZ) AS ts, replace(nhs_number, ' ', '') AS nhs, ${columns}
    FROM (SELECT *, regexp_extract(filename, '(\\d{4}-\\d{2}-\\d{2}T02-00Z)', 1) AS batch
          FROM read_csv('${gen.dir}/*/${kind}*.csv.gz', all_varchar = true, filename = true)) e
    WHERE NOT EXISTS (SELECT 1 FROM bad b WHERE b.batch = e.batch AND b.event_id = e.event_id)`;
  await conn.run(events('enrolment_events', 'practice_code, org_code, event_type, channel, campaign_code'));
  await conn.run(events('usage_events', 'org_code, event_type, platform'));
  await conn.run(events('record_feeds', 'source_org_code, record_type, item_count'));
  await conn.run(events('consent_events', 'org_code, event_type'));
  const first = gen.manifest.batches[0]!.id;
  await conn.run(`CREATE TABLE patients AS SELECT replace(nhs_number, ' ', '') AS nhs, practice_code, birth_year::INT AS birth_year, sex,
    try_cast(imd_decile AS INT) AS imd FROM read_csv('${gen.dir}/${first}/patients*.csv.gz', all_varchar = true)
    WHERE sex IN ('F', 'M', 'X', 'U') AND practice_code NOT LIKE 'E99%'`);
  await conn.run(`CREATE TABLE orgs AS SELECT * FROM read_csv('${gen.dir}/${first}/organisations.csv.gz', all_varchar = true)`);
  await conn.run(`CREATE TABLE campaigns AS SELECT * FROM read_csv('${gen.dir}/${first}/campaigns.csv.gz', all_varchar = true)`);
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

async function rows(conn: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Row[];
}
const num = (v: string | null | undefined) => Number(v ?? 0);

describe('six months of a small region (scale 0.01)', () => {
  let gen: Generated;
  let db: { conn: DuckDBConnection; close: () => void };
  beforeAll(async () => {
    gen = await generateSmall({ scale: 0.01, days: 180, end: '2026-11-23', seed: 11 });
    db = await openFiles(gen);
  });
  afterAll(() => {
    db?.close();
    gen?.cleanup();
  });

  it('has no enrolment at a practice before its go-live, and each practice accumulates activations after it', async () => {
    const early = await rows(
      db.conn,
      `SELECT o.org_code, count(*) AS n FROM enrolment e JOIN orgs o ON o.org_code = e.practice_code
       WHERE e.ts < o.go_live_date::TIMESTAMPTZ GROUP BY ALL`,
    );
    expect(early).toEqual([]);
    const weekly = await rows(
      db.conn,
      `SELECT o.org_code, (date_diff('day', o.go_live_date::DATE, e.ts::DATE) // 7) AS week, count(*) AS n
       FROM enrolment e JOIN orgs o ON o.org_code = e.practice_code
       WHERE e.event_type = 'activated' GROUP BY ALL ORDER BY 1, 2`,
    );
    const practices = new Set(weekly.map((r) => r.org_code));
    expect(practices.size).toBe(5);
    for (const practice of practices) {
      const series = weekly.filter((r) => r.org_code === practice);
      expect(num(series[0]!.week)).toBeGreaterThanOrEqual(0);
      let cumulative = 0;
      for (const r of series) {
        const next = cumulative + num(r.n);
        expect(next).toBeGreaterThan(cumulative);
        cumulative = next;
      }
    }
    // The S-curve ramps up: across practices, weeks 5–12 after go-live out-activate weeks 1–4 per week.
    const early4 = weekly.filter((r) => num(r.week) < 4).reduce((a, r) => a + num(r.n), 0) / 4;
    const later8 = weekly.filter((r) => num(r.week) >= 4 && num(r.week) < 12).reduce((a, r) => a + num(r.n), 0) / 8;
    expect(later8).toBeGreaterThan(1.5 * early4);
  });

  it('shows a registration bump for the organisations in scope while a local campaign runs', async () => {
    // Compare a campaign's window with the same length just before it, for the practices in its
    // scope; campaigns whose "before" window overlaps another campaign reaching the same practices
    // are left out (that window would not be a baseline).
    const local = await rows(
      db.conn,
      `WITH scope AS (
         SELECT c.campaign_code, o.org_code AS practice, c.start_date::DATE AS s, c.end_date::DATE AS e,
                (c.end_date::DATE - c.start_date::DATE + 1)::INTEGER AS len
         FROM campaigns c JOIN orgs o ON o.org_type = 'practice'
           AND (c.org_code IN (o.org_code, o.parent_code) OR c.org_code = 'QRV')),
       clean AS (
         SELECT * FROM scope a WHERE a.campaign_code IN (SELECT campaign_code FROM campaigns WHERE org_code <> 'QRV')
           AND NOT EXISTS (SELECT 1 FROM scope b WHERE b.campaign_code <> a.campaign_code AND b.practice = a.practice
                           AND b.s <= a.s - 1 AND b.e >= a.s - a.len))
       SELECT c.campaign_code,
         count(*) FILTER (WHERE e.ts >= c.s::TIMESTAMPTZ AND e.ts < (c.e + 1)::TIMESTAMPTZ) AS during,
         count(*) FILTER (WHERE e.ts >= (c.s - c.len)::TIMESTAMPTZ AND e.ts < c.s::TIMESTAMPTZ) AS before,
         count(*) FILTER (WHERE e.campaign_code = c.campaign_code) AS prompted
       FROM clean c JOIN enrolment e ON e.practice_code = c.practice AND e.event_type = 'registered'
       GROUP BY ALL ORDER BY 1`,
    );
    expect(local.length).toBeGreaterThanOrEqual(1);
    for (const c of local) {
      expect(num(c.during), String(c.campaign_code)).toBeGreaterThan(1.5 * num(c.before));
      expect(num(c.prompted)).toBeGreaterThan(0.3 * num(c.during));
    }
  });

  it('enrols less deprived and younger patients more (the equity gradient)', async () => {
    const [r] = await rows(
      db.conn,
      `WITH reg AS (SELECT DISTINCT nhs FROM enrolment WHERE event_type = 'registered')
       SELECT
         avg((reg.nhs IS NOT NULL)::INT) FILTER (WHERE p.imd IN (1, 2)) AS deprived,
         avg((reg.nhs IS NOT NULL)::INT) FILTER (WHERE p.imd IN (9, 10)) AS affluent,
         avg((reg.nhs IS NOT NULL)::INT) FILTER (WHERE 2026 - p.birth_year BETWEEN 18 AND 39) AS young,
         avg((reg.nhs IS NOT NULL)::INT) FILTER (WHERE 2026 - p.birth_year >= 80) AS old,
         count(*) FILTER (WHERE p.imd IN (1, 2)) AS n_deprived,
         count(*) FILTER (WHERE 2026 - p.birth_year >= 80) AS n_old
       FROM patients p LEFT JOIN reg USING (nhs)`,
    );
    expect(num(r!.n_deprived)).toBeGreaterThan(300);
    expect(num(r!.n_old)).toBeGreaterThan(300);
    expect(num(r!.deprived)).toBeLessThan(0.75 * num(r!.affluent));
    expect(num(r!.old)).toBeLessThan(0.5 * num(r!.young));
  });

  it('has a weekday and time-of-day rhythm in portal use', async () => {
    const [r] = await rows(
      db.conn,
      `WITH local AS (SELECT ts AT TIME ZONE 'Europe/London' AS t FROM usage WHERE ts IS NOT NULL)
       SELECT
         count(*) FILTER (WHERE dayofweek(t) BETWEEN 1 AND 5) / 5.0 AS weekday,
         count(*) FILTER (WHERE dayofweek(t) IN (0, 6)) / 2.0 AS weekend,
         count(*) FILTER (WHERE hour(t) BETWEEN 2 AND 4) / 3.0 AS night,
         count(*) FILTER (WHERE hour(t) BETWEEN 8 AND 10) / 3.0 AS morning,
         count(*) FILTER (WHERE hour(t) BETWEEN 18 AND 20) / 3.0 AS evening,
         count(*) FILTER (WHERE hour(t) BETWEEN 14 AND 16) / 3.0 AS afternoon
       FROM local`,
    );
    expect(num(r!.weekday)).toBeGreaterThan(1.3 * num(r!.weekend));
    expect(num(r!.night)).toBeLessThan(0.1 * num(r!.morning));
    expect(num(r!.evening)).toBeGreaterThan(1.1 * num(r!.afternoon));
    expect(num(r!.morning)).toBeGreaterThan(1.1 * num(r!.afternoon));
  });

  it('has 2–3% of patients registering objections, some withdrawn, some org-scoped', async () => {
    const [r] = await rows(
      db.conn,
      `SELECT count(DISTINCT nhs) FILTER (WHERE event_type = 'objection_registered') AS objecting,
              count(*) FILTER (WHERE event_type = 'objection_registered' AND org_code = '*') AS everything,
              count(*) FILTER (WHERE event_type = 'objection_registered' AND org_code <> '*') AS scoped,
              count(*) FILTER (WHERE event_type = 'objection_withdrawn') AS withdrawn,
              count(*) FILTER (WHERE event_type = 'sharing_granted') AS granted,
              (SELECT count(*) FROM patients) AS patients
       FROM consent`,
    );
    const share = num(r!.objecting) / num(r!.patients);
    expect(share).toBeGreaterThan(0.02);
    expect(share).toBeLessThan(0.03);
    expect(num(r!.everything)).toBeGreaterThan(0);
    expect(num(r!.scoped)).toBeGreaterThan(num(r!.everything) * 0.5);
    expect(num(r!.withdrawn)).toBeGreaterThan(0);
    expect(num(r!.granted)).toBeGreaterThan(0);
  });

  it('leaks through the funnel: fewer registrations than invitations, fewer activations than registrations', async () => {
    const [r] = await rows(
      db.conn,
      `SELECT count(*) FILTER (WHERE event_type = 'invited') AS invited,
              count(*) FILTER (WHERE event_type = 'registered') AS registered,
              count(*) FILTER (WHERE event_type = 'activated') AS activated FROM enrolment`,
    );
    expect(num(r!.registered)).toBeLessThan(0.8 * num(r!.invited));
    expect(num(r!.activated)).toBeLessThan(0.95 * num(r!.registered));
    expect(num(r!.activated)).toBeGreaterThan(0.75 * num(r!.registered));
  });
});

describe('three years of a tiny region (scale 0.002)', () => {
  let gen: Generated;
  let db: { conn: DuckDBConnection; close: () => void };
  beforeAll(async () => {
    gen = await generateSmall({ scale: 0.002, days: 1095, end: '2026-11-23', seed: 5, batch: 'month' });
    db = await openFiles(gen);
  });
  afterAll(() => {
    db?.close();
    gen?.cleanup();
  });

  it('plateaus each practice between 10% and 60% of its list', async () => {
    const shares = await rows(
      db.conn,
      `SELECT o.org_code, count(DISTINCT e.nhs) / o.eligible_population::DOUBLE AS share
       FROM orgs o JOIN enrolment e ON e.practice_code = o.org_code AND e.event_type = 'activated'
       WHERE o.org_type = 'practice' GROUP BY o.org_code, o.eligible_population`,
    );
    expect(shares.length).toBe(5);
    for (const s of shares) {
      expect(num(s.share), String(s.org_code)).toBeGreaterThan(0.08);
      expect(num(s.share), String(s.org_code)).toBeLessThan(0.65);
    }
    // Growth slows: the last year adds fewer activations than the busiest year.
    const yearly = await rows(
      db.conn,
      `SELECT date_diff('day', ts, TIMESTAMPTZ '2026-11-23 00:00:00+00') // 365 AS years_back, count(*) AS n
       FROM enrolment WHERE event_type = 'activated' GROUP BY 1`,
    );
    const byYear = new Map(yearly.map((y) => [num(y.years_back), num(y.n)]));
    expect(byYear.get(0)!).toBeLessThan(Math.max(byYear.get(1)!, byYear.get(2)!));
  });

  it('dips in August and over Christmas', async () => {
    const [r] = await rows(
      db.conn,
      `SELECT count(*) FILTER (WHERE ts >= '2026-07-01' AND ts < '2026-08-01') / 31.0 AS july,
              count(*) FILTER (WHERE ts >= '2026-08-01' AND ts < '2026-09-01') / 31.0 AS august,
              count(*) FILTER (WHERE ts >= '2026-09-01' AND ts < '2026-10-01') / 30.0 AS september,
              count(*) FILTER (WHERE ts >= '2025-12-01' AND ts < '2025-12-21') / 20.0 AS early_december,
              count(*) FILTER (WHERE ts >= '2025-12-23' AND ts < '2026-01-02') / 10.0 AS christmas
       FROM usage`,
    );
    expect(num(r!.august)).toBeLessThan(0.9 * ((num(r!.july) + num(r!.september)) / 2));
    expect(num(r!.christmas)).toBeLessThan(0.75 * num(r!.early_december));
  });

  it('shows engagement decaying after activation, with some users returning', async () => {
    const weeks = await rows(
      db.conn,
      `WITH act AS (SELECT nhs, min(ts) AS at FROM enrolment WHERE event_type = 'activated' GROUP BY nhs
                    HAVING min(ts) < TIMESTAMPTZ '2026-05-01 00:00:00+00')
       SELECT date_diff('day', act.at, u.ts) // 28 AS period, count(*) AS n, count(DISTINCT u.nhs) AS users
       FROM act JOIN usage u USING (nhs) WHERE u.ts >= act.at GROUP BY 1 ORDER BY 1`,
    );
    const n = (p: number) => num(weeks.find((w) => num(w.period) === p)?.n);
    expect(n(0)).toBeGreaterThan(2 * n(3));
    // Users seen again after a quiet spell: active in month 0, silent in months 2–4, back in 6+.
    const [back] = await rows(
      db.conn,
      `WITH act AS (SELECT nhs, min(ts) AS at FROM enrolment WHERE event_type = 'activated' GROUP BY nhs),
       m AS (SELECT u.nhs, date_diff('day', act.at, u.ts) // 28 AS period FROM act JOIN usage u USING (nhs) WHERE u.ts >= act.at)
       SELECT count(*) AS n FROM (SELECT nhs FROM m GROUP BY nhs
         HAVING bool_or(period = 0) AND NOT bool_or(period BETWEEN 2 AND 4) AND bool_or(period >= 6))`,
    );
    expect(num(back!.n)).toBeGreaterThan(10);
  });

  it('grows record feed volume over time and includes a few deactivations', async () => {
    const [r] = await rows(
      db.conn,
      `SELECT count(*) FILTER (WHERE ts >= '2024-06-01' AND ts < '2024-12-01') AS early,
              count(*) FILTER (WHERE ts >= '2026-05-01' AND ts < '2026-11-01') AS late,
              (SELECT count(*) FROM enrolment WHERE event_type = 'deactivated') AS deactivated,
              (SELECT count(*) FROM enrolment WHERE event_type = 'activated') AS activated
       FROM feeds`,
    );
    expect(num(r!.late)).toBeGreaterThan(1.5 * num(r!.early));
    expect(num(r!.deactivated)).toBeGreaterThan(0);
    expect(num(r!.deactivated)).toBeLessThan(0.06 * num(r!.activated));
  });
});
