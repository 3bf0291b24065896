SELECT e.event_id, e.occurred_at, p.pseudonym AS patient_id, e.org_code, e.event_type::VARCHAR AS event_type, e.platform::VARCHAR AS platform
FROM usage_events e
JOIN scope_patients s USING (patient_id)
JOIN patients p USING (patient_id)
WHERE NOT (SELECT by_org FROM scope_settings) OR e.org_code IN (SELECT org_code FROM scope_orgs)
