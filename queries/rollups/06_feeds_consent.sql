-- Data accumulation and consent. Feed items by day and month are scoped by period (family
-- 'feeds'); the rest is rebuilt whole in every refresh: each patient's first day per source can move
-- either way when a late feed arrives or one is purged, and objections and consent are small.

-- Each patient's first day per source (the only per-patient grouping of feeds).
CREATE OR REPLACE TEMP TABLE t_feed_first AS
SELECT patient_id, source_org_code, pi_day(min(occurred_at)) AS day
FROM record_feeds GROUP BY ALL;

DELETE FROM rollup_feeds_daily WHERE pi_scoped('feeds', 'day', day);
INSERT INTO rollup_feeds_daily
SELECT pi_day(f.occurred_at) AS day, p.practice_code, f.source_org_code, sum(f.item_count)::BIGINT, count(*)::BIGINT
FROM record_feeds f JOIN (SELECT patient_id, practice_code FROM rollup_patient) p USING (patient_id)
WHERE p.practice_code IS NOT NULL AND pi_scoped_at('feeds', f.occurred_at) AND pi_scoped('feeds', 'day', pi_day(f.occurred_at))
GROUP BY ALL
ORDER BY 1;

DELETE FROM rollup_feeds_monthly WHERE pi_scoped('feeds', 'month', month);
INSERT INTO rollup_feeds_monthly
SELECT date_trunc('month', day)::DATE AS month, practice_code, source_org_code, sum(items)::BIGINT, sum(feeds)::BIGINT
FROM rollup_feeds_daily
WHERE pi_scoped('feeds', 'month', date_trunc('month', day)::DATE)
GROUP BY ALL
ORDER BY month;

DELETE FROM rollup_feed_reach_daily;
INSERT INTO rollup_feed_reach_daily
SELECT day, source_org_code, count(*)::INTEGER
FROM t_feed_first
GROUP BY ALL;

-- For ever-activated patients: the day their 1st, 2nd and 3rd distinct source first sent data
-- (counted from the activation day if the data arrived earlier).
DELETE FROM rollup_sources_reached;
INSERT INTO rollup_sources_reached
WITH ranked AS (
  SELECT patient_id, day, row_number() OVER (PARTITION BY patient_id ORDER BY day, source_org_code) AS n
  FROM t_feed_first
)
SELECT greatest(r.day, p.activated_day), p.practice_code, r.n::TINYINT, count(*)::INTEGER
FROM ranked r JOIN rollup_patient p USING (patient_id)
WHERE r.n <= 3 AND p.activated_day IS NOT NULL AND p.practice_code IS NOT NULL
GROUP BY ALL;

DELETE FROM rollup_objections_daily;
INSERT INTO rollup_objections_daily
SELECT day, practice_code, scope, sum(delta)::INTEGER
FROM (
  SELECT pi_day(o.registered_at) AS day, p.practice_code, o.scope, 1 AS delta
  FROM objection_episodes o JOIN rollup_patient p USING (patient_id)
  UNION ALL
  SELECT pi_day(o.withdrawn_at), p.practice_code, o.scope, -1
  FROM objection_episodes o JOIN rollup_patient p USING (patient_id)
  WHERE o.withdrawn_at IS NOT NULL
)
WHERE practice_code IS NOT NULL
GROUP BY ALL
HAVING sum(delta) <> 0;

DELETE FROM rollup_consent_daily;
INSERT INTO rollup_consent_daily
SELECT pi_day(c.occurred_at), p.practice_code, c.org_code, c.event_type,
       count(DISTINCT c.patient_id)::INTEGER
FROM consent_events c JOIN rollup_patient p USING (patient_id)
WHERE c.event_type IN ('sharing_granted', 'sharing_revoked') AND p.practice_code IS NOT NULL
GROUP BY ALL;

DROP TABLE IF EXISTS t_enrol;
DROP TABLE IF EXISTS t_spells;
DROP TABLE IF EXISTS t_pl;
DROP TABLE IF EXISTS t_ev_day;
DROP TABLE IF EXISTS t_ev_month;
DROP TABLE IF EXISTS t_usage_sets;
DROP TABLE IF EXISTS t_kinds;
DROP TABLE IF EXISTS t_pairs;
DROP TABLE IF EXISTS t_feed_first;
