-- rollout: per organisation at the level: go-live date, eligible population, patients activated
-- at $to and 12 weeks (84 days) earlier, the weekly series between (13 week ends, oldest first),
-- and the uptake target. Uptake %, RAG status, weekly
-- trend and the projected date to reach the target are derived from these (rounded) counts.
-- Practice levels count patients by registered practice; trust / community levels count
-- patients activated there. Reads the daily levels. Params: $org $level $to.
WITH scope AS (SELECT leaf, grp FROM org_groups($org, $level)),
-- the 13 week ends of the trend: $to and each of the 12 weeks before it (k = weeks back)
weeks AS (SELECT k, least($to::DATE - 7 * k::INTEGER, $latest::DATE) AS day FROM range(0, 13) t(k)),
weekly AS (
  SELECT s.grp, w.k, sum(l.activated) AS n
  FROM weeks w
  JOIN rollup_uptake_levels l ON l.grain = 'day' AND l.dim = 'none' AND l.period_start = w.day
  JOIN scope s ON s.leaf = l.practice_code
  WHERE $level IN ('icb', 'ccg', 'practice')
    AND l.period_start BETWEEN least($to::DATE - 84, $latest::DATE) AND least($to::DATE, $latest::DATE)
  GROUP BY ALL
  UNION ALL
  SELECT s.grp, w.k, sum(l.activated)
  FROM weeks w
  JOIN rollup_org_levels l ON l.day = w.day
  JOIN scope s ON s.leaf = l.org_code
  WHERE $level IN ('trust', 'community')
    AND l.day BETWEEN least($to::DATE - 84, $latest::DATE) AND least($to::DATE, $latest::DATE)
  GROUP BY ALL
),
activated AS (
  SELECT g.grp,
         sum(coalesce(wk.n, 0)) FILTER (WHERE w.k = 0) AS now,
         sum(coalesce(wk.n, 0)) FILTER (WHERE w.k = 12) AS before,
         list(coalesce(wk.n, 0) ORDER BY w.k DESC) AS series
  FROM (SELECT DISTINCT grp FROM scope) g
  CROSS JOIN weeks w
  LEFT JOIN weekly wk ON wk.grp = g.grp AND wk.k = w.k
  GROUP BY g.grp
),
leaves AS (
  SELECT s.grp,
         sum(o.eligible_population) FILTER (WHERE o.org_type = 'practice' OR $level IN ('trust', 'community')) AS eligible,
         min(o.go_live_date) AS first_go_live,
         sum(o.target_uptake_pct * o.eligible_population) FILTER (WHERE o.org_type = 'practice')
           / nullif(sum(o.eligible_population) FILTER (WHERE o.org_type = 'practice' AND o.target_uptake_pct IS NOT NULL), 0)
           AS weighted_target
  FROM scope s JOIN organisations o ON o.org_code = s.leaf
  GROUP BY ALL
)
SELECT g.org_code, g.name AS org_name, g.org_type,
       coalesce(g.go_live_date, l.first_go_live) AS go_live_date,
       l.eligible::BIGINT AS eligible,
       coalesce(a.now, 0)::BIGINT AS activated,
       coalesce(a.before, 0)::BIGINT AS activated_12_weeks_ago,
       a.series::BIGINT[] AS activated_weekly,
       NULL::DOUBLE[] AS uptake_pct_weekly,
       round(coalesce(g.target_uptake_pct, l.weighted_target), 1) AS target_pct,
       NULL::DOUBLE AS uptake_pct, NULL::DOUBLE AS uptake_pct_12_weeks_ago, NULL::DOUBLE AS weekly_change_pp,
       NULL::VARCHAR AS rag, NULL::VARCHAR AS status, NULL::VARCHAR AS projected_target_date,
       $to::DATE AS as_of
FROM leaves l
JOIN organisations g ON g.org_code = l.grp
LEFT JOIN activated a ON a.grp = l.grp
ORDER BY g.org_code;
