SELECT e.event_id, e.occurred_at, p.pseudonym AS patient_id, e.org_code AS scope, e.event_type
FROM consent_events e
JOIN scope_patients s USING (patient_id)
JOIN patients p USING (patient_id)
WHERE NOT (SELECT by_org FROM scope_settings) OR e.org_code = '*' OR e.org_code IN (SELECT org_code FROM scope_orgs)
