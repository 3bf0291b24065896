-- savings: estimated savings per period and organisation. Each saving type of the savings model
-- counts usage events of some kinds (activity), of which a fraction avoids a cost (e.g. a posted
-- letter, a phone call), valued at low / central / high unit values. Events are attributed to the
-- organisation whose content or service was used (the patient's practice when the event names
-- none). $model: JSON list of {id, label, event_type, fraction, low, central, high}, one entry per
-- saving type and event kind. Params: $org $level $grain $from $to $model.
--
-- By a level below $org (savings by CCG under an ICB), some of $org's activity is at no
-- organisation of that level (trusts and community services sit in no CCG). So that the rows add
-- up to $org's total, $org's whole subtree is also grouped once more, with a NULL org_code and the
-- remainder's name: after disclosure control the catalogue (savingsRemainder in
-- server/metrics/catalogue.ts) turns each of these total rows into the remainder, the total minus
-- the level's rows as published.
WITH scope AS (
  SELECT leaf, grp FROM org_groups($org, $level)
  UNION ALL
  SELECT t.org_code AS leaf, NULL AS grp
  FROM rollup_org_tree t
  JOIN organisations o ON o.org_code = $org
  WHERE t.ancestor_code = $org AND o.org_type <> $level
),
model AS (
  SELECT unnest(from_json($model::JSON,
    '[{"id":"VARCHAR","label":"VARCHAR","event_type":"VARCHAR","fraction":"DOUBLE","low":"DOUBLE","central":"DOUBLE","high":"DOUBLE"}]'),
    recursive := true)
),
types AS (SELECT DISTINCT id, label FROM model),
activity AS (
  SELECT e.period_start, s.grp, m.id,
         sum(e.events) AS activity,
         sum(e.events * m.fraction) AS avoided,
         sum(e.events * m.fraction * m.low) AS savings_low,
         sum(e.events * m.fraction * m.central) AS savings_central,
         sum(e.events * m.fraction * m.high) AS savings_high
  FROM rollup_events e
  JOIN scope s ON s.leaf = e.org_code
  JOIN model m ON m.event_type = e.event_type
  WHERE e.grain = $grain AND e.period_start BETWEEN date_trunc($grain, $from::DATE) AND $to::DATE
  GROUP BY ALL
)
SELECT a.period_start, a.grp AS org_code,
       CASE WHEN a.grp IS NOT NULL THEN o.name
            WHEN $level = 'ccg' THEN 'Trusts and community services'
            WHEN $level = 'practice' THEN 'Other (not at a GP practice)'
            ELSE 'Other (not at a listed organisation)' END AS org_name,
       a.id AS saving_type, t.label AS saving_label,
       a.activity::BIGINT AS activity, round(a.avoided, 1) AS avoided,
       round(a.savings_low, 2) AS savings_low_gbp, round(a.savings_central, 2) AS savings_central_gbp,
       round(a.savings_high, 2) AS savings_high_gbp
FROM activity a
LEFT JOIN organisations o ON o.org_code = a.grp
JOIN types t ON t.id = a.id
ORDER BY a.period_start, org_code NULLS LAST, saving_type;
