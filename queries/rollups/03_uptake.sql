-- Uptake: activation spells turned into daily +1/-1 changes, so "activated at the end of day D"
-- is a running sum. A spell starts at an "activated" event and ends at the patient's next
-- enrolment event of any kind (the latest state is then no longer "activated").

-- Scoped by day: a day's changes come from the patients with an enrolment event that day (a spell
-- starts at one and ends at the next), so those patients' whole enrolment histories are read.
CREATE OR REPLACE TEMP TABLE t_spells AS
SELECT patient_id, org_code, channel, campaign, day AS start_day, next_day AS end_day
FROM (
  SELECT *, lead(day) OVER (PARTITION BY patient_id ORDER BY seq) AS next_day
  FROM pi_enrolment_rows() WHERE pi_scoped_enrolee(patient_id)
)
WHERE event_type = 'activated';

DELETE FROM rollup_uptake_daily WHERE pi_scoped('enrol', 'day', day);
INSERT INTO rollup_uptake_daily
WITH changes AS (
  SELECT patient_id, channel, campaign, start_day AS day, 1 AS delta FROM t_spells WHERE pi_scoped('enrol', 'day', start_day)
  UNION ALL
  SELECT patient_id, channel, campaign, end_day, -1 FROM t_spells WHERE end_day IS NOT NULL AND pi_scoped('enrol', 'day', end_day)
)
SELECT day, practice_code,
       CASE WHEN GROUPING(age_band) = 0 THEN 'age_band' WHEN GROUPING(sex) = 0 THEN 'sex'
            WHEN GROUPING(imd_decile) = 0 THEN 'imd_decile' WHEN GROUPING(channel) = 0 THEN 'channel'
            WHEN GROUPING(campaign) = 0 THEN 'campaign' ELSE 'none' END,
       coalesce(age_band, sex, imd_decile, channel, campaign, 'All'),
       sum(delta)::INTEGER
FROM changes c JOIN rollup_patient p USING (patient_id)
WHERE p.practice_code IS NOT NULL
GROUP BY GROUPING SETS ((day, practice_code), (day, practice_code, age_band), (day, practice_code, sex),
                        (day, practice_code, imd_decile), (day, practice_code, channel), (day, practice_code, campaign))
HAVING sum(delta) <> 0
ORDER BY 3, 1;  -- by dim and day, so date-range reads skip row groups

DELETE FROM rollup_uptake_org_daily WHERE pi_scoped('enrol', 'day', day);
INSERT INTO rollup_uptake_org_daily
SELECT day, org_code, sum(delta)::INTEGER
FROM (
  SELECT org_code, start_day AS day, 1 AS delta FROM t_spells WHERE pi_scoped('enrol', 'day', start_day)
  UNION ALL
  SELECT org_code, end_day, -1 FROM t_spells WHERE end_day IS NOT NULL AND pi_scoped('enrol', 'day', end_day)
)
GROUP BY ALL
HAVING sum(delta) <> 0;

DELETE FROM rollup_registrations_daily WHERE pi_scoped('enrol', 'day', day);
INSERT INTO rollup_registrations_daily
SELECT registered_day, practice_code, count(*)::INTEGER
FROM rollup_patient
WHERE registered_day IS NOT NULL AND practice_code IS NOT NULL AND pi_scoped('enrol', 'day', registered_day)
GROUP BY ALL;

DELETE FROM rollup_enrolled_daily WHERE pi_scoped('enrol', 'day', day);
INSERT INTO rollup_enrolled_daily
SELECT activated_day, practice_code, count(*)::INTEGER
FROM rollup_patient
WHERE activated_day IS NOT NULL AND practice_code IS NOT NULL AND pi_scoped('enrol', 'day', activated_day)
GROUP BY ALL;
