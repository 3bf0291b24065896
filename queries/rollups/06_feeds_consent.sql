-- Data accumulation and consent. Feed items by day and month are scoped by period (family
-- 'feeds'). Feed reach and sources reached are maintained by difference, as 04_funnel's rollups:
-- both are sums of per-patient contributions, counted from the patient's first day per source
-- (kept in rollup_feed_first, migration 015) and, for sources reached, their activation day and
-- practice (rollup_patient). Objections and consent are rebuilt whole: their tables are small
-- (about 15 thousand rows each for 575 thousand patients; each recount took about 10 ms there),
-- and a difference would need their state before the batches, which nothing keeps (the importer
-- rebuilds a patient's episodes; rollup_pending does not name the consent events it inserted).

-- The patients whose contributions may change: a batch inserted or purged one of their feeds
-- (rollup_pending), or their activation day or practice changed (or their rollup_patient row came
-- or went). Both are in t_scope_patients, so t_patient_before holds their rows as they were. None in
-- a full rebuild, which counts every patient into emptied tables.
CREATE OR REPLACE TEMP TABLE t_feed_scope AS
SELECT patient_id FROM rollup_pending WHERE source = 'record_feeds' AND patient_id IS NOT NULL AND NOT pi_full_rebuild()
UNION
SELECT coalesce(a.patient_id, b.patient_id)
FROM (SELECT patient_id, practice_code, activated_day FROM rollup_patient
      WHERE NOT pi_full_rebuild() AND pi_scoped_patient(patient_id)) a
FULL OUTER JOIN t_patient_before b ON b.patient_id = a.patient_id
WHERE a.patient_id IS NULL OR b.patient_id IS NULL
   OR a.practice_code IS DISTINCT FROM b.practice_code OR a.activated_day IS DISTINCT FROM b.activated_day;

-- Their first days per source as they were (the purged feeds are gone from record_feeds; the
-- stored rows still count them), then as they are: each patient's rows are recomputed from all of
-- their feeds, so a late feed or a purge moves the first day either way.
CREATE OR REPLACE TEMP TABLE t_feed_first_before AS
SELECT patient_id, source_org_code, day FROM rollup_feed_first WHERE patient_id IN (SELECT patient_id FROM t_feed_scope);

DELETE FROM rollup_feed_first WHERE pi_full_rebuild() OR patient_id IN (SELECT patient_id FROM t_feed_scope);
INSERT INTO rollup_feed_first
SELECT patient_id, source_org_code, pi_day(min(occurred_at)) AS day
FROM record_feeds
WHERE pi_full_rebuild() OR patient_id IN (SELECT patient_id FROM t_feed_scope)
GROUP BY ALL;

-- The contributions counted: as they were (-1), as they are (+1); every patient's in a full rebuild.
CREATE OR REPLACE TEMP VIEW t_feed_first_signed AS
SELECT -1 AS sign, patient_id, source_org_code, day FROM t_feed_first_before
UNION ALL
SELECT 1, patient_id, source_org_code, day FROM rollup_feed_first
WHERE pi_full_rebuild() OR patient_id IN (SELECT patient_id FROM t_feed_scope);

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

-- Patients first reached by a source, by day: the change per row, merged into the stored rows (a row
-- exists while it counts a patient, as a rebuild's).
DELETE FROM rollup_feed_reach_daily WHERE pi_full_rebuild();
CREATE OR REPLACE TEMP TABLE t_reach_delta AS
SELECT day, source_org_code, sum(sign) AS patients
FROM t_feed_first_signed
GROUP BY ALL
HAVING sum(sign) <> 0;

CREATE OR REPLACE TEMP TABLE t_reach_rows AS
SELECT day, source_org_code, sum(patients)::INTEGER AS patients
FROM (
  SELECT r.day, r.source_org_code, r.patients FROM rollup_feed_reach_daily r SEMI JOIN t_reach_delta d USING (day, source_org_code)
  UNION ALL
  SELECT day, source_org_code, patients FROM t_reach_delta
)
GROUP BY ALL
HAVING sum(patients) > 0;

DELETE FROM rollup_feed_reach_daily r USING t_reach_delta d WHERE r.day = d.day AND r.source_org_code = d.source_org_code;
INSERT INTO rollup_feed_reach_daily SELECT day, source_org_code, patients FROM t_reach_rows;

-- For ever-activated patients: the day their 1st, 2nd and 3rd distinct source first sent data
-- (counted from the activation day if the data arrived earlier). Each contribution under the
-- patient's activation day and practice at the time: t_patient_before's before, rollup_patient's
-- now (a patient new to rollup_patient contributed nothing before).
DELETE FROM rollup_sources_reached WHERE pi_full_rebuild();
CREATE OR REPLACE TEMP TABLE t_sources_delta AS
WITH ranked AS (
  SELECT sign, patient_id, day, row_number() OVER (PARTITION BY sign, patient_id ORDER BY day, source_org_code) AS n
  FROM t_feed_first_signed
),
attrs AS (
  SELECT -1 AS sign, patient_id, practice_code, activated_day FROM t_patient_before
  UNION ALL
  SELECT 1, patient_id, practice_code, activated_day FROM rollup_patient
  WHERE pi_full_rebuild() OR patient_id IN (SELECT patient_id FROM t_feed_scope)
)
SELECT greatest(r.day, p.activated_day) AS day, p.practice_code, r.n::TINYINT AS sources, sum(r.sign) AS patients
FROM ranked r JOIN attrs p USING (sign, patient_id)
WHERE r.n <= 3 AND p.activated_day IS NOT NULL AND p.practice_code IS NOT NULL
GROUP BY ALL
HAVING sum(r.sign) <> 0;

CREATE OR REPLACE TEMP TABLE t_sources_rows AS
SELECT day, practice_code, sources, sum(patients)::INTEGER AS patients
FROM (
  SELECT s.day, s.practice_code, s.sources, s.patients
  FROM rollup_sources_reached s SEMI JOIN t_sources_delta d USING (day, practice_code, sources)
  UNION ALL
  SELECT day, practice_code, sources, patients FROM t_sources_delta
)
GROUP BY ALL
HAVING sum(patients) > 0;

DELETE FROM rollup_sources_reached s USING t_sources_delta d
WHERE s.day = d.day AND s.practice_code = d.practice_code AND s.sources = d.sources;
INSERT INTO rollup_sources_reached SELECT day, practice_code, sources, patients FROM t_sources_rows;

-- Objections and consent: rebuilt whole (see the top), by every patient's current practice.
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
DROP VIEW IF EXISTS t_feed_first_signed;
DROP TABLE IF EXISTS t_feed_scope;
DROP TABLE IF EXISTS t_feed_first_before;
DROP TABLE IF EXISTS t_reach_delta;
DROP TABLE IF EXISTS t_reach_rows;
DROP TABLE IF EXISTS t_sources_delta;
DROP TABLE IF EXISTS t_sources_rows;
