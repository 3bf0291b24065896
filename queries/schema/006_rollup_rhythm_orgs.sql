-- 006_rollup_rhythm_orgs: the weekday x hour rhythm kept per organisation instead of per CCG, so
-- activity_rhythm answers at every level: per registered practice (summed up to CCG and ICB), and
-- per trust / community service whose content or service was used.
DROP TABLE IF EXISTS rollup_rhythm;
CREATE TABLE rollup_rhythm (
  month    DATE NOT NULL,
  org_code VARCHAR NOT NULL,
  basis    VARCHAR NOT NULL,  -- registered (org_code is the patient's practice) | used (a trust or community service used)
  dow      TINYINT NOT NULL,  -- 1 = Monday
  hour     TINYINT NOT NULL,
  events   BIGINT NOT NULL
);

-- The new table is empty until the rollups are rebuilt: forget the published data version, so the
-- next import or server start (refreshRollupsIfStale) rebuilds them.
DELETE FROM store_meta WHERE key = 'data_version';
