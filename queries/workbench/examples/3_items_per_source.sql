-- Record items received per source organisation: items, deliveries and distinct patients reached.
SELECT r.source_org_code, o.name AS source, o.org_type,
       sum(r.item_count) AS items, count(*) AS deliveries, count(DISTINCT r.patient_id) AS patients
FROM record_feeds r
LEFT JOIN organisations o ON o.org_code = r.source_org_code
GROUP BY ALL
ORDER BY items DESC
