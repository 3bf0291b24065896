-- Incremental refresh by difference (in place of 05_activity_write): adds the differences
-- 05_activity computed from delta_activity_rows (t_out_*) to the usage rollups. Per key: the new
-- value is the stored one plus the difference (NULL where the full rebuild writes NULL: the by-person
-- rows' events, the per-CCG rows' patients), and the row is kept only where a full rebuild would
-- write one (each table's rule below); keys the difference does not name are left as they are.

-- stored + difference, NULL where both are (a column the row's kind leaves empty)
CREATE OR REPLACE TEMP MACRO pi_plus(a, b) AS CASE WHEN a IS NULL AND b IS NULL THEN NULL ELSE coalesce(a, 0) + coalesce(b, 0) END;

-- rollup_active: a total or a by-person row exists while a patient is active in it, a by-use row
-- while an event is counted in it.
CREATE OR REPLACE TEMP TABLE t_merged AS
SELECT d.grain, d.period_start, d.practice_code, d.dim, d.dim_value,
       pi_plus(a.active_patients, d.active_patients)::INTEGER AS active_patients,
       pi_plus(a.logins, d.logins)::BIGINT AS logins, pi_plus(a.events, d.events)::BIGINT AS events
FROM t_out_active d
LEFT JOIN rollup_active a
  ON a.grain = d.grain AND a.period_start = d.period_start AND a.practice_code = d.practice_code AND a.dim = d.dim AND a.dim_value = d.dim_value;
DELETE FROM rollup_active a USING t_merged m
WHERE a.grain = m.grain AND a.period_start = m.period_start AND a.practice_code = m.practice_code AND a.dim = m.dim AND a.dim_value = m.dim_value;
INSERT INTO rollup_active
SELECT * FROM t_merged
WHERE CASE WHEN dim IN ('event_type', 'platform') THEN events > 0 ELSE active_patients > 0 END
ORDER BY grain, dim, period_start, practice_code;

-- rollup_lifecycle: a row exists while any of its states counts a patient. Dormant patients are
-- counted up to the latest data day's period, so:
--   up to the old latest day's period, the difference is added (both lists bounded alike);
--   the periods after it, up to the new latest day's, had no rows and are counted here whole. A
--   patient active in one of them has a new event there, so is one of the batches' patients, and
--   their new, returning and resurrecting counts are the difference's own (the lists before have no
--   use after the old latest day). Dormant there = active the period before - returning (active
--   in both): rollup_active, already brought up to date above, counts the former for every patient.
-- (the difference is read twice: computed once)
CREATE OR REPLACE TEMP TABLE t_lifecycle_diff AS SELECT * FROM t_out_lifecycle;
CREATE OR REPLACE TEMP TABLE t_merged AS
SELECT d.grain, d.period_start, d.practice_code,
       coalesce(l.new_users, 0) + d.new_users AS new_users,
       coalesce(l.returning_users, 0) + d.returning_users AS returning_users,
       coalesce(l.resurrecting_users, 0) + d.resurrecting_users AS resurrecting_users,
       coalesce(l.dormant_users, 0) + d.dormant_users AS dormant_users
FROM t_lifecycle_diff d
JOIN t_facts_before f ON d.i <= pi_period_no(d.grain, f.latest_day)
LEFT JOIN rollup_lifecycle l ON l.grain = d.grain AND l.period_start = d.period_start AND l.practice_code = d.practice_code
UNION ALL
(WITH fresh AS (
   SELECT g.grain, unnest(range(pi_period_no(g.grain, o.latest_day) + 1, pi_period_no(g.grain, n.latest_day) + 1)) AS i
   FROM (SELECT unnest(['week', 'month', 'quarter']) AS grain) g, t_facts_before o, rollup_facts n
 ),
 here AS (SELECT d.* FROM t_lifecycle_diff d JOIN fresh f ON f.grain = d.grain AND f.i = d.i),
 before AS (
   SELECT f.grain, f.i, a.practice_code, a.active_patients
   FROM fresh f JOIN rollup_active a ON a.grain = f.grain AND a.period_start = pi_period_start(f.grain, f.i - 1) AND a.dim = 'none'
 )
 SELECT grain, pi_period_start(grain, i), practice_code, coalesce(h.new_users, 0), coalesce(h.returning_users, 0),
        coalesce(h.resurrecting_users, 0), coalesce(b.active_patients, 0) - coalesce(h.returning_users, 0)
 FROM here h FULL JOIN before b USING (grain, i, practice_code));
DELETE FROM rollup_lifecycle l USING t_merged m
WHERE l.grain = m.grain AND l.period_start = m.period_start AND l.practice_code = m.practice_code;
INSERT INTO rollup_lifecycle
SELECT * FROM t_merged WHERE new_users + returning_users + resurrecting_users + dormant_users > 0;

-- rollup_retention's active months (the cohort sizes are 05_activity's): a row while it counts a patient.
CREATE OR REPLACE TEMP TABLE t_merged AS
SELECT d.cohort_month, d.practice_code, d.months_since, coalesce(r.patients, 0) + d.patients AS patients
FROM t_out_retention d
LEFT JOIN rollup_retention r ON r.cohort_month = d.cohort_month AND r.practice_code = d.practice_code AND r.months_since = d.months_since;
DELETE FROM rollup_retention r USING t_merged m
WHERE r.cohort_month = m.cohort_month AND r.practice_code = m.practice_code AND r.months_since = m.months_since;
INSERT INTO rollup_retention SELECT * FROM t_merged WHERE patients > 0;

-- rollup_rhythm and rollup_events: a row while it counts an event.
CREATE OR REPLACE TEMP TABLE t_merged AS
SELECT d.month, d.org_code, d.basis, d.dow, d.hour, coalesce(r.events, 0) + d.events AS events
FROM t_out_rhythm d
LEFT JOIN rollup_rhythm r ON r.month = d.month AND r.org_code = d.org_code AND r.basis = d.basis AND r.dow = d.dow AND r.hour = d.hour;
DELETE FROM rollup_rhythm r USING t_merged m
WHERE r.month = m.month AND r.org_code = m.org_code AND r.basis = m.basis AND r.dow = m.dow AND r.hour = m.hour;
INSERT INTO rollup_rhythm SELECT * FROM t_merged WHERE events > 0 ORDER BY 1, 2;

CREATE OR REPLACE TEMP TABLE t_merged AS
SELECT d.grain, d.period_start, d.org_code, d.event_type, coalesce(e.events, 0) + d.events AS events
FROM t_out_events d
LEFT JOIN rollup_events e ON e.grain = d.grain AND e.period_start = d.period_start AND e.org_code = d.org_code AND e.event_type = d.event_type;
DELETE FROM rollup_events e USING t_merged m
WHERE e.grain = m.grain AND e.period_start = m.period_start AND e.org_code = m.org_code AND e.event_type = m.event_type;
INSERT INTO rollup_events SELECT * FROM t_merged WHERE events > 0;

DROP TABLE t_merged;
DROP TABLE t_lifecycle_diff;
DROP VIEW t_out_active;
DROP VIEW t_out_lifecycle;
DROP VIEW t_out_retention;
DROP VIEW t_out_rhythm;
DROP VIEW t_out_events;
DROP VIEW t_act_events;
DROP VIEW t_act_list_events;
DROP VIEW t_act_attrs;
DROP TABLE t_delta_events;
DROP TABLE t_delta_patients;
DROP TABLE t_delta_new;
