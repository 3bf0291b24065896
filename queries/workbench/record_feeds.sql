SELECT e.event_id, e.occurred_at, p.pseudonym AS patient_id, e.source_org_code, e.record_type, e.item_count
FROM record_feeds e
JOIN scope_patients s USING (patient_id)
JOIN patients p USING (patient_id)
WHERE NOT (SELECT by_org FROM scope_settings) OR e.source_org_code IN (SELECT org_code FROM scope_orgs)
