-- Base rollups: freshness facts, the organisation closure, one row per patient, population.
-- Reporting days are Europe/London calendar days (pi_day/pi_hour, defined by rollups.ts).
-- Written for speed at ~25M events on 2 cores: each event table is scanned a few times, and the
-- only high-cardinality grouping is one row per patient (never patient x day).

CREATE OR REPLACE TEMP TABLE t_enrol AS
SELECT patient_id, practice_code, org_code, event_type,
       coalesce(channel, 'unknown') AS channel,
       coalesce(campaign_code, 'none') AS campaign,
       pi_day(occurred_at) AS day,
       -- orders a patient's events; steps at the same instant in funnel order
       epoch_us(occurred_at) * 4 + CASE event_type WHEN 'invited' THEN 0 WHEN 'registered' THEN 1
                                                   WHEN 'activated' THEN 2 ELSE 3 END AS seq
FROM enrolment_events;

DELETE FROM rollup_facts;
INSERT INTO rollup_facts
WITH latest AS (
  SELECT max(occurred_at) AS latest_at, min(occurred_at) AS first_at FROM enrolment_events
  UNION ALL SELECT max(occurred_at), min(occurred_at) FROM usage_events
  UNION ALL SELECT max(occurred_at), min(occurred_at) FROM record_feeds
  UNION ALL SELECT max(occurred_at), min(occurred_at) FROM consent_events
)
SELECT max(latest_at), pi_day(min(first_at)), pi_day(max(latest_at)), now() FROM latest;

DELETE FROM rollup_org_tree;
INSERT INTO rollup_org_tree
WITH RECURSIVE up(org_code, org_type, ancestor_code, depth) AS (
  SELECT org_code, org_type, org_code, 0 FROM organisations
  UNION ALL
  SELECT up.org_code, up.org_type, a.parent_code, up.depth + 1
  FROM up JOIN organisations a ON a.org_code = up.ancestor_code
  WHERE a.parent_code IS NOT NULL AND up.depth < 10
)
SELECT up.org_code, up.org_type, up.ancestor_code, o.org_type, up.depth
FROM up JOIN organisations o ON o.org_code = up.ancestor_code;

DELETE FROM rollup_patient;
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
recent AS (
  SELECT DISTINCT patient_id FROM usage_events
  WHERE pi_day(occurred_at) > (SELECT latest_day FROM rollup_facts) - 30
    AND occurred_at > (SELECT latest_event_at FROM rollup_facts) - INTERVAL 32 DAY
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
       r.patient_id IS NOT NULL
FROM patients p
FULL OUTER JOIN e ON e.patient_id = p.patient_id
LEFT JOIN recent r ON r.patient_id = coalesce(p.patient_id, e.patient_id)
CROSS JOIN ref;

DELETE FROM rollup_population;
INSERT INTO rollup_population
SELECT practice_code,
       CASE WHEN GROUPING(age_band) = 0 THEN 'age_band' WHEN GROUPING(sex) = 0 THEN 'sex'
            WHEN GROUPING(imd_decile) = 0 THEN 'imd_decile' ELSE 'none' END,
       coalesce(age_band, sex, imd_decile, 'All'),
       count(*)::INTEGER
FROM rollup_patient
WHERE practice_code IS NOT NULL
GROUP BY GROUPING SETS ((practice_code), (practice_code, age_band), (practice_code, sex), (practice_code, imd_decile));
