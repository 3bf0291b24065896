-- data_quality: rows quarantined by the importer between $from and $to, by batch, file kind and
-- reason; counts of rows, not people (operational figures, shown exactly). Params: $from $to.
SELECT q.batch_id, q.file_kind, q.reason_code, min(q.reason) AS example_reason,
       count(*)::BIGINT AS rows_quarantined,
       min(q.quarantined_at)::VARCHAR AS first_quarantined_at
FROM quarantine q
WHERE q.quarantined_at::DATE BETWEEN $from::DATE AND $to::DATE
GROUP BY ALL
ORDER BY q.batch_id, q.file_kind, rows_quarantined DESC, q.reason_code;
