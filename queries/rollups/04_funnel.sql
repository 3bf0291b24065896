-- Funnel cohorts by month of the first enrolment event; a later step counts as having reached the
-- earlier ones (a patient who registered without a recorded invitation was still reached).
--
-- Maintained by difference: every figure here is a count of patients, each patient counted from
-- their rollup_patient row alone. A full rebuild counts every patient into emptied tables. An
-- incremental refresh counts only the patients in scope, twice: as they were (t_patient_before,
-- sign -1) and as they are (sign +1), and adds that difference to the stored rows. So a refresh
-- reads the few patients a batch touched, not every cohort their "active in the last 30 days" flag
-- moved in (which, as the latest day moves, is nearly all of them).

DELETE FROM rollup_funnel WHERE pi_full_rebuild();
DELETE FROM rollup_funnel_lag WHERE pi_full_rebuild();

CREATE OR REPLACE TEMP TABLE t_funnel_patients AS
SELECT 1 AS sign, date_trunc('month', first_enrol_day)::DATE AS cohort_month, practice_code,
       first_channel AS channel, first_campaign AS campaign, first_enrol_day, registered_day, activated_day, active_30d
FROM rollup_patient
WHERE first_enrol_day IS NOT NULL AND practice_code IS NOT NULL AND pi_scoped_patient(patient_id)
UNION ALL
SELECT -1, date_trunc('month', first_enrol_day)::DATE, practice_code,
       first_channel, first_campaign, first_enrol_day, registered_day, activated_day, active_30d
FROM t_patient_before
WHERE first_enrol_day IS NOT NULL AND practice_code IS NOT NULL;

-- The change per row (every row, in a full rebuild); rows whose counts do not change are left out.
CREATE OR REPLACE TEMP TABLE t_funnel_delta AS
WITH cube AS (
  SELECT cohort_month, practice_code, channel, campaign,
         sum(sign) AS invited,
         sum(sign) FILTER (WHERE registered_day IS NOT NULL) AS registered,
         sum(sign) FILTER (WHERE activated_day IS NOT NULL) AS activated,
         sum(sign) FILTER (WHERE activated_day IS NOT NULL AND active_30d) AS active_30d
  FROM t_funnel_patients
  GROUP BY ALL
)
SELECT cohort_month, practice_code, dim, dim_value,
       sum(invited) AS invited, coalesce(sum(registered), 0) AS registered,
       coalesce(sum(activated), 0) AS activated, coalesce(sum(active_30d), 0) AS active_30d
FROM (
  UNPIVOT (SELECT cohort_month, practice_code, invited, registered, activated, active_30d,
                  'All' AS "none", channel, campaign FROM cube)
  ON "none", channel, campaign INTO NAME dim VALUE dim_value
)
GROUP BY ALL
HAVING sum(invited) <> 0 OR coalesce(sum(registered), 0) <> 0 OR coalesce(sum(activated), 0) <> 0 OR coalesce(sum(active_30d), 0) <> 0;

-- Stored rows plus their change; a row exists while it counts an invited patient (as a rebuild's).
CREATE OR REPLACE TEMP TABLE t_funnel_rows AS
SELECT cohort_month, practice_code, dim, dim_value,
       sum(invited)::INTEGER AS invited, sum(registered)::INTEGER AS registered,
       sum(activated)::INTEGER AS activated, sum(active_30d)::INTEGER AS active_30d
FROM (
  SELECT f.cohort_month, f.practice_code, f.dim, f.dim_value, f.invited, f.registered, f.activated, f.active_30d
  FROM rollup_funnel f SEMI JOIN t_funnel_delta d USING (cohort_month, practice_code, dim, dim_value)
  UNION ALL
  SELECT cohort_month, practice_code, dim, dim_value, invited, registered, activated, active_30d FROM t_funnel_delta
)
GROUP BY ALL
HAVING sum(invited) > 0;

DELETE FROM rollup_funnel f USING t_funnel_delta d
WHERE f.cohort_month = d.cohort_month AND f.practice_code = d.practice_code AND f.dim = d.dim AND f.dim_value = d.dim_value;
INSERT INTO rollup_funnel
SELECT cohort_month, practice_code, dim, dim_value, invited, registered, activated, active_30d
FROM t_funnel_rows
ORDER BY dim, cohort_month;

-- Days between funnel steps as a histogram (medians over any group), maintained the same way.
CREATE OR REPLACE TEMP TABLE t_funnel_lag_delta AS
WITH lags AS (
  SELECT sign, cohort_month, practice_code, channel, campaign,
         'invited_registered' AS step, (registered_day - first_enrol_day)::INTEGER AS days
  FROM t_funnel_patients WHERE registered_day IS NOT NULL
  UNION ALL
  SELECT sign, cohort_month, practice_code, channel, campaign,
         'registered_activated', (activated_day - registered_day)::INTEGER
  FROM t_funnel_patients WHERE activated_day IS NOT NULL AND registered_day IS NOT NULL
),
cube AS (SELECT cohort_month, practice_code, channel, campaign, step, days, sum(sign) AS patients FROM lags GROUP BY ALL)
SELECT cohort_month, practice_code, dim, dim_value, step, days, sum(patients) AS patients
FROM (
  UNPIVOT (SELECT cohort_month, practice_code, step, days, patients, 'All' AS "none", channel, campaign FROM cube)
  ON "none", channel, campaign INTO NAME dim VALUE dim_value
)
GROUP BY ALL
HAVING sum(patients) <> 0;

CREATE OR REPLACE TEMP TABLE t_funnel_lag_rows AS
SELECT cohort_month, practice_code, dim, dim_value, step, days, sum(patients)::INTEGER AS patients
FROM (
  SELECT f.cohort_month, f.practice_code, f.dim, f.dim_value, f.step, f.days, f.patients
  FROM rollup_funnel_lag f SEMI JOIN t_funnel_lag_delta d USING (cohort_month, practice_code, dim, dim_value, step, days)
  UNION ALL
  SELECT cohort_month, practice_code, dim, dim_value, step, days, patients FROM t_funnel_lag_delta
)
GROUP BY ALL
HAVING sum(patients) > 0;

DELETE FROM rollup_funnel_lag f USING t_funnel_lag_delta d
WHERE f.cohort_month = d.cohort_month AND f.practice_code = d.practice_code AND f.dim = d.dim AND f.dim_value = d.dim_value
  AND f.step = d.step AND f.days = d.days;
INSERT INTO rollup_funnel_lag
SELECT cohort_month, practice_code, dim, dim_value, step, days, patients
FROM t_funnel_lag_rows
ORDER BY dim, cohort_month;

DROP TABLE t_funnel_patients;
DROP TABLE t_funnel_delta;
DROP TABLE t_funnel_rows;
DROP TABLE t_funnel_lag_delta;
DROP TABLE t_funnel_lag_rows;
