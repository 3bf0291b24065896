-- consent: objections in force at the end of each period by scope (an organisation, or 'ALL' for
-- all organisations; stored as '*'), for patients registered in the organisation's subtree, per 1,000 patients activated at
-- that time (daily levels); and sharing grants and revocations made in the period (patients per day,
-- summed).
--
-- Each period and organisation also has a total of every scope (scope 'ALL_SCOPES': the sum of the
-- scope rows, so a count of objections, not of distinct patients), the one owner of "objections in
-- force" on the pages; the catalogue makes it and its scope rows one additive group, so a scope
-- hidden by the small-number rule cannot be recovered from it (complementary suppression).
-- 'ALL_SCOPES' cannot be an organisation's code (ODS codes have no underscore).
-- Params: $org $level $grain $from $to.
WITH scope AS (SELECT leaf, grp FROM org_groups($org, $level)),
periods AS (
  SELECT period_start, least(period_end, $latest::DATE) AS end_day
  FROM grain_periods($grain, $from, $to)
),
objections AS (
  SELECT greatest(date_trunc($grain, d.day)::DATE, date_trunc($grain, $from::DATE)::DATE) AS period_start,
         s.grp, d.scope, sum(d.delta) AS delta
  FROM rollup_objections_daily d JOIN scope s ON s.leaf = d.practice_code
  WHERE d.day <= $to::DATE GROUP BY ALL
),
sharing AS (
  SELECT date_trunc($grain, c.day)::DATE AS period_start, s.grp, c.scope,
         sum(c.patients) FILTER (WHERE c.event_type = 'sharing_granted') AS granted,
         sum(c.patients) FILTER (WHERE c.event_type = 'sharing_revoked') AS revoked
  FROM rollup_consent_daily c JOIN scope s ON s.leaf = c.practice_code
  WHERE c.day BETWEEN date_trunc($grain, $from::DATE)::DATE AND $to::DATE GROUP BY ALL
),
enrolled AS (
  SELECT p.period_start, s.grp, sum(l.activated) AS enrolled
  FROM periods p
  JOIN rollup_uptake_levels l ON l.grain = 'day' AND l.dim = 'none' AND l.period_start = p.end_day
  JOIN scope s ON s.leaf = l.practice_code
  GROUP BY ALL
),
keys AS (SELECT DISTINCT grp, scope FROM objections UNION SELECT DISTINCT grp, scope FROM sharing),
grid AS (SELECT p.period_start, k.grp, k.scope FROM periods p CROSS JOIN keys k),
running AS (
  SELECT g.*, sum(coalesce(ob.delta, 0)) OVER (PARTITION BY g.grp, g.scope ORDER BY g.period_start) AS in_force
  FROM grid g LEFT JOIN objections ob USING (period_start, grp, scope)
),
enrolled_running AS (
  SELECT p.period_start, g.grp, coalesce(e.enrolled, 0) AS enrolled
  FROM periods p CROSS JOIN (SELECT DISTINCT grp FROM keys) g
  LEFT JOIN enrolled e ON e.period_start = p.period_start AND e.grp = g.grp
),
-- objections to sharing with every organisation (stored as scope '*') are published as scope 'ALL':
-- '*' in a CSV means a suppressed cell, and must not mean anything else
by_scope AS (
SELECT r.period_start, r.grp AS org_code, o.name AS org_name,
       CASE WHEN r.scope = '*' THEN 'ALL' ELSE r.scope END AS scope,
       CASE WHEN r.scope = '*' THEN 'All organisations' ELSE coalesce(so.name, r.scope) END AS scope_name,
       r.in_force::BIGINT AS objections_in_force, er.enrolled::BIGINT AS enrolled,
       NULL::DOUBLE AS objections_per_1000,
       coalesce(sh.granted, 0)::BIGINT AS sharing_granted, coalesce(sh.revoked, 0)::BIGINT AS sharing_revoked
FROM running r
JOIN organisations o ON o.org_code = r.grp
LEFT JOIN organisations so ON so.org_code = r.scope
LEFT JOIN enrolled_running er ON er.period_start = r.period_start AND er.grp = r.grp
LEFT JOIN sharing sh ON sh.period_start = r.period_start AND sh.grp = r.grp AND sh.scope = r.scope
-- a scope's row is left out in periods where it has nothing (no objection in force, no grant or
-- revocation); the all-organisations scope is always shown
WHERE r.scope = '*' OR r.in_force <> 0 OR coalesce(sh.granted, 0) > 0 OR coalesce(sh.revoked, 0) > 0
)
SELECT * FROM (
SELECT * FROM by_scope
UNION ALL
SELECT period_start, org_code, org_name, 'ALL_SCOPES' AS scope, 'All scopes (total)' AS scope_name,
       sum(objections_in_force)::BIGINT AS objections_in_force, max(enrolled)::BIGINT AS enrolled,
       NULL::DOUBLE AS objections_per_1000,
       sum(sharing_granted)::BIGINT AS sharing_granted, sum(sharing_revoked)::BIGINT AS sharing_revoked
FROM by_scope
GROUP BY period_start, org_code, org_name
)
-- the total after its scopes ('ALL_SCOPES' sorts after 'ALL' but not after every code)
ORDER BY period_start, org_code, scope = 'ALL_SCOPES', scope;
