-- activity_rhythm: usage events by weekday (1 = Monday .. 7 = Sunday) and hour of day
-- (Europe/London), over the months from $from to $to, for the patients registered in the
-- organisation's subtree (kept per CCG, so levels are icb and ccg). Params: $org $level $from $to.
WITH scope AS (SELECT leaf, grp FROM org_groups($org, $level))
SELECT s.grp AS org_code, o.name AS org_name, r.dow AS weekday,
       (['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'])[r.dow] AS weekday_name,
       r.hour, sum(r.events)::BIGINT AS events
FROM rollup_rhythm r
JOIN scope s ON s.leaf = r.ccg_code
JOIN organisations o ON o.org_code = s.grp
WHERE r.month BETWEEN date_trunc('month', $from::DATE) AND $to::DATE
GROUP BY ALL
ORDER BY org_code, weekday, hour;
