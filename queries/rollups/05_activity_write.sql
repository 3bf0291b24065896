-- Writes the activity rollups computed by 05_activity (t_out_*) in a full rebuild or a refresh
-- scoped by period: the periods in scope are deleted and written again whole.

DELETE FROM rollup_active WHERE pi_scoped('usage', grain, period_start);
INSERT INTO rollup_active
SELECT * FROM t_out_active
WHERE pi_scoped('usage', grain, period_start)
-- sorted by grain, breakdown and period so a date-range read skips most row groups
ORDER BY grain, dim, period_start, practice_code;

-- Lifecycle states up to the latest data day's period (dormant patients are counted up to there).
DELETE FROM rollup_lifecycle WHERE pi_scoped('usage', grain, period_start);
INSERT INTO rollup_lifecycle
SELECT l.grain, l.period_start, l.practice_code, l.new_users, l.returning_users, l.resurrecting_users, l.dormant_users
FROM t_out_lifecycle l, rollup_facts f
WHERE l.i <= pi_period_no(l.grain, f.latest_day) AND pi_scoped('usage', l.grain, l.period_start);

-- Retention's active months, scoped by the month the patients were active in (the cohort sizes,
-- months_since -1, are written by 05_activity).
DELETE FROM rollup_retention
WHERE months_since >= 0 AND pi_scoped('usage', 'month', (cohort_month + to_months(months_since))::DATE);
INSERT INTO rollup_retention
SELECT cohort_month, practice_code, months_since, patients FROM t_out_retention WHERE pi_scoped('usage', 'month', month);

DELETE FROM rollup_rhythm WHERE pi_scoped('usage', 'month', month);
INSERT INTO rollup_rhythm
SELECT * FROM t_out_rhythm WHERE pi_scoped('usage', 'month', month) ORDER BY 1, 2;

DELETE FROM rollup_events WHERE pi_scoped('usage', grain, period_start);
INSERT INTO rollup_events
SELECT * FROM t_out_events WHERE pi_scoped('usage', grain, period_start);

DROP VIEW t_out_active;
DROP VIEW t_out_lifecycle;
DROP VIEW t_out_retention;
DROP VIEW t_out_rhythm;
DROP VIEW t_out_events;
DROP VIEW t_act_events;
DROP VIEW t_act_list_events;
DROP VIEW t_act_attrs;
