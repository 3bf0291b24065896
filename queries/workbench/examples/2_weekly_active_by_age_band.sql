-- Weekly active patients by age band: over the last twelve weeks of data, distinct patients with
-- any portal use in the week, by their age at the start of the week.
WITH last_event AS (SELECT max(occurred_at) AS latest_at FROM usage_events)
SELECT date_trunc('week', u.occurred_at)::DATE AS week,
       CASE WHEN year(u.occurred_at) - p.birth_year < 18 THEN '0-17'
            WHEN year(u.occurred_at) - p.birth_year < 35 THEN '18-34'
            WHEN year(u.occurred_at) - p.birth_year < 50 THEN '35-49'
            WHEN year(u.occurred_at) - p.birth_year < 65 THEN '50-64'
            WHEN year(u.occurred_at) - p.birth_year < 80 THEN '65-79'
            WHEN p.birth_year IS NULL THEN 'unknown'
            ELSE '80+' END AS age_band,
       count(DISTINCT u.patient_id) AS active_patients
FROM usage_events u
JOIN patients p USING (patient_id)
WHERE u.occurred_at >= (SELECT latest_at FROM last_event) - INTERVAL 12 WEEK
GROUP BY ALL
ORDER BY week, age_band
