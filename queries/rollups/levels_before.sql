-- Incremental refresh only, after scope_periods and before 03_uptake: what 07_levels needs to
-- recompute only the levels that can have changed. A level at day d is the running sum of a
-- series' changes at days <= d, so a series' levels change from the first day its change rows
-- change (or the grid grows or shrinks); 07_levels compares the change tables' rows as they are
-- now with the copies taken here, series by series.
--
-- 03_uptake rewrites its tables only on the enrol days in scope: those rows are the only ones that
-- can differ, so only they are copied. 06_feeds_consent changes feed reach and sources reached on
-- the days of the patients it recounts (a late feed or a purge reaches back to any day), which are
-- not known here: they are copied whole (a few rows per day and practice or source).

CREATE OR REPLACE TEMP TABLE t_lv_before_uptake AS
SELECT day, practice_code, dim, dim_value, delta FROM rollup_uptake_daily WHERE pi_scoped('enrol', 'day', day);
CREATE OR REPLACE TEMP TABLE t_lv_before_org AS
SELECT day, org_code, delta FROM rollup_uptake_org_daily WHERE pi_scoped('enrol', 'day', day);
CREATE OR REPLACE TEMP TABLE t_lv_before_enrolled AS
SELECT day, practice_code, patients FROM rollup_enrolled_daily WHERE pi_scoped('enrol', 'day', day);
CREATE OR REPLACE TEMP TABLE t_lv_before_reach AS
SELECT day, source_org_code, patients FROM rollup_feed_reach_daily;
CREATE OR REPLACE TEMP TABLE t_lv_before_sources AS
SELECT day, practice_code, sources, patients FROM rollup_sources_reached;

-- The grid: every series has a row per day (month) up to the latest data day. When that moves,
-- every series' rows change from the day (month) after the earlier of the two: rows are added up
-- to a later latest day, or deleted after an earlier one. NULL: the grid's end did not move.
-- (01_facts has run: rollup_facts is the new one, t_facts_before the old.)
CREATE OR REPLACE TEMP TABLE t_lv_grid AS
SELECT CASE WHEN o.latest_day IS DISTINCT FROM n.latest_day THEN least(o.latest_day, n.latest_day) + 1 END AS from_day,
       CASE WHEN date_trunc('month', o.latest_day) IS DISTINCT FROM date_trunc('month', n.latest_day)
            THEN (least(date_trunc('month', o.latest_day), date_trunc('month', n.latest_day)) + INTERVAL 1 MONTH)::DATE END AS from_month
FROM t_facts_before o, rollup_facts n;
