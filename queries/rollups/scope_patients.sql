-- Incremental refresh only, after 01_facts: the patients whose rollup_patient rows are recomputed.
-- rollup_pending holds what the batches since the last refresh changed (written by the importer in
-- each batch's transaction). A patient is in scope when a batch inserted or purged one of their
-- events or changed their attributes, or when the new latest day moves them in or out of
-- active_30d.

CREATE OR REPLACE TEMP TABLE t_scope_patients AS
SELECT patient_id FROM rollup_pending WHERE patient_id IS NOT NULL
UNION
(SELECT patient_id FROM rollup_patient WHERE active_30d EXCEPT SELECT patient_id FROM pi_recent_users())
UNION
(SELECT patient_id FROM pi_recent_users() EXCEPT SELECT patient_id FROM rollup_patient WHERE active_30d);

-- Their rows as they were, to tell afterwards what changed (scope_periods).
CREATE OR REPLACE TEMP TABLE t_patient_before AS
SELECT * FROM rollup_patient WHERE patient_id IN (SELECT patient_id FROM t_scope_patients);

-- Practices whose population changes: the scoped patients' practices before and after. A view, so
-- it reads rollup_patient after 02_patient has rewritten their rows.
CREATE OR REPLACE TEMP VIEW t_scope_practices AS
SELECT practice_code FROM t_patient_before WHERE practice_code IS NOT NULL
UNION
SELECT practice_code FROM rollup_patient
WHERE practice_code IS NOT NULL AND patient_id IN (SELECT patient_id FROM t_scope_patients);

-- Filled by scope_periods; they exist from here so the scope macros can name them.
CREATE OR REPLACE TEMP TABLE t_scope_days (fam VARCHAR, day DATE);
-- (their column names are unlike any rollup's: the scope macros' arguments are substituted into
-- subqueries over them, where a shared name would bind to the scope table's column)
CREATE OR REPLACE TEMP TABLE t_scope_periods (scope_fam VARCHAR, scope_grain VARCHAR, scope_start DATE);
CREATE OR REPLACE TEMP TABLE t_scope_window (scope_fam VARCHAR, scope_day DATE);
CREATE OR REPLACE TEMP TABLE t_scope_enrolees (patient_id INTEGER);
