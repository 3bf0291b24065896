-- campaign_impact: for each campaign running between $from and $to whose scope overlaps the
-- organisation: patients first registering at practices in the campaign's scope during the
-- campaign, and in the same number of days just before it; the same for practices outside the
-- scope (the comparison group). Rates per 1,000 eligible, the difference-in-differences and cost
-- per additional registration are derived from these counts. Params: $org $from $to.
WITH chosen AS (
  SELECT c.*, (datediff('day', c.start_date, c.end_date) + 1)::INTEGER AS days
  FROM campaigns c
  WHERE c.start_date <= $to::DATE AND c.end_date >= $from::DATE
    AND (EXISTS (SELECT 1 FROM rollup_org_tree t WHERE t.org_code = c.org_code AND t.ancestor_code = $org)
         OR EXISTS (SELECT 1 FROM rollup_org_tree t WHERE t.org_code = $org AND t.ancestor_code = c.org_code))
),
practices AS (SELECT org_code, coalesce(eligible_population, 0) AS eligible FROM organisations WHERE org_type = 'practice'),
membership AS (
  SELECT c.campaign_code, p.org_code AS practice_code, p.eligible,
         EXISTS (SELECT 1 FROM rollup_org_tree t WHERE t.org_code = p.org_code AND t.ancestor_code = c.org_code) AS in_scope
  FROM chosen c CROSS JOIN practices p
),
registrations AS (
  SELECT m.campaign_code, m.in_scope,
         sum(r.patients) FILTER (WHERE r.day BETWEEN c.start_date AND c.end_date) AS during,
         sum(r.patients) FILTER (WHERE r.day BETWEEN c.start_date - c.days AND c.start_date - 1) AS before
  FROM membership m
  JOIN chosen c USING (campaign_code)
  JOIN rollup_registrations_daily r ON r.practice_code = m.practice_code
  WHERE r.day BETWEEN c.start_date - c.days AND c.end_date
  GROUP BY ALL
),
eligible AS (SELECT campaign_code, in_scope, sum(eligible) AS eligible, count(*) AS practices FROM membership GROUP BY ALL)
SELECT c.campaign_code, c.name AS campaign_name, c.org_code AS scope_org, c.channel, c.start_date, c.end_date, c.days,
       c.cost_gbp::DOUBLE AS cost_gbp,
       ei.eligible::BIGINT AS in_scope_eligible,
       coalesce(ri.before, 0)::BIGINT AS in_scope_before, coalesce(ri.during, 0)::BIGINT AS in_scope_during,
       eo.eligible::BIGINT AS comparison_eligible,
       CASE WHEN eo.practices > 0 THEN coalesce(ro.before, 0) END::BIGINT AS comparison_before,
       CASE WHEN eo.practices > 0 THEN coalesce(ro.during, 0) END::BIGINT AS comparison_during,
       NULL::DOUBLE AS in_scope_change_per_1000, NULL::DOUBLE AS comparison_change_per_1000,
       NULL::DOUBLE AS additional_registrations, NULL::DOUBLE AS cost_per_additional_gbp
FROM chosen c
LEFT JOIN eligible ei ON ei.campaign_code = c.campaign_code AND ei.in_scope
LEFT JOIN eligible eo ON eo.campaign_code = c.campaign_code AND NOT eo.in_scope
LEFT JOIN registrations ri ON ri.campaign_code = c.campaign_code AND ri.in_scope
LEFT JOIN registrations ro ON ro.campaign_code = c.campaign_code AND NOT ro.in_scope
ORDER BY c.start_date, c.campaign_code;
