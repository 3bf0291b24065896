-- uptake: patients whose latest enrolment state at the end of each period is "activated", as a
-- share of the eligible population. Practice levels: patients by registered practice, summed up
-- practice -> CCG -> ICB; the 'All' row's denominator is the practice list size, a breakdown's is
-- the number of registered patients in it (list sizes are not broken down). Trust / community
-- levels: patients activated there, and patients reached by their record feeds.
-- Reads precomputed levels (rollup_uptake_levels: per day for the total, per month for every
-- breakdown); a period ending mid-month before the latest data (any day or week, for a breakdown)
-- adds that month's daily changes to the previous month's level. Params: $org, $level, $grain, $from, $to, $by ('none' = total).
WITH scope AS (SELECT leaf, grp FROM org_groups($org, $level)),
periods AS (
  SELECT period_start, period_end FROM grain_periods($grain, $from, $to)
),
-- the day whose level each period reports (no data changes after the latest day)
ends AS (
  SELECT period_start, period_end, least(period_end, $latest::DATE) AS end_day
  FROM periods
),
practice_path AS (SELECT $level IN ('icb', 'ccg', 'practice') AS yes),
day_levels AS (
  SELECT e.period_start, s.grp, 'All' AS breakdown, sum(l.activated) AS activated
  FROM ends e
  JOIN rollup_uptake_levels l ON l.grain = 'day' AND l.dim = 'none' AND l.period_start = e.end_day
  JOIN scope s ON s.leaf = l.practice_code
  WHERE $grain IN ('day', 'week') AND (SELECT yes FROM practice_path)
  GROUP BY ALL
),
-- Breakdowns (and month / quarter totals): the level at the end of the month before, plus that
-- month's daily changes up to the period's last day (none needed when it is a month end).
-- At day and week grains the total comes from the daily levels above, so only the breakdown here.
month_ends AS (
  SELECT period_start, end_day,
         end_day = last_day(end_day) OR end_day >= $latest::DATE AS whole_month
  FROM ends
  WHERE ($grain IN ('month', 'quarter') OR $by <> 'none') AND (SELECT yes FROM practice_path)
),
month_dims AS (
  SELECT 'none' AS dim WHERE $grain IN ('month', 'quarter')
  UNION ALL SELECT $by WHERE $by <> 'none'
),
month_parts AS (
  SELECT e.period_start, s.grp, l.dim_value AS breakdown, sum(l.activated) AS n
  FROM month_ends e
  JOIN rollup_uptake_levels l ON l.grain = 'month' AND l.dim IN (SELECT dim FROM month_dims)
   AND l.period_start = CASE WHEN e.whole_month THEN date_trunc('month', e.end_day)
                             ELSE date_trunc('month', e.end_day) - INTERVAL 1 MONTH END::DATE
  JOIN scope s ON s.leaf = l.practice_code
  GROUP BY ALL
  UNION ALL
  SELECT e.period_start, s.grp, u.dim_value, sum(u.delta)
  FROM month_ends e
  JOIN rollup_uptake_daily u ON NOT e.whole_month AND u.dim IN (SELECT dim FROM month_dims)
   AND u.day BETWEEN date_trunc('month', e.end_day)::DATE AND e.end_day
  JOIN scope s ON s.leaf = u.practice_code
  GROUP BY ALL
),
org_levels AS (
  SELECT e.period_start, s.grp, 'All' AS breakdown, sum(l.activated) AS activated, sum(l.reached) AS reached
  FROM ends e
  JOIN rollup_org_levels l ON l.day = e.end_day
  JOIN scope s ON s.leaf = l.org_code
  WHERE $level IN ('trust', 'community')
  GROUP BY ALL
),
levels AS (
  SELECT period_start, grp, breakdown, activated, NULL AS reached FROM day_levels
  UNION ALL SELECT period_start, grp, breakdown, sum(n), NULL FROM month_parts GROUP BY ALL
  UNION ALL SELECT period_start, grp, breakdown, activated, reached FROM org_levels
),
population AS (
  SELECT s.grp, p.dim_value AS breakdown, sum(p.patients) AS registered
  FROM rollup_population p JOIN scope s ON s.leaf = p.practice_code
  WHERE p.dim IN ('none', $by)
  GROUP BY ALL
),
eligible AS (
  SELECT s.grp, sum(o.eligible_population) AS eligible
  FROM scope s JOIN organisations o ON o.org_code = s.leaf
  WHERE o.org_type = 'practice' OR $level IN ('trust', 'community')
  GROUP BY ALL
),
groups AS (
  SELECT grp, breakdown FROM levels
  UNION SELECT grp, breakdown FROM population WHERE (SELECT yes FROM practice_path)
  UNION SELECT grp, 'All' FROM scope
)
SELECT p.period_start, p.period_end, g.grp AS org_code, o.name AS org_name, g.breakdown,
       coalesce(l.activated, 0)::BIGINT AS activated,
       CASE WHEN $by IN ('channel', 'campaign') THEN coalesce(e.eligible, popall.registered)
            WHEN g.breakdown = 'All' THEN coalesce(e.eligible, pop.registered)
            ELSE pop.registered END::BIGINT AS eligible,
       NULL::DOUBLE AS uptake_pct,
       CASE WHEN $level IN ('trust', 'community') THEN coalesce(l.reached, 0) END::BIGINT AS reached_by_feeds
FROM periods p
CROSS JOIN groups g
JOIN organisations o ON o.org_code = g.grp
LEFT JOIN levels l ON l.period_start = p.period_start AND l.grp = g.grp AND l.breakdown = g.breakdown
LEFT JOIN eligible e ON e.grp = g.grp
LEFT JOIN population pop ON pop.grp = g.grp AND pop.breakdown = g.breakdown
LEFT JOIN population popall ON popall.grp = g.grp AND popall.breakdown = 'All'
ORDER BY p.period_start, g.grp, g.breakdown = 'All' DESC, try_cast(g.breakdown AS INTEGER) NULLS LAST, g.breakdown;
