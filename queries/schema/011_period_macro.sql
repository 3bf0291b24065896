-- 011_period_macro: the periods of a metric's series, defined once here rather than repeated in
-- each queries/metrics/*.sql file that reports per period (uptake, data_accumulation, consent, roi).

-- The calendar periods of `grain` (day, week, month, quarter; weeks start on Monday) from the one
-- containing `from_day` to the one containing `to_day`: each period's first day, and its last day,
-- cut short at `to_day`.
CREATE MACRO grain_periods(grain, from_day, to_day) AS TABLE
  SELECT p::DATE AS period_start, least((p + step)::DATE - 1, to_day::DATE) AS period_end
  FROM (
    SELECT unnest(generate_series(date_trunc(grain, from_day::DATE)::TIMESTAMP, to_day::DATE::TIMESTAMP, step)) AS p, step
    FROM (SELECT CASE grain WHEN 'day' THEN INTERVAL 1 DAY WHEN 'week' THEN INTERVAL 7 DAY
                            WHEN 'month' THEN INTERVAL 1 MONTH ELSE INTERVAL 3 MONTH END AS step)
  );
