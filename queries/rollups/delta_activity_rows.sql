-- Incremental refresh maintaining the usage rollups by difference (in place of 05_activity_rows;
-- refreshRollupsIncremental says when it may): the same three relations 05_activity reads, over
-- the patients whose usage the batches changed, each contribution signed: -1 for what a patient
-- contributed before the batches, +1 for what they contribute now. Summed, they are the difference
-- the batches make to every usage rollup, whatever the size of the periods they touched.
--
-- A patient's usage before = their stored events but those the batches inserted (rollup_pending
-- names them), and the events objections purged since (rollup_pending_purged: none of them inserted
-- by the batches, or the refresh would not come here, as it could not tell whether it was counted),
-- counted under
-- their attributes before (t_patient_before, scope_patients.sql); now = all their events, under
-- rollup_patient's attributes.

-- (a purge's rows have no event_id)
CREATE OR REPLACE TEMP TABLE t_delta_new AS
SELECT event_id FROM rollup_pending WHERE source = 'usage_events' AND event_id IS NOT NULL;

-- The patients whose usage counts change, and whether every period of theirs does ("whole"):
-- counted under another practice or breakdown, or in another retention cohort. The others changed
-- only through new events: their differences lie in the periods of those events and the one after
-- (lifecycle), so their events are read from pi_delta_since() on (a constant, so the scan skips
-- older row groups: the start of the quarter before the earliest new event's quarter, the period
-- before every period touched, in every grain). Both lists of such a patient miss the same older
-- events, which makes the same difference (none) to every period it does not touch.
CREATE OR REPLACE TEMP TABLE t_delta_patients AS
SELECT patient_id, bool_or(whole) AS whole FROM (
  SELECT patient_id, FALSE AS whole FROM rollup_pending WHERE source = 'usage_events'
  UNION ALL
  SELECT patient_id, moved OR cohort_changed FROM t_patient_change WHERE moved OR cohort_changed OR first_use_changed
)
GROUP BY patient_id;

-- pending: counted now, not before (inserted by the batches); purged: counted before, not now.
CREATE OR REPLACE TEMP TABLE t_delta_events AS
SELECT u.patient_id, u.occurred_at, u.org_code, u.event_type, u.platform, d.whole,
       u.event_id IN (SELECT event_id FROM t_delta_new) AS pending, FALSE AS purged
FROM usage_events u JOIN t_delta_patients d ON d.patient_id = u.patient_id AND NOT d.whole
WHERE u.occurred_at >= pi_delta_since()
UNION ALL
SELECT u.patient_id, u.occurred_at, u.org_code, u.event_type, u.platform, d.whole,
       u.event_id IN (SELECT event_id FROM t_delta_new), FALSE
FROM usage_events u JOIN t_delta_patients d ON d.patient_id = u.patient_id AND d.whole
UNION ALL
SELECT u.patient_id, u.occurred_at, u.org_code, u.event_type, u.platform, d.whole, FALSE, TRUE
FROM rollup_pending_purged u JOIN t_delta_patients d ON d.patient_id = u.patient_id;

-- Event counts: the new events in under the patient's practice now, the purged ones out under the
-- practice before; a whole patient's other events move from the practice before to the one now
-- (the same practice cancels out).
CREATE OR REPLACE TEMP VIEW t_act_events AS
SELECT -1 AS sign, e.occurred_at, e.org_code, e.event_type, e.platform, b.practice_code
FROM t_delta_events e LEFT JOIN t_patient_before b USING (patient_id)
WHERE (e.whole AND NOT e.pending) OR e.purged
UNION ALL
SELECT 1, e.occurred_at, e.org_code, e.event_type, e.platform, p.practice_code
FROM t_delta_events e LEFT JOIN (SELECT patient_id, practice_code FROM rollup_patient) p USING (patient_id)
WHERE (e.whole OR e.pending) AND NOT e.purged;

CREATE OR REPLACE TEMP VIEW t_act_list_events AS
SELECT patient_id, -1 AS sign, occurred_at, event_type, platform FROM t_delta_events WHERE NOT pending
UNION ALL
SELECT patient_id, 1, occurred_at, event_type, platform FROM t_delta_events WHERE NOT purged;

CREATE OR REPLACE TEMP VIEW t_act_attrs AS
SELECT patient_id, -1 AS sign, practice_code, age_band, sex, imd_decile, activated_day, first_use_day
FROM t_patient_before WHERE patient_id IN (SELECT patient_id FROM t_delta_patients)
UNION ALL
SELECT patient_id, 1, practice_code, age_band, sex, imd_decile, activated_day, first_use_day
FROM rollup_patient WHERE patient_id IN (SELECT patient_id FROM t_delta_patients);
