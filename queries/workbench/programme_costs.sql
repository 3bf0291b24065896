SELECT c.org_code, c.period_start, c.period_end, c.category, c.amount_gbp
FROM programme_costs c
WHERE c.org_code IN (SELECT org_code FROM scope_orgs) OR c.org_code IN (SELECT org_code FROM scope_ancestors)
