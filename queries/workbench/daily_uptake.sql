SELECT day, practice_code, delta AS activated_change
FROM rollup_uptake_daily
WHERE dim = 'none' AND practice_code IN (SELECT org_code FROM scope_orgs)
