-- 014_rollup_pending_event: the id of each event a batch inserted, so the next refresh can tell a
-- patient's usage before the batches from after them and maintain the usage rollups by difference
-- (queries/rollups/delta_activity_rows.sql). The event, not its batch: a batch delivered again
-- under the same name adds events with the batch_id of events already counted. Usage events only;
-- NULL for other event tables, for rows that are not inserted events (purged events, patient
-- attributes, organisations) and for rows written before this migration: a refresh that finds
-- pending usage events without an id recomputes their periods instead.
ALTER TABLE rollup_pending ADD COLUMN event_id VARCHAR;

-- The usage events an objection purged since the last refresh, as they were: a refresh by
-- difference counts them in the patient's usage before (they are no longer in usage_events).
-- Written with the purge, in the batch's transaction; emptied with rollup_pending by the refresh.
CREATE TABLE rollup_pending_purged (
  event_id    VARCHAR NOT NULL,
  occurred_at TIMESTAMPTZ NOT NULL,
  patient_id  INTEGER NOT NULL,
  org_code    VARCHAR,
  event_type  usage_event_type NOT NULL,
  platform    usage_platform
);
