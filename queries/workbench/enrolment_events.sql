SELECT e.event_id, e.occurred_at, p.pseudonym AS patient_id, e.practice_code, e.org_code, e.event_type, e.channel, e.campaign_code
FROM enrolment_events e
JOIN scope_patients s USING (patient_id)
JOIN patients p USING (patient_id)
WHERE NOT (SELECT by_org FROM scope_settings) OR e.org_code IN (SELECT org_code FROM scope_orgs)
