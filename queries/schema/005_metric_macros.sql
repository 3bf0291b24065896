-- 005_metric_macros: pieces that every metric query shares, defined once here rather than
-- repeated in each queries/metrics/*.sql file.

-- Each leaf organisation inside `org`'s subtree, with the organisation at level `lvl` (icb, ccg,
-- practice, trust, community) that it is grouped under in the answer.
CREATE MACRO org_groups(org, lvl) AS TABLE
  SELECT t.org_code AS leaf, t.ancestor_code AS grp
  FROM rollup_org_tree t
  JOIN rollup_org_tree f ON f.org_code = t.org_code AND f.ancestor_code = org
  WHERE t.ancestor_type = lvl;
