-- 001_initial: the analytics store for one portal programme.
-- Every patient appears only as a keyed pseudonym (HMAC-SHA-256 of the NHS number) and an
-- internal integer key; raw identifiers never reach this file (see scripts/ingest/pseudonymise.ts).

CREATE TABLE schema_version (
  version     INTEGER PRIMARY KEY,
  description VARCHAR NOT NULL,
  applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Small key/value facts about the store: the pseudonymisation key's fingerprint (so a store is
-- never fed with a second key), the data version that invalidates API caches, rollup freshness.
CREATE TABLE store_meta (
  key   VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
);

-- Reference data: full snapshots upserted by key. Hierarchy: practice -> CCG -> ICB;
-- trust / community -> ICB.
CREATE TABLE organisations (
  org_code            VARCHAR PRIMARY KEY,
  name                VARCHAR NOT NULL,
  org_type            VARCHAR NOT NULL,      -- icb | ccg | trust | practice | community
  parent_code         VARCHAR,
  eligible_population INTEGER,               -- practice list size: the uptake denominator
  go_live_date        DATE,
  target_uptake_pct   DOUBLE,
  batch_id            VARCHAR NOT NULL       -- batch that last wrote this row
);

CREATE TABLE campaigns (
  campaign_code VARCHAR PRIMARY KEY,
  name          VARCHAR NOT NULL,
  org_code      VARCHAR NOT NULL,            -- scope: an ICB/CCG covers everything below it
  channel       VARCHAR NOT NULL,
  start_date    DATE NOT NULL,
  end_date      DATE NOT NULL,
  cost_gbp      DECIMAL(14, 2) NOT NULL,
  batch_id      VARCHAR NOT NULL
);

CREATE TABLE programme_costs (
  org_code     VARCHAR NOT NULL,
  period_start DATE NOT NULL,
  period_end   DATE NOT NULL,
  category     VARCHAR NOT NULL,             -- licence | implementation | staff | marketing | other
  amount_gbp   DECIMAL(14, 2) NOT NULL,
  batch_id     VARCHAR NOT NULL,
  PRIMARY KEY (org_code, period_start, category)
);

-- One row per pseudonymised patient. patient_id is the join key used by every event table.
-- Attributes are null until a patients.csv snapshot describes the patient.
CREATE TABLE patients (
  patient_id    INTEGER NOT NULL,
  pseudonym     VARCHAR NOT NULL,            -- hex HMAC-SHA-256 of the NHS number
  practice_code VARCHAR,
  birth_year    SMALLINT,
  sex           VARCHAR,                     -- F | M | X | U
  imd_decile    TINYINT,                     -- 1 = most deprived .. 10
  batch_id      VARCHAR
);

-- How the importer finds a patient's id: the first 128 bits of the pseudonym as a UUID (16 bytes).
-- Joining on it is several times cheaper than on the 64-character text once there are millions of
-- patients, and 128 bits of HMAC output make a collision practically impossible.
CREATE TABLE patient_keys (
  pseudonym_key UUID NOT NULL,
  patient_id    INTEGER NOT NULL
);

-- Events: append-only, keyed by event_id within each table. No indexes: de-duplication is a
-- hash join done once per batch, and ART indexes would slow bulk loads at 20M+ rows.
CREATE TABLE enrolment_events (
  event_id      VARCHAR NOT NULL,
  occurred_at   TIMESTAMPTZ NOT NULL,
  patient_id    INTEGER NOT NULL,
  practice_code VARCHAR NOT NULL,
  org_code      VARCHAR NOT NULL,
  event_type    VARCHAR NOT NULL,            -- invited | registered | activated | deactivated
  channel       VARCHAR,
  campaign_code VARCHAR,
  batch_id      VARCHAR NOT NULL
);

CREATE TABLE usage_events (
  event_id    VARCHAR NOT NULL,
  occurred_at TIMESTAMPTZ NOT NULL,
  patient_id  INTEGER NOT NULL,
  org_code    VARCHAR,                       -- null for e.g. login
  event_type  VARCHAR NOT NULL,
  platform    VARCHAR,
  batch_id    VARCHAR NOT NULL
);

CREATE TABLE record_feeds (
  event_id        VARCHAR NOT NULL,
  occurred_at     TIMESTAMPTZ NOT NULL,
  patient_id      INTEGER NOT NULL,
  source_org_code VARCHAR NOT NULL,
  record_type     VARCHAR NOT NULL,
  item_count      INTEGER NOT NULL,
  batch_id        VARCHAR NOT NULL
);

-- Consent events are kept (pseudonymised) because they are what objections are enforced from.
CREATE TABLE consent_events (
  event_id    VARCHAR NOT NULL,
  occurred_at TIMESTAMPTZ NOT NULL,
  patient_id  INTEGER NOT NULL,
  org_code    VARCHAR NOT NULL,              -- an org_code, or '*' for all
  event_type  VARCHAR NOT NULL,              -- objection_registered | objection_withdrawn | sharing_granted | sharing_revoked
  batch_id    VARCHAR NOT NULL
);

-- The objection state, derived from consent_events: one row per objection episode.
-- An event of the patient in scope that occurred before withdrawn_at (or at any time while
-- withdrawn_at is null) is not kept at row level.
CREATE TABLE objection_episodes (
  patient_id    INTEGER NOT NULL,
  scope         VARCHAR NOT NULL,            -- org_code or '*'
  registered_at TIMESTAMPTZ NOT NULL,
  withdrawn_at  TIMESTAMPTZ
);

-- Batches that are in the store, with a fingerprint of what was delivered so that a re-delivery
-- of identical files is skipped and a changed re-delivery is loaded (and de-duplicated).
CREATE TABLE loaded_batches (
  batch_id    VARCHAR PRIMARY KEY,
  fingerprint VARCHAR NOT NULL,
  run_id      VARCHAR NOT NULL,
  loaded_at   TIMESTAMPTZ NOT NULL
);

-- One row per batch an import run attempted (succeeded or failed). A batch already loaded with
-- identical files is not attempted again, so the 15-minute schedule does not flood this log.
CREATE TABLE ingest_runs (
  run_id       VARCHAR NOT NULL,
  batch_id     VARCHAR NOT NULL,
  trigger      VARCHAR NOT NULL,             -- cli | schedule | start | test
  started_at   TIMESTAMPTZ NOT NULL,
  finished_at  TIMESTAMPTZ NOT NULL,
  duration_ms  BIGINT NOT NULL,
  status       VARCHAR NOT NULL,             -- succeeded | failed
  error        VARCHAR,
  rows_in      BIGINT NOT NULL DEFAULT 0,
  loaded       BIGINT NOT NULL DEFAULT 0,
  duplicates   BIGINT NOT NULL DEFAULT 0,
  quarantined  BIGINT NOT NULL DEFAULT 0,
  withheld     BIGINT NOT NULL DEFAULT 0     -- not stored because an objection is in force
);

CREATE TABLE ingest_files (
  run_id      VARCHAR NOT NULL,
  batch_id    VARCHAR NOT NULL,
  file_name   VARCHAR NOT NULL,
  file_kind   VARCHAR NOT NULL,              -- organisations | patients | usage_events | ...
  rows_in     BIGINT NOT NULL,
  loaded      BIGINT NOT NULL,
  duplicates  BIGINT NOT NULL,
  quarantined BIGINT NOT NULL,
  withheld    BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL
);

-- Rows that failed validation, kept with where they came from and why. The NHS number is
-- replaced by a mask (and the pseudonym when the number itself was valid).
CREATE TABLE quarantine (
  batch_id       VARCHAR NOT NULL,
  file_name      VARCHAR NOT NULL,
  file_kind      VARCHAR NOT NULL,
  line           BIGINT NOT NULL,            -- 1-based line in the file (header is line 1)
  event_id       VARCHAR,
  reason_code    VARCHAR NOT NULL,           -- bad_nhs_number | missing_field | bad_value | unknown_value | unknown_org | unknown_campaign | future_timestamp | conflict | duplicate_key
  reason         VARCHAR NOT NULL,           -- the rule broken, in words, naming the column
  record         VARCHAR NOT NULL,           -- the row as JSON, identifier masked
  quarantined_at TIMESTAMPTZ NOT NULL
);
