SELECT grain, period_start, practice_code, active_patients, logins, events
FROM rollup_active
WHERE dim = 'none' AND practice_code IN (SELECT org_code FROM scope_orgs)
