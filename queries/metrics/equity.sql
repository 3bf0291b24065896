-- equity: at $to, patients activated (latest enrolment state) as a share of registered patients,
-- by IMD decile, age band or sex ($by), for patients registered in the organisation's subtree.
-- With imd_decile, also the most deprived (deciles 1-2) and least deprived (9-10) quintiles; the
-- gap between them is derived from the rounded figures. Reads the monthly levels.
-- Params: $org $level $to $by.
WITH scope AS (SELECT leaf, grp FROM org_groups($org, $level)),
snapshot AS (
  SELECT end_day, end_day = last_day(end_day) OR end_day >= $latest::DATE AS whole_month
  FROM (SELECT least($to::DATE, $latest::DATE) AS end_day)
),
-- the month level at `to` (a month end or past the latest data), else the previous month's level
-- plus this month's daily changes up to `to`
activated AS (
  SELECT grp, breakdown, sum(n) AS activated
  FROM (
    SELECT s.grp, l.dim_value AS breakdown, l.activated AS n
    FROM snapshot x
    JOIN rollup_uptake_levels l ON l.grain = 'month' AND l.dim IN ('none', $by)
     AND l.period_start = CASE WHEN x.whole_month THEN date_trunc('month', x.end_day)
                               ELSE date_trunc('month', x.end_day) - INTERVAL 1 MONTH END::DATE
    JOIN scope s ON s.leaf = l.practice_code
    UNION ALL
    SELECT s.grp, u.dim_value, u.delta
    FROM snapshot x
    JOIN rollup_uptake_daily u ON NOT x.whole_month AND u.dim IN ('none', $by)
     AND u.day BETWEEN date_trunc('month', x.end_day)::DATE AND x.end_day
    JOIN scope s ON s.leaf = u.practice_code
  )
  GROUP BY ALL
),
population AS (
  SELECT s.grp, p.dim_value AS breakdown, sum(p.patients) AS population
  FROM rollup_population p JOIN scope s ON s.leaf = p.practice_code
  WHERE p.dim IN ('none', $by)
  GROUP BY ALL
),
cells AS (
  SELECT coalesce(p.grp, a.grp) AS grp, coalesce(p.breakdown, a.breakdown) AS breakdown,
         coalesce(a.activated, 0) AS activated, coalesce(p.population, 0) AS population
  FROM population p FULL OUTER JOIN activated a USING (grp, breakdown)
),
quintiles AS (
  SELECT grp, CASE WHEN breakdown IN ('1', '2') THEN 'Q1 most deprived (deciles 1-2)'
                   ELSE 'Q5 least deprived (deciles 9-10)' END AS breakdown,
         sum(activated) AS activated, sum(population) AS population
  FROM cells
  WHERE $by = 'imd_decile' AND breakdown IN ('1', '2', '9', '10')
  GROUP BY ALL
)
SELECT x.grp AS org_code, o.name AS org_name, x.breakdown,
       x.activated::BIGINT AS activated, x.population::BIGINT AS population,
       NULL::DOUBLE AS uptake_pct, NULL::DOUBLE AS gap_q5_q1_pp
FROM (SELECT * FROM cells UNION ALL SELECT * FROM quintiles) x
JOIN organisations o ON o.org_code = x.grp
ORDER BY org_code, x.breakdown = 'All' DESC, starts_with(x.breakdown, 'Q'), try_cast(x.breakdown AS INTEGER) NULLS LAST, x.breakdown;
