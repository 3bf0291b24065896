-- roi: per period, savings (all saving types of the model, three scenarios) against costs:
-- programme costs of organisations in the subtree spread evenly over their days, and campaign
-- costs spread evenly over the campaign's days. The running totals are programme-to-date: they
-- start at the scope's first cost or first valued event, not at $from, because a programme's
-- return is what it has saved since it began against what it has cost since it began; $from
-- only chooses which periods are published (a board must get the same ROI and payback month
-- whatever dates it looks at). Net benefit = cumulative savings - cumulative cost. The return
-- (savings per pound of cost) is worked out from these totals by server/metrics/roi-rule.ts.
--
-- Every period since the programme began is returned: the payback period (the first whose
-- savings to date cover the cost to date, which may lie before $from) is worked out from these
-- running totals by the one payback rule, server/metrics/roi-rule.ts, which the dashboard's
-- what-if panel calls too; the catalogue (roiToDate in server/metrics/catalogue.ts) then keeps
-- the periods from $from.
-- Params: $org $level $grain $from $to $model.
WITH scope AS (SELECT leaf, grp FROM org_groups($org, $level)),
model AS (
  SELECT unnest(from_json($model::JSON,
    '[{"id":"VARCHAR","label":"VARCHAR","event_type":"VARCHAR","fraction":"DOUBLE","low":"DOUBLE","central":"DOUBLE","high":"DOUBLE"}]'),
    recursive := true)
),
savings AS (
  SELECT e.period_start, s.grp,
         sum(e.events) AS activity,
         sum(e.events * m.fraction * m.low) AS low,
         sum(e.events * m.fraction * m.central) AS central,
         sum(e.events * m.fraction * m.high) AS high
  FROM rollup_events e
  JOIN scope s ON s.leaf = e.org_code
  JOIN model m ON m.event_type = e.event_type
  WHERE e.grain = $grain AND e.period_start <= $to::DATE
  GROUP BY ALL
),
cost_items AS (
  SELECT c.org_code, c.period_start AS start_day, c.period_end AS end_day, c.amount_gbp::DOUBLE AS amount
  FROM programme_costs c
  UNION ALL
  SELECT c.org_code, c.start_date, c.end_date, c.cost_gbp::DOUBLE FROM campaigns c
),
-- The programme began (for this scope) at its first cost or first valued event, or at $from if
-- that is earlier: the running totals start there.
first_period AS (
  SELECT least(
           date_trunc($grain, $from::DATE),
           coalesce((SELECT date_trunc($grain, min(c.start_day)) FROM cost_items c JOIN scope s ON s.leaf = c.org_code
                     WHERE c.end_day >= c.start_day), date_trunc($grain, $from::DATE)),
           coalesce((SELECT min(period_start) FROM savings), date_trunc($grain, $from::DATE))
         )::DATE AS start
),
periods AS (
  SELECT period_start, period_end FROM grain_periods($grain, (SELECT start FROM first_period), $to)
),
costs AS (
  SELECT p.period_start, s.grp,
         sum(c.amount * (datediff('day', greatest(c.start_day, p.period_start), least(c.end_day, p.period_end)) + 1)
             / (datediff('day', c.start_day, c.end_day) + 1)) AS cost
  FROM cost_items c
  JOIN scope s ON s.leaf = c.org_code
  JOIN periods p ON c.start_day <= p.period_end AND c.end_day >= p.period_start
  WHERE c.end_day >= c.start_day
  GROUP BY ALL
),
grps AS (SELECT DISTINCT grp FROM scope),
series AS (
  SELECT p.period_start, g.grp,
         coalesce(sv.activity, 0) AS activity,
         coalesce(sv.low, 0) AS low, coalesce(sv.central, 0) AS central, coalesce(sv.high, 0) AS high,
         coalesce(c.cost, 0) AS cost
  FROM periods p CROSS JOIN grps g
  LEFT JOIN savings sv ON sv.period_start = p.period_start AND sv.grp = g.grp
  LEFT JOIN costs c ON c.period_start = p.period_start AND c.grp = g.grp
),
running AS (
  SELECT *,
         sum(cost) OVER w AS cum_cost,
         sum(low) OVER w AS cum_low, sum(central) OVER w AS cum_central, sum(high) OVER w AS cum_high
  FROM series
  WINDOW w AS (PARTITION BY grp ORDER BY period_start)
)
SELECT r.period_start, r.grp AS org_code, o.name AS org_name,
       r.activity::BIGINT AS activity,
       round(r.low, 2) AS savings_low_gbp, round(r.central, 2) AS savings_central_gbp, round(r.high, 2) AS savings_high_gbp,
       round(r.cost, 2) AS cost_gbp,
       round(r.cum_low, 2) AS cumulative_savings_low_gbp, round(r.cum_central, 2) AS cumulative_savings_central_gbp,
       round(r.cum_high, 2) AS cumulative_savings_high_gbp, round(r.cum_cost, 2) AS cumulative_cost_gbp,
       round(r.cum_low - r.cum_cost, 2) AS net_benefit_low_gbp,
       round(r.cum_central - r.cum_cost, 2) AS net_benefit_central_gbp,
       round(r.cum_high - r.cum_cost, 2) AS net_benefit_high_gbp
FROM running r
JOIN organisations o ON o.org_code = r.grp
ORDER BY r.period_start, org_code;
