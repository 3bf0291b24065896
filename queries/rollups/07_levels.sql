-- Levels: running totals at period ends, from the daily change tables. Each series is made dense
-- (one row per day or month from its first change to the latest data day) and summed with a
-- window, so queries read the level at a period's end directly.

CREATE OR REPLACE TEMP TABLE t_days AS
SELECT unnest(generate_series(first_day::TIMESTAMP, latest_day::TIMESTAMP, INTERVAL 1 DAY))::DATE AS day
FROM rollup_facts WHERE first_day IS NOT NULL AND latest_day IS NOT NULL;

DELETE FROM rollup_uptake_levels;
INSERT INTO rollup_uptake_levels
WITH changes AS (
  SELECT day, practice_code, delta FROM rollup_uptake_daily WHERE dim = 'none'
),
firsts AS (SELECT practice_code, min(day) AS first_day FROM changes GROUP BY ALL),
grid AS (SELECT f.practice_code, d.day FROM firsts f JOIN t_days d ON d.day >= f.first_day)
SELECT 'day', g.day, g.practice_code, 'none', 'All',
       sum(coalesce(c.delta, 0)) OVER (PARTITION BY g.practice_code ORDER BY g.day)::INTEGER
FROM grid g LEFT JOIN changes c USING (practice_code, day)
ORDER BY g.day, g.practice_code;  -- sorted by day: a lookup of one day skips the other row groups

INSERT INTO rollup_uptake_levels
WITH changes AS (
  SELECT date_trunc('month', day)::DATE AS month, practice_code, dim, dim_value, sum(delta) AS delta
  FROM rollup_uptake_daily GROUP BY ALL
),
months AS (SELECT DISTINCT date_trunc('month', day)::DATE AS month FROM t_days),
firsts AS (SELECT practice_code, dim, dim_value, min(month) AS first_month FROM changes GROUP BY ALL),
grid AS (SELECT f.practice_code, f.dim, f.dim_value, m.month FROM firsts f JOIN months m ON m.month >= f.first_month)
SELECT 'month', g.month, g.practice_code, g.dim, g.dim_value,
       sum(coalesce(c.delta, 0)) OVER (PARTITION BY g.practice_code, g.dim, g.dim_value ORDER BY g.month)::INTEGER
FROM grid g LEFT JOIN changes c USING (practice_code, dim, dim_value, month)
ORDER BY g.dim, g.month, g.practice_code;

DELETE FROM rollup_org_levels;
INSERT INTO rollup_org_levels
WITH orgs AS (SELECT org_code FROM organisations WHERE org_type IN ('trust', 'community')),
activations AS (SELECT u.day, u.org_code, u.delta FROM rollup_uptake_org_daily u JOIN orgs USING (org_code)),
reach AS (SELECT r.day, r.source_org_code AS org_code, r.patients FROM rollup_feed_reach_daily r JOIN orgs o ON o.org_code = r.source_org_code),
firsts AS (
  SELECT org_code, min(day) AS first_day FROM (SELECT day, org_code FROM activations UNION ALL SELECT day, org_code FROM reach)
  GROUP BY ALL
),
grid AS (SELECT f.org_code, d.day FROM firsts f JOIN t_days d ON d.day >= f.first_day)
SELECT g.day, g.org_code,
       (sum(coalesce(a.delta, 0)) OVER w_org)::INTEGER,
       (sum(coalesce(r.patients, 0)) OVER w_org)::INTEGER
FROM grid g
LEFT JOIN activations a USING (org_code, day)
LEFT JOIN reach r USING (org_code, day)
WINDOW w_org AS (PARTITION BY g.org_code ORDER BY g.day)
ORDER BY g.day, g.org_code;

DELETE FROM rollup_sources_levels;
INSERT INTO rollup_sources_levels
WITH changes AS (
  SELECT day, practice_code, patients AS enrolled, 0 AS s1, 0 AS s2, 0 AS s3 FROM rollup_enrolled_daily
  UNION ALL
  SELECT day, practice_code, 0,
         CASE WHEN sources = 1 THEN patients ELSE 0 END,
         CASE WHEN sources = 2 THEN patients ELSE 0 END,
         CASE WHEN sources = 3 THEN patients ELSE 0 END
  FROM rollup_sources_reached
),
daily AS (
  SELECT day, practice_code, sum(enrolled) AS enrolled, sum(s1) AS s1, sum(s2) AS s2, sum(s3) AS s3
  FROM changes GROUP BY ALL
),
firsts AS (SELECT practice_code, min(day) AS first_day FROM daily GROUP BY ALL),
grid AS (SELECT f.practice_code, d.day FROM firsts f JOIN t_days d ON d.day >= f.first_day)
SELECT g.day, g.practice_code,
       (sum(coalesce(c.enrolled, 0)) OVER w_src)::INTEGER, (sum(coalesce(c.s1, 0)) OVER w_src)::INTEGER,
       (sum(coalesce(c.s2, 0)) OVER w_src)::INTEGER, (sum(coalesce(c.s3, 0)) OVER w_src)::INTEGER
FROM grid g LEFT JOIN daily c USING (practice_code, day)
WINDOW w_src AS (PARTITION BY g.practice_code ORDER BY g.day)
ORDER BY g.day, g.practice_code;

DROP TABLE IF EXISTS t_days;
-- an incremental refresh's scope (queries/rollups/scope_*.sql)
DROP VIEW IF EXISTS t_scope_practices;
DROP TABLE IF EXISTS t_scope_patients;
DROP TABLE IF EXISTS t_scope_days;
DROP TABLE IF EXISTS t_scope_periods;
DROP TABLE IF EXISTS t_scope_window;
DROP TABLE IF EXISTS t_scope_enrolees;
DROP TABLE IF EXISTS t_patient_before;
DROP TABLE IF EXISTS t_patient_change;
DROP TABLE IF EXISTS t_facts_before;
