-- 002_rollups: precomputed tables the metrics API reads instead of the event tables.
-- All are rebuilt from the base tables by refreshRollups (server/metrics/rollups.ts, SQL in
-- queries/rollups/) after every import, inside the import's transaction. Days are calendar days in
-- Europe/London (the programme's reporting day). Patients are attributed to their registered
-- practice, so counts add up along practice -> CCG -> ICB without double counting.
-- "dim"/"dim_value" hold one breakdown in long form ('none'/'All' is the total), so a metric
-- query selects a breakdown with a bound parameter instead of building SQL.

-- When the rollups were built and how fresh the data they describe is.
CREATE TABLE rollup_facts (
  latest_event_at TIMESTAMPTZ,
  first_day       DATE,
  latest_day      DATE,
  built_at        TIMESTAMPTZ NOT NULL
);

-- Organisation closure: every organisation with each of its ancestors (and itself, depth 0).
CREATE TABLE rollup_org_tree (
  org_code      VARCHAR NOT NULL,
  org_type      VARCHAR NOT NULL,
  ancestor_code VARCHAR NOT NULL,
  ancestor_type VARCHAR NOT NULL,
  depth         INTEGER NOT NULL
);

-- One row per patient with an enrolment or usage history: attributes and the day of each funnel step.
CREATE TABLE rollup_patient (
  patient_id        INTEGER NOT NULL,
  practice_code     VARCHAR,
  age_band          VARCHAR NOT NULL,
  sex               VARCHAR NOT NULL,
  imd_decile        VARCHAR NOT NULL,
  first_enrol_day   DATE,               -- first enrolment event of any kind (reached "invited")
  first_channel     VARCHAR NOT NULL,
  first_campaign    VARCHAR NOT NULL,
  registered_day    DATE,               -- first registered or activated
  activated_day     DATE,               -- first activated
  active_30d        BOOLEAN NOT NULL    -- any usage in the 30 days to the latest data day
);

-- Registered population by practice and breakdown (the denominator for uptake by breakdown).
CREATE TABLE rollup_population (
  practice_code VARCHAR NOT NULL,
  dim           VARCHAR NOT NULL,
  dim_value     VARCHAR NOT NULL,
  patients      INTEGER NOT NULL
);

-- Net change per day in patients whose latest enrolment state is "activated" (+1 when an
-- activation happens, -1 when the patient's next enrolment event happens). The running sum to a
-- day is the number activated at the end of that day.
CREATE TABLE rollup_uptake_daily (
  day           DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  dim           VARCHAR NOT NULL,
  dim_value     VARCHAR NOT NULL,
  delta         INTEGER NOT NULL
);

-- The same, attributed to the organisation where the activation happened (trusts, community).
CREATE TABLE rollup_uptake_org_daily (
  day      DATE NOT NULL,
  org_code VARCHAR NOT NULL,
  delta    INTEGER NOT NULL
);

-- Patients first reached by a record feed from a source organisation, by day.
CREATE TABLE rollup_feed_reach_daily (
  day             DATE NOT NULL,
  source_org_code VARCHAR NOT NULL,
  patients        INTEGER NOT NULL
);

-- Funnel cohorts: patients by month of their first enrolment event and the steps they reached.
CREATE TABLE rollup_funnel (
  cohort_month  DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  dim           VARCHAR NOT NULL,   -- none | channel | campaign (of the first enrolment event)
  dim_value     VARCHAR NOT NULL,
  invited       INTEGER NOT NULL,
  registered    INTEGER NOT NULL,
  activated     INTEGER NOT NULL,
  active_30d    INTEGER NOT NULL
);

-- Days between funnel steps as a histogram, so medians can be taken over any group.
CREATE TABLE rollup_funnel_lag (
  cohort_month  DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  dim           VARCHAR NOT NULL,
  dim_value     VARCHAR NOT NULL,
  step          VARCHAR NOT NULL,   -- invited_registered | registered_activated
  days          INTEGER NOT NULL,
  patients      INTEGER NOT NULL
);

-- Distinct active patients (any usage event) per period of each grain, with login and event counts.
-- Breakdowns (dim <> 'none') are kept for month and quarter only: at finer grains they would be
-- nearly as many rows as the events. By age_band / sex / imd_decile only active_patients is kept
-- (logins, events null); by platform / event_type only events (active_patients null: a patient
-- using two platforms is one person, not two).
CREATE TABLE rollup_active (
  grain          VARCHAR NOT NULL,  -- day | week | month | quarter
  period_start   DATE NOT NULL,
  practice_code  VARCHAR NOT NULL,
  dim            VARCHAR NOT NULL,  -- none | age_band | sex | imd_decile | platform | event_type
  dim_value      VARCHAR NOT NULL,
  active_patients INTEGER,
  logins         BIGINT,
  events         BIGINT
);

-- New / returning / resurrecting / dormant patients per period (month, quarter).
CREATE TABLE rollup_lifecycle (
  grain         VARCHAR NOT NULL,
  period_start  DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  new_users     INTEGER NOT NULL,
  returning_users INTEGER NOT NULL,
  resurrecting_users INTEGER NOT NULL,
  dormant_users INTEGER NOT NULL
);

-- Activation cohorts (month of first activation) and how many are active n months later.
CREATE TABLE rollup_retention (
  cohort_month  DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  months_since  INTEGER NOT NULL,   -- 0 = the activation month itself
  patients      INTEGER NOT NULL    -- cohort size when months_since = -1, else active patients
);

-- Usage events by weekday (1 = Monday) and hour of day, per month and CCG (the practice's parent).
CREATE TABLE rollup_rhythm (
  month         DATE NOT NULL,
  ccg_code      VARCHAR NOT NULL,
  dow           TINYINT NOT NULL,
  hour          TINYINT NOT NULL,
  events        BIGINT NOT NULL
);

-- Usage events per month / quarter, attributed to the organisation whose content or
-- service was used (or the patient's practice when the event names none): the activity behind the
-- savings model.
CREATE TABLE rollup_events (
  grain        VARCHAR NOT NULL,   -- month | quarter
  period_start DATE NOT NULL,
  org_code     VARCHAR NOT NULL,
  event_type   VARCHAR NOT NULL,
  events       BIGINT NOT NULL
);

-- Record-feed items received per day for the patients of a practice, by source organisation.
CREATE TABLE rollup_feeds_daily (
  day             DATE NOT NULL,
  practice_code   VARCHAR NOT NULL,
  source_org_code VARCHAR NOT NULL,
  items           BIGINT NOT NULL,
  feeds           BIGINT NOT NULL
);

-- Ever-activated patients reaching their 1st, 2nd and 3rd distinct data source, by day.
CREATE TABLE rollup_sources_reached (
  day           DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  sources       TINYINT NOT NULL,  -- 1, 2 or 3
  patients      INTEGER NOT NULL
);

-- Ever-activated patients by the day of their first activation (enrolled denominator).
CREATE TABLE rollup_enrolled_daily (
  day           DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  patients      INTEGER NOT NULL
);

-- Objections in force: +1 on registration, -1 on withdrawal, by day, practice and scope.
CREATE TABLE rollup_objections_daily (
  day           DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  scope         VARCHAR NOT NULL,
  delta         INTEGER NOT NULL
);

-- Sharing grants and revocations per day (distinct patients per day and scope).
CREATE TABLE rollup_consent_daily (
  day           DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  scope         VARCHAR NOT NULL,
  event_type    VARCHAR NOT NULL,
  patients      INTEGER NOT NULL
);

-- Patients by day of their first registration (campaign impact).
CREATE TABLE rollup_registrations_daily (
  day           DATE NOT NULL,
  practice_code VARCHAR NOT NULL,
  patients      INTEGER NOT NULL
);
