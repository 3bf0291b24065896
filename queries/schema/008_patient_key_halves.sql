-- 008_patient_key_halves: a patient's lookup key (the first 128 bits of the pseudonym) is kept as
-- two 64-bit halves instead of a UUID. The importer computes the keys in JavaScript
-- (scripts/ingest/pseudonym-keys.ts) and hands them to DuckDB as 32-bit words, and DuckDB can
-- put words together into integers at no cost but has no cast from integers to a UUID; joining
-- on two 8-byte integers is as cheap as on one 16-byte UUID.
CREATE TABLE patient_keys_by_halves (
  key_high   UBIGINT NOT NULL,  -- bits 0-63 of HMAC-SHA-256(key, NHS number)
  key_low    UBIGINT NOT NULL,  -- bits 64-127
  patient_id INTEGER NOT NULL
);
INSERT INTO patient_keys_by_halves
  SELECT ('0x' || substr(h, 1, 16))::UBIGINT, ('0x' || substr(h, 17, 16))::UBIGINT, patient_id
  FROM (SELECT replace(CAST(pseudonym_key AS VARCHAR), '-', '') AS h, patient_id FROM patient_keys);
DROP TABLE patient_keys;
ALTER TABLE patient_keys_by_halves RENAME TO patient_keys;
