-- Uptake by practice this month: activated patients at the latest day (the running sum of
-- daily_uptake) as a share of each practice's eligible population, with the month's change.
WITH latest AS (SELECT max(day) AS day FROM daily_uptake),
activated AS (
  SELECT practice_code,
         sum(activated_change) AS activated_now,
         sum(activated_change) FILTER (WHERE day >= date_trunc('month', (SELECT day FROM latest))) AS change_this_month
  FROM daily_uptake
  GROUP BY practice_code
)
SELECT o.org_code, o.name AS practice, a.activated_now, coalesce(a.change_this_month, 0) AS change_this_month,
       o.eligible_population, round(100.0 * a.activated_now / o.eligible_population, 1) AS uptake_pct, o.target_uptake_pct
FROM organisations o
JOIN activated a ON a.practice_code = o.org_code
WHERE o.org_type = 'practice' AND o.eligible_population > 0
ORDER BY uptake_pct DESC
