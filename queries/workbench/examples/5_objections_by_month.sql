-- Objections to data sharing by month: registered, withdrawn, and in force at each month's end
-- (registered minus withdrawn, cumulated).
WITH monthly AS (
  SELECT date_trunc('month', occurred_at)::DATE AS month,
         count(*) FILTER (WHERE event_type = 'objection_registered') AS registered,
         count(*) FILTER (WHERE event_type = 'objection_withdrawn') AS withdrawn
  FROM consent_events
  GROUP BY ALL
)
SELECT month, registered, withdrawn,
       sum(registered - withdrawn) OVER (ORDER BY month) AS in_force_at_month_end
FROM monthly
ORDER BY month
