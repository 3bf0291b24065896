-- data_accumulation: record-feed items (and feed messages) received per period for the patients
-- registered in the organisation's subtree, by source organisation with by=source_org; and, at the
-- end of each period, how many ever-activated patients (enrolled) have data from at least 1, 2 and
-- 3 distinct source organisations. Params: $org $level $grain $from $to $by.
WITH scope AS (SELECT leaf, grp FROM org_groups($org, $level)),
periods AS (
  SELECT period_start, least(period_end, $latest::DATE) AS end_day
  FROM grain_periods($grain, $from, $to)
),
-- daily rows for day / week grains; for month / quarter, monthly rows, except a last month that
-- `to` cuts short (before the latest data), which is read from the daily rows
to_is_month_end AS (SELECT $to::DATE = last_day($to::DATE) OR $to::DATE >= $latest::DATE AS yes),
feed_rows AS (
  SELECT day, practice_code, source_org_code, items, feeds FROM rollup_feeds_daily
  WHERE ($grain IN ('day', 'week') AND day BETWEEN date_trunc($grain, $from::DATE)::DATE AND $to::DATE)
     OR ($grain IN ('month', 'quarter') AND NOT (SELECT yes FROM to_is_month_end)
         AND day BETWEEN date_trunc('month', $to::DATE)::DATE AND $to::DATE)
  UNION ALL
  SELECT month, practice_code, source_org_code, items, feeds FROM rollup_feeds_monthly
  WHERE $grain IN ('month', 'quarter') AND month BETWEEN date_trunc($grain, $from::DATE)::DATE AND $to::DATE
    AND (month < date_trunc('month', $to::DATE) OR (SELECT yes FROM to_is_month_end))
),
items AS (
  SELECT date_trunc($grain, f.day)::DATE AS period_start, s.grp,
         CASE WHEN $by = 'source_org' THEN f.source_org_code ELSE 'All' END AS breakdown,
         sum(f.items) AS items, sum(f.feeds) AS feeds
  FROM feed_rows f JOIN scope s ON s.leaf = f.practice_code
  GROUP BY ALL
  UNION ALL
  SELECT date_trunc($grain, f.day)::DATE, s.grp, 'All', sum(f.items), sum(f.feeds)
  FROM feed_rows f JOIN scope s ON s.leaf = f.practice_code
  WHERE $by = 'source_org'
  GROUP BY ALL
),
-- levels at each period's end (or the latest data day)
running AS (
  SELECT p.period_start, s.grp,
         sum(l.enrolled) AS enrolled, sum(l.with_1) AS with_1_source,
         sum(l.with_2) AS with_2_sources, sum(l.with_3) AS with_3_sources
  FROM periods p
  JOIN rollup_sources_levels l ON l.day = p.end_day
  JOIN scope s ON s.leaf = l.practice_code
  GROUP BY ALL
),
grps AS (SELECT DISTINCT grp FROM scope),
rows_out AS (
  SELECT p.period_start, g.grp, 'All' AS breakdown FROM periods p CROSS JOIN grps g
  UNION SELECT period_start, grp, breakdown FROM items
)
SELECT k.period_start, k.grp AS org_code, o.name AS org_name, k.breakdown,
       coalesce(i.items, 0)::BIGINT AS items, coalesce(i.feeds, 0)::BIGINT AS feeds,
       CASE WHEN k.breakdown = 'All' THEN coalesce(r.enrolled, 0) END::BIGINT AS enrolled,
       CASE WHEN k.breakdown = 'All' THEN coalesce(r.with_1_source, 0) END::BIGINT AS with_1_source,
       CASE WHEN k.breakdown = 'All' THEN coalesce(r.with_2_sources, 0) END::BIGINT AS with_2_sources,
       CASE WHEN k.breakdown = 'All' THEN coalesce(r.with_3_sources, 0) END::BIGINT AS with_3_sources,
       NULL::DOUBLE AS with_1_source_pct, NULL::DOUBLE AS with_2_sources_pct, NULL::DOUBLE AS with_3_sources_pct
FROM rows_out k
JOIN organisations o ON o.org_code = k.grp
LEFT JOIN items i USING (period_start, grp, breakdown)
LEFT JOIN running r ON r.period_start = k.period_start AND r.grp = k.grp AND k.breakdown = 'All'
ORDER BY k.period_start, org_code, k.breakdown = 'All' DESC, k.breakdown;
