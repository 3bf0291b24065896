-- active_users: distinct patients with any usage event in each period, by registered practice;
-- logins and all usage events; average daily active patients over the period's days up to the
-- latest data, and stickiness = average daily active / active in the period. Breakdowns by
-- age_band / sex / imd_decile count patients; by platform / event_type count events (feature use).
-- Params: $org $level $grain $from $to $by.
WITH scope AS (SELECT leaf, grp FROM org_groups($org, $level)),
periods AS (
  SELECT a.period_start, s.grp, a.dim_value AS breakdown,
         sum(a.active_patients) AS active_patients, sum(a.logins) AS logins, sum(a.events) AS events
  FROM rollup_active a JOIN scope s ON s.leaf = a.practice_code
  WHERE a.grain = $grain AND a.dim IN ('none', $by)
    AND a.period_start BETWEEN date_trunc($grain, $from::DATE) AND $to::DATE
  GROUP BY ALL
),
daily AS (
  SELECT date_trunc($grain, a.period_start)::DATE AS period_start, s.grp,
         sum(a.active_patients) AS patient_days, count(DISTINCT a.period_start) AS days_with_data
  FROM rollup_active a JOIN scope s ON s.leaf = a.practice_code
  WHERE a.grain = 'day' AND a.dim = 'none'
    AND a.period_start BETWEEN date_trunc($grain, $from::DATE) AND $to::DATE
  GROUP BY ALL
)
SELECT p.period_start, p.grp AS org_code, o.name AS org_name, p.breakdown,
       p.active_patients::BIGINT AS active_patients, p.logins::BIGINT AS logins, p.events::BIGINT AS events,
       CASE WHEN p.breakdown = 'All' THEN
         round(d.patient_days / greatest(1, datediff('day', p.period_start,
               least(CASE $grain WHEN 'day' THEN p.period_start WHEN 'week' THEN p.period_start + 6
                                  WHEN 'month' THEN (p.period_start + INTERVAL 1 MONTH)::DATE - 1
                                  ELSE (p.period_start + INTERVAL 3 MONTH)::DATE - 1 END,
                     $to::DATE, $latest::DATE)) + 1))
       END::BIGINT AS avg_daily_active,
       NULL::DOUBLE AS stickiness_pct
FROM periods p
JOIN organisations o ON o.org_code = p.grp
LEFT JOIN daily d ON d.period_start = p.period_start AND d.grp = p.grp
ORDER BY p.period_start, p.grp, p.breakdown = 'All' DESC, try_cast(p.breakdown AS INTEGER) NULLS LAST, p.breakdown;
