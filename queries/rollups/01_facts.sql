-- Freshness facts and the organisation closure: small, always rebuilt whole. Also the row sources
-- later steps share (defined once, here).
--
-- Every step runs either over everything (the full rebuild) or over a scope (an incremental
-- refresh after an import): the pi_scoped* macros, defined by server/metrics/rollups.ts, are TRUE
-- in a full rebuild and otherwise test membership of the scope tables that queries/rollups/scope
-- builds. Each rollup is one statement either way; a scoped refresh deletes the keys in scope and
-- inserts the same SELECT restricted to them. Reporting days are Europe/London calendar days
-- (pi_day/pi_hour).

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

-- Enrolment events as the rollups read them.
CREATE OR REPLACE TEMP MACRO pi_enrolment_rows() AS TABLE
SELECT patient_id, practice_code, org_code, event_type,
       coalesce(channel, 'unknown') AS channel,
       coalesce(campaign_code, 'none') AS campaign,
       pi_day(occurred_at) AS day,
       -- orders a patient's events; steps at the same instant in funnel order
       epoch_us(occurred_at) * 4 + CASE event_type WHEN 'invited' THEN 0 WHEN 'registered' THEN 1
                                                   WHEN 'activated' THEN 2 ELSE 3 END AS seq
FROM enrolment_events;

-- Patients with any use in the 30 days to the latest data day (rollup_patient.active_30d).
CREATE OR REPLACE TEMP MACRO pi_recent_users() AS TABLE
SELECT DISTINCT patient_id FROM usage_events
WHERE pi_day(occurred_at) > (SELECT latest_day FROM rollup_facts) - 30
  AND occurred_at > (SELECT latest_event_at FROM rollup_facts) - INTERVAL 32 DAY;
