SELECT day, practice_code, patients AS first_registrations
FROM rollup_registrations_daily
WHERE practice_code IN (SELECT org_code FROM scope_orgs)
