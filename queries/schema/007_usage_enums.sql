-- 007_usage_enums: usage events keep their event type and platform as one-byte ENUM codes instead
-- of text. usage_events is the store's largest table (tens of millions of rows) and these two
-- columns are written for every row: as ENUMs the importer writes them without string compression
-- (about a third of the write of a 5M-event batch) and they take a byte each on disk. The values
-- are the contract's (EXPORT_FORMAT.md, version 1), in its order; a test checks them against
-- server/contract/export-format.ts, so a contract change must come with a migration here.
CREATE TYPE usage_event_type AS ENUM (
  'login', 'record_viewed', 'letter_viewed', 'result_viewed', 'message_sent', 'appointment_booked',
  'appointment_cancelled', 'questionnaire_completed', 'prescription_requested', 'document_uploaded'
);
CREATE TYPE usage_platform AS ENUM ('web', 'ios', 'android', 'other');
ALTER TABLE usage_events ALTER COLUMN event_type SET DATA TYPE usage_event_type;
ALTER TABLE usage_events ALTER COLUMN platform SET DATA TYPE usage_platform;
