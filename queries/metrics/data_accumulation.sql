-- data_accumulation: record-feed items (and feed messages) received per period for the patients
-- registered in the organisation's subtree, by source organisation with by=source_org; and, at the
-- end of each period, how many ever-activated patients (enrolled) have data from at least 1, 2 and
-- 3 distinct source organisations. Params: $org $level $grain $from $to $by.
WITH scope AS (
  SELECT t.org_code AS leaf, t.ancestor_code AS grp
  FROM rollup_org_tree t
  JOIN rollup_org_tree f ON f.org_code = t.org_code AND f.ancestor_code = $org
  WHERE t.ancestor_type = $level
),
periods AS (
  SELECT p::DATE AS period_start
  FROM (
    SELECT unnest(generate_series(date_trunc($grain, $from::DATE)::TIMESTAMP, $to::DATE::TIMESTAMP, step)) AS p
    FROM (SELECT CASE $grain WHEN 'day' THEN INTERVAL 1 DAY WHEN 'week' THEN INTERVAL 7 DAY
                             WHEN 'month' THEN INTERVAL 1 MONTH ELSE INTERVAL 3 MONTH END AS step)
  )
),
first_start AS (SELECT min(period_start) AS first_start FROM periods),
items AS (
  SELECT date_trunc($grain, f.day)::DATE AS period_start, s.grp,
         CASE WHEN $by = 'source_org' THEN f.source_org_code ELSE 'All' END AS breakdown,
         sum(f.items) AS items, sum(f.feeds) AS feeds
  FROM rollup_feeds_daily f JOIN scope s ON s.leaf = f.practice_code
  WHERE f.day BETWEEN (SELECT first_start FROM first_start) AND $to::DATE
  GROUP BY ALL
  UNION ALL
  SELECT date_trunc($grain, f.day)::DATE, s.grp, 'All', sum(f.items), sum(f.feeds)
  FROM rollup_feeds_daily f JOIN scope s ON s.leaf = f.practice_code
  WHERE $by = 'source_org' AND f.day BETWEEN (SELECT first_start FROM first_start) AND $to::DATE
  GROUP BY ALL
),
-- running totals: everything before the first period is carried into it
enrolled_changes AS (
  SELECT greatest(date_trunc($grain, e.day)::DATE, (SELECT first_start FROM first_start)) AS period_start, s.grp,
         sum(e.patients) AS n
  FROM rollup_enrolled_daily e JOIN scope s ON s.leaf = e.practice_code
  WHERE e.day <= $to::DATE GROUP BY ALL
),
source_changes AS (
  SELECT greatest(date_trunc($grain, r.day)::DATE, (SELECT first_start FROM first_start)) AS period_start, s.grp,
         sum(r.patients) FILTER (WHERE r.sources = 1) AS n1,
         sum(r.patients) FILTER (WHERE r.sources = 2) AS n2,
         sum(r.patients) FILTER (WHERE r.sources = 3) AS n3
  FROM rollup_sources_reached r JOIN scope s ON s.leaf = r.practice_code
  WHERE r.day <= $to::DATE GROUP BY ALL
),
grps AS (SELECT DISTINCT grp FROM scope),
running AS (
  SELECT p.period_start, g.grp,
         sum(coalesce(e.n, 0)) OVER w AS enrolled,
         sum(coalesce(c.n1, 0)) OVER w AS with_1_source,
         sum(coalesce(c.n2, 0)) OVER w AS with_2_sources,
         sum(coalesce(c.n3, 0)) OVER w AS with_3_sources
  FROM periods p CROSS JOIN grps g
  LEFT JOIN enrolled_changes e ON e.period_start = p.period_start AND e.grp = g.grp
  LEFT JOIN source_changes c ON c.period_start = p.period_start AND c.grp = g.grp
  WINDOW w AS (PARTITION BY g.grp ORDER BY p.period_start)
),
rows_out AS (
  SELECT r.period_start, r.grp, 'All' AS breakdown FROM running r
  UNION SELECT period_start, grp, breakdown FROM items
)
SELECT k.period_start, k.grp AS org_code, o.name AS org_name, k.breakdown,
       coalesce(i.items, 0)::BIGINT AS items, coalesce(i.feeds, 0)::BIGINT AS feeds,
       r.enrolled::BIGINT AS enrolled,
       r.with_1_source::BIGINT AS with_1_source, r.with_2_sources::BIGINT AS with_2_sources,
       r.with_3_sources::BIGINT AS with_3_sources,
       NULL::DOUBLE AS with_1_source_pct, NULL::DOUBLE AS with_2_sources_pct, NULL::DOUBLE AS with_3_sources_pct
FROM rows_out k
JOIN organisations o ON o.org_code = k.grp
LEFT JOIN items i USING (period_start, grp, breakdown)
LEFT JOIN running r ON r.period_start = k.period_start AND r.grp = k.grp AND k.breakdown = 'All'
ORDER BY k.period_start, org_code, k.breakdown = 'All' DESC, k.breakdown;
