-- funnel: patients by the period of their first enrolment event (their cohort), and how many of
-- them went on to register, activate and be active in the 30 days to the latest data. A later step
-- counts as having reached the earlier ones. Medians are the lower median of whole days between
-- the first enrolment event and registration, and between registration and activation.
-- Breakdown by channel / campaign of the first enrolment event. Params: $org $level $grain $from $to $by.
WITH scope AS (SELECT leaf, grp FROM org_groups($org, $level)),
steps AS (
  SELECT date_trunc($grain, f.cohort_month)::DATE AS period_start, s.grp, f.dim_value AS breakdown,
         sum(f.invited) AS invited, sum(f.registered) AS registered,
         sum(f.activated) AS activated, sum(f.active_30d) AS active_30d
  FROM rollup_funnel f JOIN scope s ON s.leaf = f.practice_code
  WHERE f.dim IN ('none', $by) AND f.cohort_month BETWEEN date_trunc('month', $from::DATE) AND $to::DATE
  GROUP BY ALL
),
lags AS (
  SELECT date_trunc($grain, l.cohort_month)::DATE AS period_start, s.grp, l.dim_value AS breakdown, l.step, l.days,
         sum(l.patients) AS n
  FROM rollup_funnel_lag l JOIN scope s ON s.leaf = l.practice_code
  WHERE l.dim IN ('none', $by) AND l.cohort_month BETWEEN date_trunc('month', $from::DATE) AND $to::DATE
  GROUP BY ALL
),
cumulative AS (
  SELECT *, sum(n) OVER (PARTITION BY period_start, grp, breakdown, step ORDER BY days) AS cum,
            sum(n) OVER (PARTITION BY period_start, grp, breakdown, step) AS total
  FROM lags
),
medians AS (
  SELECT period_start, grp, breakdown,
         min(days) FILTER (WHERE step = 'invited_registered' AND cum * 2 >= total) AS median_days_to_register,
         min(days) FILTER (WHERE step = 'registered_activated' AND cum * 2 >= total) AS median_days_to_activate
  FROM cumulative GROUP BY ALL
)
SELECT s.period_start, s.grp AS org_code, o.name AS org_name, s.breakdown,
       s.invited::BIGINT AS invited, s.registered::BIGINT AS registered,
       s.activated::BIGINT AS activated, s.active_30d::BIGINT AS active_30d,
       NULL::DOUBLE AS registered_pct, NULL::DOUBLE AS activated_pct, NULL::DOUBLE AS active_pct,
       NULL::DOUBLE AS overall_pct,
       m.median_days_to_register, m.median_days_to_activate
FROM steps s
JOIN organisations o ON o.org_code = s.grp
LEFT JOIN medians m USING (period_start, grp, breakdown)
ORDER BY s.period_start, s.grp, s.breakdown = 'All' DESC, s.breakdown;
