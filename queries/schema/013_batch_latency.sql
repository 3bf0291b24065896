-- 013_batch_latency: how long a batch takes from landing to being served, per batch, so
-- /api/health can say it (server/api/health.ts). Three clocks on the batch's row:
--   landed_at   when the batch arrived in the landing directory: the latest modification time of
--               its files when the import found it (server/ingest/discover.ts says why);
--   imported_at when the batch's transaction committed (the clock just before its COMMIT, as
--               the run log's finished_at: server/ingest/import-batch.ts);
--   served_at   when the rollups that include it were committed with the new data version, i.e.
--               when the API starts answering with it (refreshRollupsIfStale,
--               server/metrics/rollups.ts, stamps every batch it includes in its own transaction).
-- Batches loaded before this migration keep all three NULL: when they landed is not known, and
-- guessing would put a false lag on the health report. A re-delivered batch gets new clocks and
-- waits to be served again.
ALTER TABLE loaded_batches ADD COLUMN landed_at TIMESTAMPTZ;
ALTER TABLE loaded_batches ADD COLUMN imported_at TIMESTAMPTZ;
ALTER TABLE loaded_batches ADD COLUMN served_at TIMESTAMPTZ;
