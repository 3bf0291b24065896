-- activity_rhythm: usage events by weekday (1 = Monday .. 7 = Sunday) and hour of day
-- (Europe/London), over the months from $from to $to. Practice levels (icb, ccg, practice): events
-- of the patients registered in each organisation's subtree. Trust and community levels: events
-- that used the organisation's content or services. Params: $org $level $from $to.
WITH scope AS (SELECT leaf, grp FROM org_groups($org, $level))
SELECT s.grp AS org_code, o.name AS org_name, r.dow AS weekday,
       (['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'])[r.dow] AS weekday_name,
       r.hour, sum(r.events)::BIGINT AS events
FROM rollup_rhythm r
JOIN scope s ON s.leaf = r.org_code
JOIN organisations o ON o.org_code = s.grp
WHERE r.month BETWEEN date_trunc('month', $from::DATE) AND $to::DATE
  AND r.basis = CASE WHEN $level IN ('trust', 'community') THEN 'used' ELSE 'registered' END
GROUP BY ALL
ORDER BY org_code, weekday, hour;
