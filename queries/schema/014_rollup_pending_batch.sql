-- 014_rollup_pending_batch: the batch that inserted each pending event, so the next refresh can
-- tell a patient's usage before the batches from after them and maintain the usage rollups by
-- difference (queries/rollups/delta_activity_rows.sql). NULL for rows that are not inserted events
-- (purged events, patient attributes, organisations) and for rows written before this migration:
-- a refresh that finds pending usage events without a batch recomputes their periods instead.
ALTER TABLE rollup_pending ADD COLUMN batch_id VARCHAR;
