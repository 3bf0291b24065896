-- Incremental refresh only, after 02_patient: the periods each family of rollups recomputes.
--   enrol: uptake, registrations, activations and retention cohort sizes (by day / month);
--   usage: active patients, lifecycle, retention, rhythm, events (by day, week, month, quarter);
--   feeds: record-feed items by day and month.
-- A period is in scope when some patient's contribution to it may have changed; it is then
-- recomputed whole, from every patient's rows in it, so a too-wide scope costs time but never
-- correctness, and a missing day would be a wrong figure (the property test in
-- test/ingest/incremental-rollups.test.ts compares with a full rebuild).

-- How each scoped patient's row changed.
CREATE OR REPLACE TEMP TABLE t_patient_change AS
SELECT coalesce(a.patient_id, b.patient_id) AS patient_id,
       -- counted under another practice or breakdown: every period they appear in changes
       (a.patient_id IS NULL OR b.patient_id IS NULL OR a.practice_code IS DISTINCT FROM b.practice_code
         OR a.age_band <> b.age_band OR a.sex <> b.sex OR a.imd_decile <> b.imd_decile) AS moved,
       a.activated_day IS DISTINCT FROM b.activated_day AS cohort_changed,
       -- the days registrations and activations are counted on, where they moved
       list_filter([CASE WHEN a.registered_day IS DISTINCT FROM b.registered_day THEN [a.registered_day, b.registered_day] END,
                    CASE WHEN a.activated_day IS DISTINCT FROM b.activated_day THEN [a.activated_day, b.activated_day] END].flatten(),
                   x -> x IS NOT NULL) AS enrol_days,
       a.first_use_day IS DISTINCT FROM b.first_use_day AS first_use_changed,
       [b.first_use_day, a.first_use_day] AS use_days
FROM (SELECT * FROM rollup_patient WHERE patient_id IN (SELECT patient_id FROM t_scope_patients)) a
FULL OUTER JOIN t_patient_before b ON b.patient_id = a.patient_id;

INSERT INTO t_scope_days
WITH pend AS (
  SELECT patient_id, source, pi_day(occurred_at) AS day FROM rollup_pending WHERE occurred_at IS NOT NULL
),
-- A new or purged enrolment event changes the spell it ends and the one it starts: every later
-- enrolment day of the patient is in scope (the old end of a spell it now cuts short).
enrol_since AS (SELECT patient_id, min(day) AS since FROM pend WHERE source = 'enrolment_events' GROUP BY ALL),
moved AS (SELECT patient_id FROM t_patient_change WHERE moved),
-- retention counts a patient's active months from their activation cohort
usage_moved AS (SELECT patient_id FROM t_patient_change WHERE moved OR cohort_changed),
enrol AS (
  SELECT day FROM pend WHERE source = 'enrolment_events'
  UNION ALL
  SELECT pi_day(e.occurred_at) FROM enrolment_events e JOIN enrol_since s ON s.patient_id = e.patient_id
  WHERE pi_day(e.occurred_at) >= s.since
  UNION ALL
  SELECT pi_day(occurred_at) FROM enrolment_events WHERE patient_id IN (SELECT patient_id FROM moved)
  UNION ALL
  SELECT unnest(enrol_days) FROM t_patient_change
),
usage AS (
  SELECT day FROM pend WHERE source = 'usage_events'
  UNION ALL
  SELECT pi_day(occurred_at) FROM usage_events WHERE patient_id IN (SELECT patient_id FROM usage_moved)
  UNION ALL
  SELECT unnest(use_days) FROM t_patient_change WHERE first_use_changed
  UNION ALL
  -- lifecycle counts dormant patients up to the latest data day: when it moves, every period
  -- between the old and the new latest day may gain or lose dormant patients
  SELECT unnest(generate_series(least(o.latest_day, n.latest_day)::TIMESTAMP, greatest(o.latest_day, n.latest_day)::TIMESTAMP, INTERVAL 1 DAY))::DATE
  FROM t_facts_before o, rollup_facts n WHERE o.latest_day IS DISTINCT FROM n.latest_day
  UNION ALL
  SELECT coalesce(o.latest_day, n.latest_day) FROM t_facts_before o, rollup_facts n WHERE (o.latest_day IS NULL) <> (n.latest_day IS NULL)
),
feeds AS (
  SELECT day FROM pend WHERE source = 'record_feeds'
  UNION ALL
  SELECT pi_day(occurred_at) FROM record_feeds WHERE patient_id IN (SELECT patient_id FROM moved)
)
SELECT DISTINCT * FROM (
  SELECT 'enrol', day FROM enrol
  UNION ALL SELECT 'usage', day FROM usage UNION ALL SELECT 'feeds', day FROM feeds
) WHERE day IS NOT NULL;

CREATE OR REPLACE TEMP MACRO pi_grain_step(grain_) AS
  CASE grain_ WHEN 'day' THEN INTERVAL 1 DAY WHEN 'week' THEN INTERVAL 7 DAY WHEN 'month' THEN INTERVAL 1 MONTH ELSE INTERVAL 3 MONTH END;

INSERT INTO t_scope_periods
WITH periods AS (
  SELECT d.fam, g.grain, date_trunc(g.grain, d.day)::DATE AS period_start
  FROM t_scope_days d, (SELECT unnest(['day', 'week', 'month', 'quarter']) AS grain) g
)
SELECT fam, grain, period_start FROM periods
UNION
-- lifecycle: use in a period decides the next one's states (returning, dormant)
SELECT fam, grain, (period_start + pi_grain_step(grain))::DATE FROM periods WHERE fam = 'usage';

-- The days whose events a scoped step reads. Usage: every period in scope and the one before it
-- (lifecycle); feeds: the days in scope.
INSERT INTO t_scope_window
SELECT DISTINCT 'usage', unnest(generate_series(
         (period_start - step)::TIMESTAMP, (period_start + step - INTERVAL 1 DAY)::TIMESTAMP, INTERVAL 1 DAY))::DATE
FROM (SELECT scope_start AS period_start, pi_grain_step(scope_grain) AS step FROM t_scope_periods WHERE scope_fam = 'usage')
UNION ALL
SELECT fam, day FROM t_scope_days WHERE fam = 'feeds';

-- Uptake changes on a day come from the spells that start or end that day: the patients with an
-- enrolment event on a day in scope.
INSERT INTO t_scope_enrolees
SELECT DISTINCT patient_id FROM enrolment_events
WHERE occurred_at >= (SELECT min(day) FROM t_scope_days WHERE fam = 'enrol')::TIMESTAMPTZ - INTERVAL 1 DAY
  AND pi_day(occurred_at) IN (SELECT day FROM t_scope_days WHERE fam = 'enrol');
