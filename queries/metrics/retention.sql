-- retention: patients grouped by the month of their first activation (cohort); for each month
-- since activation (0 = the activation month), how many of the cohort had any usage event that
-- month. Cohorts from $from to $to; months up to the latest data. Params: $org $level $from $to.
WITH scope AS (SELECT leaf, grp FROM org_groups($org, $level)),
cohorts AS (
  SELECT r.cohort_month, s.grp, sum(r.patients) AS cohort_size
  FROM rollup_retention r JOIN scope s ON s.leaf = r.practice_code
  WHERE r.months_since = -1 AND r.cohort_month BETWEEN date_trunc('month', $from::DATE) AND $to::DATE
  GROUP BY ALL
),
active AS (
  SELECT r.cohort_month, s.grp, r.months_since, sum(r.patients) AS active
  FROM rollup_retention r JOIN scope s ON s.leaf = r.practice_code
  WHERE r.months_since >= 0 AND r.cohort_month BETWEEN date_trunc('month', $from::DATE) AND $to::DATE
  GROUP BY ALL
),
last_month AS (SELECT date_trunc('month', $latest::DATE)::DATE AS m),
grid AS (
  SELECT c.*, unnest(range(0, datediff('month', c.cohort_month, (SELECT m FROM last_month)) + 1)) AS months_since
  FROM cohorts c
)
SELECT g.cohort_month, g.grp AS org_code, o.name AS org_name, g.months_since::INTEGER AS months_since,
       g.cohort_size::BIGINT AS cohort_size, coalesce(a.active, 0)::BIGINT AS active,
       NULL::DOUBLE AS retained_pct
FROM grid g
JOIN organisations o ON o.org_code = g.grp
LEFT JOIN active a USING (cohort_month, grp, months_since)
ORDER BY g.cohort_month, g.grp, g.months_since;
