-- One row per patient, and the population by practice.
-- Written for speed at ~25M events on 2 cores: each event table is scanned a few times, and the
-- only high-cardinality grouping is one row per patient (never patient x day).

-- The enrolment events of the patients in scope (every patient in a full rebuild).
CREATE OR REPLACE TEMP TABLE t_enrol AS
SELECT * FROM pi_enrolment_rows() WHERE pi_scoped_patient(patient_id);

DELETE FROM rollup_patient WHERE pi_scoped_patient(patient_id);
INSERT INTO rollup_patient
WITH e AS (
  SELECT patient_id,
         arg_max(practice_code, seq) AS last_practice,
         min(day) AS first_enrol_day,
         arg_min(channel, seq) AS first_channel,
         arg_min(campaign, seq) AS first_campaign,
         min(day) FILTER (WHERE event_type IN ('registered', 'activated')) AS registered_day,
         min(day) FILTER (WHERE event_type = 'activated') AS activated_day
  FROM t_enrol GROUP BY patient_id
),
recent AS (SELECT patient_id FROM pi_recent_users() WHERE pi_scoped_patient(patient_id)),
-- min before pi_day: one conversion per patient, not per event (the day is monotonic in time)
used AS (
  SELECT patient_id, pi_day(min(occurred_at)) AS first_use_day
  FROM usage_events WHERE pi_scoped_patient(patient_id) GROUP BY patient_id
),
ref AS (SELECT year(coalesce((SELECT latest_day FROM rollup_facts), current_date)) AS ref_year)
SELECT coalesce(p.patient_id, e.patient_id),
       coalesce(p.practice_code, e.last_practice),
       CASE
         WHEN p.birth_year IS NULL THEN 'unknown'
         WHEN ref_year - p.birth_year < 18 THEN '0-17'
         WHEN ref_year - p.birth_year < 30 THEN '18-29'
         WHEN ref_year - p.birth_year < 45 THEN '30-44'
         WHEN ref_year - p.birth_year < 65 THEN '45-64'
         WHEN ref_year - p.birth_year < 75 THEN '65-74'
         WHEN ref_year - p.birth_year < 85 THEN '75-84'
         ELSE '85+'
       END,
       coalesce(p.sex, 'unknown'),
       coalesce(p.imd_decile::VARCHAR, 'unknown'),
       e.first_enrol_day,
       coalesce(e.first_channel, 'unknown'),
       coalesce(e.first_campaign, 'none'),
       e.registered_day,
       e.activated_day,
       r.patient_id IS NOT NULL,
       u.first_use_day
FROM (SELECT * FROM patients WHERE pi_scoped_patient(patient_id)) p
FULL OUTER JOIN e ON e.patient_id = p.patient_id
LEFT JOIN recent r ON r.patient_id = coalesce(p.patient_id, e.patient_id)
LEFT JOIN used u ON u.patient_id = coalesce(p.patient_id, e.patient_id)
CROSS JOIN ref;

-- Scoped by practice: the practices of the patients in scope, before and after.
DELETE FROM rollup_population WHERE pi_scoped_practice(practice_code);
INSERT INTO rollup_population
SELECT practice_code,
       CASE WHEN GROUPING(age_band) = 0 THEN 'age_band' WHEN GROUPING(sex) = 0 THEN 'sex'
            WHEN GROUPING(imd_decile) = 0 THEN 'imd_decile' ELSE 'none' END,
       coalesce(age_band, sex, imd_decile, 'All'),
       count(*)::INTEGER
FROM rollup_patient
WHERE practice_code IS NOT NULL AND pi_scoped_practice(practice_code)
GROUP BY GROUPING SETS ((practice_code), (practice_code, age_band), (practice_code, sex), (practice_code, imd_decile));
