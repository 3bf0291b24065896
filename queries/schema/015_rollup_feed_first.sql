-- 015_rollup_feed_first: each patient's first day per record-feed source, kept between refreshes
-- (it was a temp table rebuilt from every feed on every refresh). An incremental refresh reads the
-- rows of the patients whose feeds or attributes changed as they were, recomputes them, and moves
-- rollup_feed_reach_daily and rollup_sources_reached by the difference
-- (queries/rollups/06_feeds_consent.sql). Empty until the rollups are rebuilt whole: the rollup SQL
-- changed with this migration, so the next refresh does (refreshRollupsIfStale).
CREATE TABLE rollup_feed_first (
  patient_id      INTEGER NOT NULL,
  source_org_code VARCHAR NOT NULL,
  day             DATE NOT NULL
);
