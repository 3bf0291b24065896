-- 003_rollup_levels: running totals ("levels") precomputed at period ends, so a metric reads one
-- row per organisation and period instead of summing every change since the start of the data.
-- Rebuilt by refreshRollups (queries/rollups/06_levels.sql) from the daily change tables of 002.

-- Patients whose latest enrolment state is "activated", at the end of each day (dim 'none' only)
-- and at the end of each month (every breakdown). Rows exist from the first change of each
-- practice / breakdown value to the latest data day; a missing row means 0.
CREATE TABLE rollup_uptake_levels (
  grain         VARCHAR NOT NULL,   -- day | month
  period_start  DATE NOT NULL,      -- the day, or the first day of the month (level at its end)
  practice_code VARCHAR NOT NULL,
  dim           VARCHAR NOT NULL,
  dim_value     VARCHAR NOT NULL,
  activated     INTEGER NOT NULL
);

-- For trusts and community services, at the end of each day: patients whose activation happened
-- there and whose latest state is still "activated"; patients reached by their record feeds.
CREATE TABLE rollup_org_levels (
  day       DATE NOT NULL,
  org_code  VARCHAR NOT NULL,
  activated INTEGER NOT NULL,
  reached   INTEGER NOT NULL
);

-- Per practice at the end of each day: ever-activated patients, and those of them with data from
-- at least 1, 2 and 3 distinct source organisations.
CREATE TABLE rollup_sources_levels (
  day           DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  enrolled      INTEGER NOT NULL,
  with_1        INTEGER NOT NULL,
  with_2        INTEGER NOT NULL,
  with_3        INTEGER NOT NULL
);
