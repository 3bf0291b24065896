-- Activity: distinct active patients per period of every grain, lifecycle states, retention of
-- activation cohorts, the weekday x hour rhythm and event counts for feature use and savings.
-- An active patient is one with any usage event in the period.
--
-- Distinct counts: usage is grouped once by patient into the sorted list of the patient's active
-- days (one row per patient, cheap to group), and each grain's distinct periods per patient are
-- unnested from that list. The same ordered list gives lifecycle states (previous/next active
-- period) without a window over patient-days.

CREATE OR REPLACE TEMP MACRO pi_next_period(g, p) AS
  (CASE g WHEN 'day' THEN p + INTERVAL 1 DAY WHEN 'week' THEN p + INTERVAL 7 DAY
          WHEN 'month' THEN p + INTERVAL 1 MONTH ELSE p + INTERVAL 3 MONTH END)::DATE;

CREATE OR REPLACE TEMP TABLE t_pl AS
SELECT l.patient_id, p.practice_code, p.age_band, p.sex, p.imd_decile,
       date_trunc('month', p.activated_day)::DATE AS cohort_month, l.days
FROM (
  SELECT patient_id, list_sort(list_distinct(list(pi_day(occurred_at)))) AS days
  FROM usage_events GROUP BY patient_id
) l
JOIN rollup_patient p USING (patient_id)
WHERE p.practice_code IS NOT NULL;

-- One row per patient and active period of grain g, with the period before and after in which the
-- patient was active (null when none).
CREATE OR REPLACE TEMP MACRO pi_patient_periods(g) AS TABLE
WITH periods AS (
  SELECT patient_id, practice_code, age_band, sex, imd_decile, cohort_month,
         list_distinct(list_transform(days, d -> date_trunc(g, d)::DATE)) AS ps
  FROM t_pl
),
sorted AS (SELECT * REPLACE (list_sort(ps) AS ps) FROM periods)
SELECT patient_id, practice_code, age_band, sex, imd_decile, cohort_month,
       unnest(ps) AS period_start,
       unnest(list_prepend(NULL::DATE, ps[1:-2])) AS prev_period,
       unnest(list_append(ps[2:], NULL::DATE)) AS next_period
FROM sorted;

CREATE OR REPLACE TEMP TABLE t_pp_day AS
SELECT patient_id, practice_code, unnest(days) AS period_start FROM t_pl;
CREATE OR REPLACE TEMP TABLE t_pp_week AS
SELECT patient_id, practice_code, unnest(list_distinct(list_transform(days, d -> date_trunc('week', d)::DATE))) AS period_start
FROM t_pl;
CREATE OR REPLACE TEMP TABLE t_pp_month AS SELECT * FROM pi_patient_periods('month');
CREATE OR REPLACE TEMP TABLE t_pp_quarter AS SELECT * FROM pi_patient_periods('quarter');

-- Events and logins per day and practice (any breakdown of them is by month, below).
CREATE OR REPLACE TEMP TABLE t_ev_day AS
SELECT pi_day(u.occurred_at) AS day, p.practice_code,
       count(*)::BIGINT AS events, count(*) FILTER (WHERE u.event_type = 'login')::BIGINT AS logins
FROM usage_events u JOIN (SELECT patient_id, practice_code FROM rollup_patient) p USING (patient_id)
WHERE p.practice_code IS NOT NULL
GROUP BY ALL;

-- Events per month by practice, used organisation, kind and platform (feature use and savings).
CREATE OR REPLACE TEMP TABLE t_ev_month AS
SELECT date_trunc('month', pi_day(u.occurred_at))::DATE AS month, p.practice_code,
       coalesce(u.org_code, p.practice_code) AS used_org, u.event_type,
       coalesce(u.platform, 'unknown') AS platform, count(*)::BIGINT AS events
FROM usage_events u LEFT JOIN (SELECT patient_id, practice_code FROM rollup_patient) p USING (patient_id)
GROUP BY ALL;

DELETE FROM rollup_active;
INSERT INTO rollup_active
WITH counts AS (
  SELECT 'day' AS grain, period_start, practice_code, count(*) AS n FROM t_pp_day GROUP BY ALL
  UNION ALL SELECT 'week', period_start, practice_code, count(*) FROM t_pp_week GROUP BY ALL
  UNION ALL SELECT 'month', period_start, practice_code, count(*) FROM t_pp_month GROUP BY ALL
  UNION ALL SELECT 'quarter', period_start, practice_code, count(*) FROM t_pp_quarter GROUP BY ALL
),
events AS (
  SELECT g.grain, date_trunc(g.grain, day)::DATE AS period_start, practice_code,
         sum(events)::BIGINT AS events, sum(logins)::BIGINT AS logins
  FROM t_ev_day, (SELECT unnest(['day', 'week', 'month', 'quarter']) AS grain) g
  GROUP BY ALL
),
totals AS (
  SELECT grain, period_start, practice_code, 'none' AS dim, 'All' AS dim_value, c.n::INTEGER AS active_patients,
         coalesce(e.logins, 0)::BIGINT AS logins, coalesce(e.events, 0)::BIGINT AS events
  FROM counts c LEFT JOIN events e USING (grain, period_start, practice_code)
),
-- by patient attributes (month and quarter): active patients only; events are not split this way
cube AS (
  SELECT 'month' AS grain, period_start, practice_code, age_band, sex, imd_decile, count(*) AS n FROM t_pp_month GROUP BY ALL
  UNION ALL
  SELECT 'quarter', period_start, practice_code, age_band, sex, imd_decile, count(*) FROM t_pp_quarter GROUP BY ALL
),
by_person AS (
  SELECT grain, period_start, practice_code, 'age_band' AS dim, age_band AS dim_value, sum(n)::INTEGER AS active_patients,
         NULL::BIGINT AS logins, NULL::BIGINT AS events FROM cube GROUP BY ALL
  UNION ALL SELECT grain, period_start, practice_code, 'sex', sex, sum(n)::INTEGER, NULL, NULL FROM cube GROUP BY ALL
  UNION ALL SELECT grain, period_start, practice_code, 'imd_decile', imd_decile, sum(n)::INTEGER, NULL, NULL FROM cube GROUP BY ALL
),
-- by what was used (month and quarter): events only; a patient using two platforms is one person
used AS (
  SELECT month, practice_code, event_type, platform, sum(events) AS events
  FROM t_ev_month WHERE practice_code IS NOT NULL GROUP BY ALL
),
by_use AS (
  SELECT g.grain, date_trunc(g.grain, month)::DATE AS period_start, practice_code, 'event_type' AS dim, event_type AS dim_value,
         NULL::INTEGER AS active_patients,
         coalesce(sum(events) FILTER (WHERE event_type = 'login'), 0)::BIGINT AS logins, sum(events)::BIGINT AS events
  FROM used, (SELECT unnest(['month', 'quarter']) AS grain) g GROUP BY ALL
  UNION ALL
  SELECT g.grain, date_trunc(g.grain, month)::DATE, practice_code, 'platform', platform, NULL,
         coalesce(sum(events) FILTER (WHERE event_type = 'login'), 0)::BIGINT, sum(events)::BIGINT
  FROM used, (SELECT unnest(['month', 'quarter']) AS grain) g GROUP BY ALL
)
SELECT * FROM (SELECT * FROM totals UNION ALL SELECT * FROM by_person UNION ALL SELECT * FROM by_use)
-- sorted by grain, breakdown and period so a date-range read skips most row groups
ORDER BY grain, dim, period_start, practice_code;

-- Lifecycle (month and quarter): new (first active period ever), returning (also active the period before),
-- resurrecting (active before, but not the period before), dormant (active the period before,
-- not in this one).
DELETE FROM rollup_lifecycle;
INSERT INTO rollup_lifecycle
WITH pp AS (
  SELECT 'month' AS grain, * EXCLUDE (age_band, sex, imd_decile, cohort_month) FROM t_pp_month
  UNION ALL SELECT 'quarter', * EXCLUDE (age_band, sex, imd_decile, cohort_month) FROM t_pp_quarter
),
states AS (
  SELECT grain, period_start, practice_code,
         CASE WHEN prev_period IS NULL THEN 'new'
              WHEN pi_next_period(grain, prev_period) = period_start THEN 'returning'
              ELSE 'resurrecting' END AS state
  FROM pp
  UNION ALL
  SELECT grain, pi_next_period(grain, period_start), practice_code, 'dormant'
  FROM pp
  WHERE (next_period IS NULL OR next_period > pi_next_period(grain, period_start))
    AND pi_next_period(grain, period_start) <= (SELECT latest_day FROM rollup_facts)
)
SELECT grain, period_start, practice_code,
       count(*) FILTER (WHERE state = 'new')::INTEGER,
       count(*) FILTER (WHERE state = 'returning')::INTEGER,
       count(*) FILTER (WHERE state = 'resurrecting')::INTEGER,
       count(*) FILTER (WHERE state = 'dormant')::INTEGER
FROM states
GROUP BY ALL;

-- Retention: cohorts by month of first activation; months_since = -1 holds the cohort size.
DELETE FROM rollup_retention;
INSERT INTO rollup_retention
SELECT date_trunc('month', activated_day)::DATE, practice_code, -1, count(*)::INTEGER
FROM rollup_patient
WHERE activated_day IS NOT NULL AND practice_code IS NOT NULL
GROUP BY ALL;
INSERT INTO rollup_retention
SELECT cohort_month, practice_code, datediff('month', cohort_month, period_start)::INTEGER, count(*)::INTEGER
FROM t_pp_month
WHERE cohort_month IS NOT NULL AND period_start >= cohort_month
GROUP BY ALL;

-- Weekday x hour by month and CCG (per practice it would be millions of mostly tiny cells).
DELETE FROM rollup_rhythm;
INSERT INTO rollup_rhythm
SELECT date_trunc('month', day)::DATE, ccg_code, isodow(day)::TINYINT, hour, count(*)::BIGINT
FROM (
  SELECT pi_day(u.occurred_at) AS day, pi_hour(u.occurred_at) AS hour, o.parent_code AS ccg_code
  FROM usage_events u
  JOIN (SELECT patient_id, practice_code FROM rollup_patient) p USING (patient_id)
  JOIN organisations o ON o.org_code = p.practice_code
  WHERE o.parent_code IS NOT NULL
)
GROUP BY ALL;

DELETE FROM rollup_events;
INSERT INTO rollup_events
SELECT g.grain, date_trunc(g.grain, month)::DATE, used_org, event_type, sum(events)::BIGINT
FROM t_ev_month, (SELECT unnest(['month', 'quarter']) AS grain) g
WHERE used_org IS NOT NULL
GROUP BY ALL;
