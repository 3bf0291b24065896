-- 004_rollup_feeds_monthly: record-feed items per month, practice and source, so monthly and
-- quarterly data_accumulation reads a twentieth of the rows of the daily table.
CREATE TABLE rollup_feeds_monthly (
  month           DATE NOT NULL,
  practice_code   VARCHAR NOT NULL,
  source_org_code VARCHAR NOT NULL,
  items           BIGINT NOT NULL,
  feeds           BIGINT NOT NULL
);

-- Rollup tables added by a migration (003, 004) are empty until the rollups are rebuilt: forget the
-- published data version, so the next import or server start (refreshRollupsIfStale) rebuilds them.
DELETE FROM store_meta WHERE key = 'data_version';
