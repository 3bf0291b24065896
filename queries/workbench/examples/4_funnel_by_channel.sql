-- The enrolment funnel by channel: of each patient's first enrolment event, how many were
-- invited, registered and activated, and the conversion from invitation to activation.
WITH steps AS (
  SELECT patient_id,
         arg_min(channel, occurred_at) AS first_channel,
         bool_or(event_type = 'invited') AS invited,
         bool_or(event_type IN ('registered', 'activated')) AS registered,
         bool_or(event_type = 'activated') AS activated
  FROM enrolment_events
  GROUP BY patient_id
)
SELECT coalesce(first_channel, 'unknown') AS channel,
       count(*) FILTER (WHERE invited) AS invited,
       count(*) FILTER (WHERE registered) AS registered,
       count(*) FILTER (WHERE activated) AS activated,
       round(100.0 * count(*) FILTER (WHERE invited AND activated) / nullif(count(*) FILTER (WHERE invited), 0), 1) AS invited_to_activated_pct
FROM steps
GROUP BY ALL
ORDER BY invited DESC
