-- The rows the activity rollups (05_activity) are computed from, for a full rebuild or a refresh
-- scoped by period: every usage event (of the periods in scope), each counted once (sign 1), and
-- every patient's attributes. An incremental refresh that maintains these rollups by difference
-- defines the same three relations over the batches' patients instead, with sign -1 for what they
-- contributed before and +1 for what they contribute now (delta_activity_rows.sql).

-- Events with the attributes they are counted under (the patient's practice; none for a patient
-- the store has no rollup_patient row for).
CREATE OR REPLACE TEMP VIEW t_act_events AS
SELECT 1 AS sign, u.occurred_at, u.org_code, u.event_type, u.platform, p.practice_code
FROM usage_events u
LEFT JOIN (SELECT patient_id, practice_code FROM rollup_patient) p USING (patient_id)
WHERE pi_scoped_at('usage', u.occurred_at);

-- Events as each patient's list of uses is built from (one list per patient and sign).
CREATE OR REPLACE TEMP VIEW t_act_list_events AS
SELECT patient_id, 1 AS sign, occurred_at, event_type, platform
FROM usage_events WHERE pi_scoped_at('usage', occurred_at);

-- The attributes a list is counted under, per patient and sign.
CREATE OR REPLACE TEMP VIEW t_act_attrs AS
SELECT patient_id, 1 AS sign, practice_code, age_band, sex, imd_decile, activated_day, first_use_day FROM rollup_patient;
