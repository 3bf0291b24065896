SELECT day, practice_code, source_org_code, items, feeds
FROM rollup_feeds_daily
WHERE practice_code IN (SELECT org_code FROM scope_orgs)
