-- uptake: patients whose latest enrolment state at the end of each period is "activated", as a
-- share of the eligible population. Practice levels: patients by registered practice, summed up
-- practice -> CCG -> ICB; the 'All' row's denominator is the practice list size, a breakdown's is
-- the number of registered patients in it (list sizes are not broken down). Trust / community
-- levels: patients activated there, and patients reached by their record feeds.
-- Params: $org, $level, $grain, $from, $to (dates), $by (a breakdown or 'none').
WITH scope AS (
  SELECT t.org_code AS leaf, t.ancestor_code AS grp
  FROM rollup_org_tree t
  JOIN rollup_org_tree f ON f.org_code = t.org_code AND f.ancestor_code = $org
  WHERE t.ancestor_type = $level
),
periods AS (
  SELECT p::DATE AS period_start, least((p + step)::DATE - 1, $to::DATE) AS period_end
  FROM (
    SELECT unnest(generate_series(date_trunc($grain, $from::DATE)::TIMESTAMP, $to::DATE::TIMESTAMP, step)) AS p, step
    FROM (SELECT CASE $grain WHEN 'day' THEN INTERVAL 1 DAY WHEN 'week' THEN INTERVAL 7 DAY
                             WHEN 'month' THEN INTERVAL 1 MONTH ELSE INTERVAL 3 MONTH END AS step)
  )
),
first_period AS (SELECT min(period_start) AS first_start FROM periods),
-- net activations per period; everything before the first period is carried into it
changes AS (
  SELECT s.grp, u.dim_value AS breakdown,
         greatest(date_trunc($grain, u.day)::DATE, (SELECT first_start FROM first_period)) AS period_start,
         sum(u.delta) AS delta
  FROM rollup_uptake_daily u JOIN scope s ON s.leaf = u.practice_code
  WHERE $level IN ('icb', 'ccg', 'practice') AND u.dim IN ('none', $by) AND u.day <= $to::DATE
  GROUP BY ALL
  UNION ALL
  SELECT s.grp, 'All',
         greatest(date_trunc($grain, u.day)::DATE, (SELECT first_start FROM first_period)), sum(u.delta)
  FROM rollup_uptake_org_daily u JOIN scope s ON s.leaf = u.org_code
  WHERE $level IN ('trust', 'community') AND u.day <= $to::DATE
  GROUP BY ALL
),
reach AS (
  SELECT s.grp, greatest(date_trunc($grain, r.day)::DATE, (SELECT first_start FROM first_period)) AS period_start,
         sum(r.patients) AS reached
  FROM rollup_feed_reach_daily r JOIN scope s ON s.leaf = r.source_org_code
  WHERE $level IN ('trust', 'community') AND r.day <= $to::DATE
  GROUP BY ALL
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
  SELECT grp, breakdown FROM changes
  UNION SELECT grp, breakdown FROM population
  UNION SELECT grp, 'All' FROM scope
),
grid AS (SELECT p.period_start, p.period_end, g.grp, g.breakdown FROM periods p CROSS JOIN groups g),
running AS (
  SELECT grid.*,
         sum(coalesce(c.delta, 0)) OVER (PARTITION BY grid.grp, grid.breakdown ORDER BY grid.period_start) AS activated,
         sum(coalesce(r.reached, 0)) OVER (PARTITION BY grid.grp, grid.breakdown ORDER BY grid.period_start) AS reached
  FROM grid
  LEFT JOIN changes c USING (grp, breakdown, period_start)
  LEFT JOIN reach r ON r.grp = grid.grp AND r.period_start = grid.period_start AND grid.breakdown = 'All'
)
SELECT r.period_start, r.period_end, r.grp AS org_code, o.name AS org_name, r.breakdown,
       r.activated::BIGINT AS activated,
       CASE WHEN r.breakdown = 'All' AND $by NOT IN ('channel', 'campaign') THEN coalesce(e.eligible, pop.registered)
            WHEN $by IN ('channel', 'campaign') THEN coalesce(e.eligible, popall.registered)
            ELSE pop.registered END::BIGINT AS eligible,
       NULL::DOUBLE AS uptake_pct,
       CASE WHEN $level IN ('trust', 'community') THEN r.reached END::BIGINT AS reached_by_feeds
FROM running r
JOIN organisations o ON o.org_code = r.grp
LEFT JOIN eligible e ON e.grp = r.grp
LEFT JOIN population pop ON pop.grp = r.grp AND pop.breakdown = r.breakdown
LEFT JOIN population popall ON popall.grp = r.grp AND popall.breakdown = 'All'
ORDER BY r.period_start, r.grp, r.breakdown = 'All' DESC, try_cast(r.breakdown AS INTEGER) NULLS LAST, r.breakdown;
