-- Levels: running totals at period ends, from the daily change tables. Each series is made dense
-- (one row per day or month from its first change to the latest data day) and summed with a
-- window, so queries read the level at a period's end directly.
--
-- A full rebuild computes every series whole (the first statement of each table). An incremental
-- refresh recomputes each series only from the first day (month) whose levels can have changed:
-- the first day its change rows differ from the copies levels_before.sql took before 03_uptake and
-- 06_feeds_consent rewrote them, or the day after the earlier of the old and new latest data days
-- when that moved (the grid's end: t_lv_grid). It deletes the series' rows from that day on and
-- inserts the level of the day before (none: the series starts later, from 0) plus the running
-- sum from there. A level depends on a series' sums per day (month) and on which days (months)
-- have change rows at all (a series starts at its first change row), so two change tables agree
-- from a day on when the signed sums of their values and of their row counts agree there.

CREATE OR REPLACE TEMP TABLE t_days AS
SELECT unnest(generate_series(first_day::TIMESTAMP, latest_day::TIMESTAMP, INTERVAL 1 DAY))::DATE AS day
FROM rollup_facts WHERE first_day IS NOT NULL AND latest_day IS NOT NULL;

-- levels_before.sql fills these in an incremental refresh; in a full rebuild they are empty (but
-- must exist for the statements below to bind).
CREATE TEMP TABLE IF NOT EXISTS t_lv_before_uptake (day DATE, practice_code VARCHAR, dim VARCHAR, dim_value VARCHAR, delta INTEGER);
CREATE TEMP TABLE IF NOT EXISTS t_lv_before_org (day DATE, org_code VARCHAR, delta INTEGER);
CREATE TEMP TABLE IF NOT EXISTS t_lv_before_enrolled (day DATE, practice_code VARCHAR, patients INTEGER);
CREATE TEMP TABLE IF NOT EXISTS t_lv_before_reach (day DATE, source_org_code VARCHAR, patients INTEGER);
CREATE TEMP TABLE IF NOT EXISTS t_lv_before_sources (day DATE, practice_code VARCHAR, sources TINYINT, patients INTEGER);
CREATE TEMP TABLE IF NOT EXISTS t_lv_grid (from_day DATE, from_month DATE);

-- ---------------------------------------------------------------------------------------------
-- Uptake levels. A full rebuild (or no data days left: no levels) empties the table.
DELETE FROM rollup_uptake_levels WHERE pi_full_rebuild() OR NOT EXISTS (SELECT 1 FROM t_days);

-- Full rebuild: by day (dim 'none').
INSERT INTO rollup_uptake_levels
WITH changes AS (
  SELECT day, practice_code, delta FROM rollup_uptake_daily WHERE dim = 'none' AND pi_full_rebuild()
),
firsts AS (SELECT practice_code, min(day) AS first_day FROM changes GROUP BY ALL),
grid AS (SELECT f.practice_code, d.day FROM firsts f JOIN t_days d ON d.day >= f.first_day)
SELECT 'day', g.day, g.practice_code, 'none', 'All',
       sum(coalesce(c.delta, 0)) OVER (PARTITION BY g.practice_code ORDER BY g.day)::INTEGER
FROM grid g LEFT JOIN changes c USING (practice_code, day)
ORDER BY g.day, g.practice_code;  -- sorted by day: a lookup of one day skips the other row groups

-- Full rebuild: by month (every breakdown).
INSERT INTO rollup_uptake_levels
WITH changes AS (
  SELECT date_trunc('month', day)::DATE AS month, practice_code, dim, dim_value, sum(delta) AS delta
  FROM rollup_uptake_daily WHERE pi_full_rebuild() GROUP BY ALL
),
months AS (SELECT DISTINCT date_trunc('month', day)::DATE AS month FROM t_days),
firsts AS (SELECT practice_code, dim, dim_value, min(month) AS first_month FROM changes GROUP BY ALL),
grid AS (SELECT f.practice_code, f.dim, f.dim_value, m.month FROM firsts f JOIN months m ON m.month >= f.first_month)
SELECT 'month', g.month, g.practice_code, g.dim, g.dim_value,
       sum(coalesce(c.delta, 0)) OVER (PARTITION BY g.practice_code, g.dim, g.dim_value ORDER BY g.month)::INTEGER
FROM grid g LEFT JOIN changes c USING (practice_code, dim, dim_value, month)
ORDER BY g.dim, g.month, g.practice_code;

-- Incremental: how the uptake changes differ, per series and day (03_uptake rewrote the enrol
-- days in scope only; the rest are as they were).
CREATE OR REPLACE TEMP TABLE t_lv_uptake_diff AS
SELECT day, practice_code, dim, dim_value, sum(sgn * delta) AS delta, sum(sgn) AS n
FROM (
  SELECT -1 AS sgn, day, practice_code, dim, dim_value, delta FROM t_lv_before_uptake
  UNION ALL
  SELECT 1, day, practice_code, dim, dim_value, delta FROM rollup_uptake_daily WHERE pi_scoped('enrol', 'day', day)
)
WHERE NOT pi_full_rebuild()
GROUP BY ALL;

-- By day: each practice's first day to recompute. Every series with a row on the day before the
-- grid's end moved is recomputed from the day after (a series starting later has a change row
-- there, which is new or gone: it differs).
CREATE OR REPLACE TEMP TABLE t_lv_start AS
SELECT practice_code, min(start) AS start
FROM (
  SELECT practice_code, day AS start FROM t_lv_uptake_diff WHERE dim = 'none' AND (delta <> 0 OR n <> 0)
  UNION ALL
  SELECT l.practice_code, g.from_day FROM rollup_uptake_levels l, t_lv_grid g
  WHERE l.grain = 'day' AND l.dim = 'none' AND l.period_start = g.from_day - 1
)
GROUP BY ALL;

DELETE FROM rollup_uptake_levels l USING t_lv_start s
WHERE l.grain = 'day' AND l.dim = 'none' AND l.practice_code = s.practice_code AND l.period_start >= s.start;

INSERT INTO rollup_uptake_levels
WITH base AS (
  SELECT s.practice_code, s.start, l.activated AS base
  FROM t_lv_start s LEFT JOIN rollup_uptake_levels l
    ON l.grain = 'day' AND l.dim = 'none' AND l.practice_code = s.practice_code AND l.period_start = s.start - 1
),
changes AS (
  SELECT c.day, c.practice_code, c.delta FROM rollup_uptake_daily c JOIN t_lv_start s USING (practice_code)
  WHERE c.dim = 'none' AND c.day >= s.start
),
-- no level the day before: the series starts at its first change from here (if any is left)
firsts AS (
  SELECT b.practice_code, b.base, CASE WHEN b.base IS NULL THEN min(c.day) ELSE b.start END AS first_day
  FROM base b LEFT JOIN changes c USING (practice_code)
  GROUP BY b.practice_code, b.base, b.start
),
grid AS (SELECT f.practice_code, f.base, d.day FROM firsts f JOIN t_days d ON d.day >= f.first_day)
SELECT 'day', g.day, g.practice_code, 'none', 'All',
       (coalesce(g.base, 0) + sum(coalesce(c.delta, 0)) OVER (PARTITION BY g.practice_code ORDER BY g.day))::INTEGER
FROM grid g LEFT JOIN changes c USING (practice_code, day)
ORDER BY g.day, g.practice_code;

-- By month: the same per practice and breakdown value, with the changes summed by month.
CREATE OR REPLACE TEMP TABLE t_lv_start AS
SELECT practice_code, dim, dim_value, min(start) AS start
FROM (
  SELECT practice_code, dim, dim_value, date_trunc('month', day)::DATE AS start
  FROM t_lv_uptake_diff GROUP BY ALL HAVING sum(delta) <> 0 OR sum(n) <> 0
  UNION ALL
  SELECT l.practice_code, l.dim, l.dim_value, g.from_month FROM rollup_uptake_levels l, t_lv_grid g
  WHERE l.grain = 'month' AND l.period_start = (g.from_month - INTERVAL 1 MONTH)::DATE
)
GROUP BY ALL;

DELETE FROM rollup_uptake_levels l USING t_lv_start s
WHERE l.grain = 'month' AND l.practice_code = s.practice_code AND l.dim = s.dim AND l.dim_value = s.dim_value
  AND l.period_start >= s.start;

INSERT INTO rollup_uptake_levels
WITH base AS (
  SELECT s.practice_code, s.dim, s.dim_value, s.start, l.activated AS base
  FROM t_lv_start s LEFT JOIN rollup_uptake_levels l
    ON l.grain = 'month' AND l.practice_code = s.practice_code AND l.dim = s.dim AND l.dim_value = s.dim_value
   AND l.period_start = (s.start - INTERVAL 1 MONTH)::DATE
),
changes AS (
  SELECT date_trunc('month', c.day)::DATE AS month, c.practice_code, c.dim, c.dim_value, sum(c.delta) AS delta
  FROM rollup_uptake_daily c JOIN t_lv_start s USING (practice_code, dim, dim_value)
  WHERE c.day >= s.start
  GROUP BY ALL
),
months AS (SELECT DISTINCT date_trunc('month', day)::DATE AS month FROM t_days),
firsts AS (
  SELECT b.practice_code, b.dim, b.dim_value, b.base, CASE WHEN b.base IS NULL THEN min(c.month) ELSE b.start END AS first_month
  FROM base b LEFT JOIN changes c USING (practice_code, dim, dim_value)
  GROUP BY b.practice_code, b.dim, b.dim_value, b.base, b.start
),
grid AS (
  SELECT f.practice_code, f.dim, f.dim_value, f.base, m.month FROM firsts f JOIN months m ON m.month >= f.first_month
)
SELECT 'month', g.month, g.practice_code, g.dim, g.dim_value,
       (coalesce(g.base, 0) + sum(coalesce(c.delta, 0)) OVER (PARTITION BY g.practice_code, g.dim, g.dim_value ORDER BY g.month))::INTEGER
FROM grid g LEFT JOIN changes c USING (practice_code, dim, dim_value, month)
ORDER BY g.dim, g.month, g.practice_code;

-- ---------------------------------------------------------------------------------------------
-- Organisation levels (trusts and community services; a change of organisations is a full rebuild).
DELETE FROM rollup_org_levels WHERE pi_full_rebuild() OR NOT EXISTS (SELECT 1 FROM t_days);

INSERT INTO rollup_org_levels
WITH orgs AS (SELECT org_code FROM organisations WHERE org_type IN ('trust', 'community') AND pi_full_rebuild()),
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

-- Incremental: activations were rewritten on the enrol days in scope; feed reach is compared whole.
CREATE OR REPLACE TEMP TABLE t_lv_start AS
WITH diff AS (
  SELECT org_code, day
  FROM (
    SELECT -1 AS sgn, day, org_code, delta AS a, 0 AS r FROM t_lv_before_org
    UNION ALL
    SELECT 1, day, org_code, delta, 0 FROM rollup_uptake_org_daily WHERE pi_scoped('enrol', 'day', day)
    UNION ALL
    SELECT -1, day, source_org_code, 0, patients FROM t_lv_before_reach
    UNION ALL
    SELECT 1, day, source_org_code, 0, patients FROM rollup_feed_reach_daily WHERE NOT pi_full_rebuild()
  )
  WHERE NOT pi_full_rebuild() AND org_code IN (SELECT org_code FROM organisations WHERE org_type IN ('trust', 'community'))
  GROUP BY ALL
  HAVING sum(sgn * a) <> 0 OR sum(sgn * r) <> 0 OR sum(sgn) <> 0
)
SELECT org_code, min(start) AS start
FROM (
  SELECT org_code, day AS start FROM diff
  UNION ALL
  SELECT l.org_code, g.from_day FROM rollup_org_levels l, t_lv_grid g WHERE l.day = g.from_day - 1
)
GROUP BY ALL;

DELETE FROM rollup_org_levels l USING t_lv_start s WHERE l.org_code = s.org_code AND l.day >= s.start;

INSERT INTO rollup_org_levels
WITH base AS (
  SELECT s.org_code, s.start, l.activated, l.reached
  FROM t_lv_start s LEFT JOIN rollup_org_levels l ON l.org_code = s.org_code AND l.day = s.start - 1
),
activations AS (
  SELECT u.day, u.org_code, u.delta FROM rollup_uptake_org_daily u JOIN t_lv_start s USING (org_code) WHERE u.day >= s.start
),
reach AS (
  SELECT r.day, r.source_org_code AS org_code, r.patients
  FROM rollup_feed_reach_daily r JOIN t_lv_start s ON s.org_code = r.source_org_code WHERE r.day >= s.start
),
firsts AS (
  SELECT b.org_code, b.activated, b.reached, CASE WHEN b.activated IS NULL THEN min(c.day) ELSE b.start END AS first_day
  FROM base b LEFT JOIN (SELECT day, org_code FROM activations UNION ALL SELECT day, org_code FROM reach) c USING (org_code)
  GROUP BY b.org_code, b.activated, b.reached, b.start
),
grid AS (SELECT f.org_code, f.activated, f.reached, d.day FROM firsts f JOIN t_days d ON d.day >= f.first_day)
SELECT g.day, g.org_code,
       (coalesce(g.activated, 0) + sum(coalesce(a.delta, 0)) OVER w_org_from)::INTEGER,
       (coalesce(g.reached, 0) + sum(coalesce(r.patients, 0)) OVER w_org_from)::INTEGER
FROM grid g
LEFT JOIN activations a USING (org_code, day)
LEFT JOIN reach r USING (org_code, day)
WINDOW w_org_from AS (PARTITION BY g.org_code ORDER BY g.day)
ORDER BY g.day, g.org_code;

-- ---------------------------------------------------------------------------------------------
-- Sources levels.
DELETE FROM rollup_sources_levels WHERE pi_full_rebuild() OR NOT EXISTS (SELECT 1 FROM t_days);

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
  FROM changes WHERE pi_full_rebuild() GROUP BY ALL
),
firsts AS (SELECT practice_code, min(day) AS first_day FROM daily GROUP BY ALL),
grid AS (SELECT f.practice_code, d.day FROM firsts f JOIN t_days d ON d.day >= f.first_day)
SELECT g.day, g.practice_code,
       (sum(coalesce(c.enrolled, 0)) OVER w_src)::INTEGER, (sum(coalesce(c.s1, 0)) OVER w_src)::INTEGER,
       (sum(coalesce(c.s2, 0)) OVER w_src)::INTEGER, (sum(coalesce(c.s3, 0)) OVER w_src)::INTEGER
FROM grid g LEFT JOIN daily c USING (practice_code, day)
WINDOW w_src AS (PARTITION BY g.practice_code ORDER BY g.day)
ORDER BY g.day, g.practice_code;

-- Incremental: activations (enrolled) were rewritten on the enrol days in scope; sources reached is
-- compared whole.
CREATE OR REPLACE TEMP TABLE t_lv_start AS
WITH diff AS (
  SELECT practice_code, day
  FROM (
    SELECT -1 AS sgn, day, practice_code, patients AS e, NULL::TINYINT AS sources FROM t_lv_before_enrolled
    UNION ALL
    SELECT 1, day, practice_code, patients, NULL FROM rollup_enrolled_daily WHERE pi_scoped('enrol', 'day', day)
    UNION ALL
    SELECT -1, day, practice_code, patients, sources FROM t_lv_before_sources
    UNION ALL
    SELECT 1, day, practice_code, patients, sources FROM rollup_sources_reached WHERE NOT pi_full_rebuild()
  )
  WHERE NOT pi_full_rebuild()
  GROUP BY ALL
  HAVING sum(sgn * e) FILTER (WHERE sources IS NULL) <> 0 OR sum(sgn * e) FILTER (WHERE sources = 1) <> 0
      OR sum(sgn * e) FILTER (WHERE sources = 2) <> 0 OR sum(sgn * e) FILTER (WHERE sources = 3) <> 0 OR sum(sgn) <> 0
)
SELECT practice_code, min(start) AS start
FROM (
  SELECT practice_code, day AS start FROM diff
  UNION ALL
  SELECT l.practice_code, g.from_day FROM rollup_sources_levels l, t_lv_grid g WHERE l.day = g.from_day - 1
)
GROUP BY ALL;

DELETE FROM rollup_sources_levels l USING t_lv_start s WHERE l.practice_code = s.practice_code AND l.day >= s.start;

INSERT INTO rollup_sources_levels
WITH base AS (
  SELECT s.practice_code, s.start, l.enrolled, l.with_1, l.with_2, l.with_3
  FROM t_lv_start s LEFT JOIN rollup_sources_levels l ON l.practice_code = s.practice_code AND l.day = s.start - 1
),
changes AS (
  SELECT day, practice_code, patients AS enrolled, 0 AS s1, 0 AS s2, 0 AS s3 FROM rollup_enrolled_daily
  UNION ALL
  SELECT day, practice_code, 0,
         CASE WHEN sources = 1 THEN patients ELSE 0 END,
         CASE WHEN sources = 2 THEN patients ELSE 0 END,
         CASE WHEN sources = 3 THEN patients ELSE 0 END
  FROM rollup_sources_reached
),
daily AS (
  SELECT c.day, c.practice_code, sum(c.enrolled) AS enrolled, sum(c.s1) AS s1, sum(c.s2) AS s2, sum(c.s3) AS s3
  FROM changes c JOIN t_lv_start s USING (practice_code) WHERE c.day >= s.start
  GROUP BY ALL
),
firsts AS (
  SELECT b.practice_code, b.enrolled, b.with_1, b.with_2, b.with_3,
         CASE WHEN b.enrolled IS NULL THEN min(c.day) ELSE b.start END AS first_day
  FROM base b LEFT JOIN daily c USING (practice_code)
  GROUP BY b.practice_code, b.enrolled, b.with_1, b.with_2, b.with_3, b.start
),
grid AS (
  SELECT f.practice_code, f.enrolled, f.with_1, f.with_2, f.with_3, d.day FROM firsts f JOIN t_days d ON d.day >= f.first_day
)
SELECT g.day, g.practice_code,
       (coalesce(g.enrolled, 0) + sum(coalesce(c.enrolled, 0)) OVER w_src_from)::INTEGER,
       (coalesce(g.with_1, 0) + sum(coalesce(c.s1, 0)) OVER w_src_from)::INTEGER,
       (coalesce(g.with_2, 0) + sum(coalesce(c.s2, 0)) OVER w_src_from)::INTEGER,
       (coalesce(g.with_3, 0) + sum(coalesce(c.s3, 0)) OVER w_src_from)::INTEGER
FROM grid g LEFT JOIN daily c USING (practice_code, day)
WINDOW w_src_from AS (PARTITION BY g.practice_code ORDER BY g.day)
ORDER BY g.day, g.practice_code;

DROP TABLE IF EXISTS t_days;
DROP TABLE IF EXISTS t_lv_before_uptake;
DROP TABLE IF EXISTS t_lv_before_org;
DROP TABLE IF EXISTS t_lv_before_enrolled;
DROP TABLE IF EXISTS t_lv_before_reach;
DROP TABLE IF EXISTS t_lv_before_sources;
DROP TABLE IF EXISTS t_lv_grid;
DROP TABLE IF EXISTS t_lv_uptake_diff;
DROP TABLE IF EXISTS t_lv_start;
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
