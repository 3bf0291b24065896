-- lifecycle: per period, patients active for the first time (new), active in this and the
-- previous period (returning), active now after a gap of at least one period (resurrecting), and
-- active in the previous period but not this one (dormant). Params: $org $level $grain $from $to.
WITH scope AS (SELECT leaf, grp FROM org_groups($org, $level))
SELECT l.period_start, s.grp AS org_code, o.name AS org_name,
       sum(l.new_users)::BIGINT AS new_users,
       sum(l.returning_users)::BIGINT AS returning_users,
       sum(l.resurrecting_users)::BIGINT AS resurrecting_users,
       sum(l.new_users + l.returning_users + l.resurrecting_users)::BIGINT AS active_users,
       sum(l.dormant_users)::BIGINT AS dormant_users
FROM rollup_lifecycle l
JOIN scope s ON s.leaf = l.practice_code
JOIN organisations o ON o.org_code = s.grp
WHERE l.grain = $grain AND l.period_start BETWEEN date_trunc($grain, $from::DATE) AND $to::DATE
GROUP BY ALL
ORDER BY l.period_start, org_code;
