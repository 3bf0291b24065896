-- Campaigns run in the scope, or by an organisation above it whose campaign covers it.
SELECT c.campaign_code, c.name, c.org_code, c.channel, c.start_date, c.end_date, c.cost_gbp
FROM campaigns c
WHERE c.org_code IN (SELECT org_code FROM scope_orgs) OR c.org_code IN (SELECT org_code FROM scope_ancestors)
