-- Funnel cohorts by month of the first enrolment event; a later step counts as having reached the
-- earlier ones (a patient who registered without a recorded invitation was still reached).
-- Scoped by cohort month.

DELETE FROM rollup_funnel WHERE pi_scoped('funnel', 'month', cohort_month);
INSERT INTO rollup_funnel
WITH cube AS (
  SELECT date_trunc('month', first_enrol_day)::DATE AS cohort_month, practice_code,
         first_channel AS channel, first_campaign AS campaign,
         count(*)::INTEGER AS invited,
         count(registered_day)::INTEGER AS registered,
         count(activated_day)::INTEGER AS activated,
         count(*) FILTER (WHERE activated_day IS NOT NULL AND active_30d)::INTEGER AS active_30d
  FROM rollup_patient
  WHERE first_enrol_day IS NOT NULL AND practice_code IS NOT NULL
    AND pi_scoped('funnel', 'month', date_trunc('month', first_enrol_day)::DATE)
  GROUP BY ALL
)
SELECT cohort_month, practice_code, dim, dim_value,
       sum(invited)::INTEGER, sum(registered)::INTEGER, sum(activated)::INTEGER, sum(active_30d)::INTEGER
FROM (
  UNPIVOT (SELECT cohort_month, practice_code, invited, registered, activated, active_30d,
                  'All' AS "none", channel, campaign FROM cube)
  ON "none", channel, campaign INTO NAME dim VALUE dim_value
)
GROUP BY ALL
ORDER BY dim, cohort_month;

DELETE FROM rollup_funnel_lag WHERE pi_scoped('funnel', 'month', cohort_month);
INSERT INTO rollup_funnel_lag
WITH scoped AS (
  SELECT * FROM rollup_patient
  WHERE first_enrol_day IS NOT NULL AND pi_scoped('funnel', 'month', date_trunc('month', first_enrol_day)::DATE)
),
lags AS (
  SELECT date_trunc('month', first_enrol_day)::DATE AS cohort_month, practice_code,
         first_channel AS channel, first_campaign AS campaign,
         'invited_registered' AS step, (registered_day - first_enrol_day)::INTEGER AS days
  FROM scoped WHERE registered_day IS NOT NULL AND practice_code IS NOT NULL
  UNION ALL
  SELECT date_trunc('month', first_enrol_day)::DATE, practice_code, first_channel, first_campaign,
         'registered_activated', (activated_day - registered_day)::INTEGER
  FROM scoped WHERE activated_day IS NOT NULL AND registered_day IS NOT NULL AND practice_code IS NOT NULL
),
cube AS (SELECT cohort_month, practice_code, channel, campaign, step, days, count(*)::INTEGER AS patients FROM lags GROUP BY ALL)
SELECT cohort_month, practice_code, dim, dim_value, step, days, sum(patients)::INTEGER
FROM (
  UNPIVOT (SELECT cohort_month, practice_code, step, days, patients, 'All' AS "none", channel, campaign FROM cube)
  ON "none", channel, campaign INTO NAME dim VALUE dim_value
)
GROUP BY ALL
ORDER BY dim, cohort_month;
