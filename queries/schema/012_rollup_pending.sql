-- 012_rollup_pending: what each committed batch changed, so the next rollup refresh recomputes only
-- that (server/metrics/rollups.ts). Rows are written in the batch's own transaction and removed in
-- the refresh's, so a crash between the two leaves exactly the work still to do.
CREATE TABLE rollup_pending (
  patient_id  INTEGER,              -- NULL: a change no patient scope covers (organisations): rebuild all
  source      VARCHAR NOT NULL,     -- the table changed: an event table, patients or organisations
  occurred_at TIMESTAMPTZ           -- an inserted or purged event's time; NULL for a patient's attributes
);

-- The day of a patient's first use: lifecycle "new" is the period of this day, which a refresh
-- that reads only recent usage cannot tell from the patient's list of active periods.
ALTER TABLE rollup_patient ADD COLUMN first_use_day DATE;

-- first_use_day is empty until the rollups are rebuilt whole: forget the published data version, so
-- the next import or server start rebuilds them (refreshRollupsIfStale), as 004 does.
DELETE FROM store_meta WHERE key = 'data_version';
