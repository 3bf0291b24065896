SELECT org_code, name, org_type, parent_code, eligible_population, go_live_date, target_uptake_pct
FROM organisations
