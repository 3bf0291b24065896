-- Activity: distinct active patients per period of every grain, lifecycle states, retention of
-- activation cohorts, the weekday x hour rhythm and event counts for feature use and savings.
-- An active patient is one with any usage event in the period.
--
-- Computed from signed rows (t_act_events, t_act_list_events, t_act_attrs: 05_activity_rows.sql or
-- delta_activity_rows.sql): every count is a sum of signs, so the same statements give either the
-- rollups' rows (every sign +1; written by 05_activity_write.sql) or the difference the batches
-- make to them (-1 for a patient's contribution before, +1 after; added by
-- delta_activity_merge.sql). The results are views (t_out_*), read by whichever writes them.
--
-- Scoped by period: a scoped refresh recomputes the days, weeks, months and quarters in scope
-- (family 'usage'), reading only the usage events of those periods and of the period before each
-- (lifecycle compares a period with the one before); the day of a patient's first use comes from
-- rollup_patient, so "new" does not need the patient's whole history.
--
-- Distinct counts: usage is grouped once by patient into the sorted list of the patient's active
-- days (one row per patient, cheap to group), and each grain's distinct periods per patient are
-- unnested from that list. The same ordered list gives lifecycle states (previous/next active
-- period) without a window over patient-days.

-- Periods are handled as integers while unnesting (much cheaper than dates): day = days since
-- 1970-01-01, week = (day + 3) // 7 (weeks start on Monday), month = year * 12 + month - 1,
-- quarter = year * 4 + (month - 1) // 3. pi_period_start turns one back into its first day.
CREATE OR REPLACE TEMP MACRO pi_period_start(g, i) AS
  CASE g WHEN 'day' THEN DATE '1970-01-01' + i::INTEGER
         WHEN 'week' THEN DATE '1969-12-29' + (i * 7)::INTEGER
         WHEN 'month' THEN make_date((i // 12)::BIGINT, (i % 12 + 1)::BIGINT, 1)
         ELSE make_date((i // 4)::BIGINT, ((i % 4) * 3 + 1)::BIGINT, 1) END;

-- A sorted integer list without repeats, from a sorted column that may repeat values. Only ever
-- pass a column: a macro argument is substituted as an expression, and inside the lambda an
-- expression would be recomputed for every element.
CREATE OR REPLACE TEMP MACRO pi_dedupe_sorted(l) AS list_filter(l, (x, k) -> k = 1 OR l[k - 1] <> x);

-- A day's period of a grain, numbered as above (the lifecycle's bound: the latest data day's period).
CREATE OR REPLACE TEMP MACRO pi_period_no(g, d) AS
  CASE g WHEN 'day' THEN d - DATE '1970-01-01'
         WHEN 'week' THEN (d - DATE '1970-01-01' + 3) // 7
         WHEN 'month' THEN year(d) * 12 + month(d) - 1
         ELSE year(d) * 4 + (month(d) - 1) // 3 END;

-- Usage events counted in one scan into small groupings (GROUPING SETS); gid = GROUPING(day,
-- month, slot, practice_code, ccg_code, used_org, event_type, platform), a bit set for each column
-- a set leaves out (slot = (weekday - 1) * 24 + hour: one narrow key instead of two):
--   gid 111: per day and practice (events, logins);
--   gid 168: per month, practice, used organisation, kind and platform (feature use, savings);
--   gid 143: per month, weekday-hour and registered practice (the rhythm, practice levels);
--   gid 155: per month, weekday-hour and used organisation (the rhythm of trusts / community);
--   gid 116: per day, CCG, kind and platform (feature use by week, kept per CCG).
-- The used organisation is the one named by the event, else the patient's practice. Event types and
-- platforms are stored as ENUMs (migration 007); the rollups keep them as text, ordered by name.
CREATE OR REPLACE TEMP TABLE t_usage_sets AS
WITH u AS (
  SELECT u.sign, u.practice_code, o.parent_code AS ccg_code, coalesce(u.org_code, u.practice_code) AS used_org, u.event_type::VARCHAR AS event_type,
         coalesce(u.platform::VARCHAR, 'unknown') AS platform, pi_local_us(u.occurred_at) // 3600000000 AS local_hour_no
  FROM t_act_events u
  LEFT JOIN organisations o ON o.org_code = u.practice_code
),
v AS (
  SELECT *, DATE '1970-01-01' + (local_hour_no // 24)::INTEGER AS day,
         date_trunc('month', DATE '1970-01-01' + (local_hour_no // 24)::INTEGER)::DATE AS month,
         -- 1970-01-01 was a Thursday: weekday - 1 = (days + 3) % 7
         (((local_hour_no // 24 + 3) % 7) * 24 + local_hour_no % 24)::SMALLINT AS slot
  FROM u
)
SELECT GROUPING(day, month, slot, practice_code, ccg_code, used_org, event_type, platform) AS gid,
       day, month, slot, practice_code, ccg_code, used_org, event_type, platform,
       sum(sign)::BIGINT AS events, coalesce(sum(sign) FILTER (WHERE event_type = 'login'), 0)::BIGINT AS logins
FROM v
GROUP BY GROUPING SETS ((day, practice_code), (month, practice_code, used_org, event_type, platform),
                        (month, slot, practice_code), (month, slot, used_org),
                        (day, ccg_code, event_type, platform));

CREATE OR REPLACE TEMP TABLE t_ev_day AS
SELECT day, practice_code, events, logins FROM t_usage_sets WHERE gid = 111 AND practice_code IS NOT NULL;

CREATE OR REPLACE TEMP TABLE t_ev_month AS
SELECT month, practice_code, used_org, event_type, platform, events FROM t_usage_sets WHERE gid = 168;

-- Kinds of use numbered: event types 0-15 and platforms 0-7 (the contract has 10 and 4 + unknown),
-- and each (event type, platform) pair = type * 8 + platform, so a use fits in an integer. Every
-- value the ENUMs allow (migration 007), not only those read: a difference refresh's lists hold
-- uses of periods whose events it does not count.
CREATE OR REPLACE TEMP TABLE t_kinds AS
SELECT 'event_type' AS dim, value, (row_number() OVER (ORDER BY value) - 1)::INTEGER AS id
FROM (SELECT unnest(enum_range(NULL::usage_event_type))::VARCHAR AS value)
UNION ALL
SELECT 'platform', value, (row_number() OVER (ORDER BY value) - 1)::INTEGER
FROM (SELECT unnest(enum_range(NULL::usage_platform))::VARCHAR AS value UNION ALL SELECT 'unknown');

CREATE OR REPLACE TEMP TABLE t_pairs AS
SELECT t.value AS event_type, p.value AS platform,
       CASE WHEN t.id >= 16 OR p.id >= 8 THEN error('too many usage event types or platforms for the rollup encoding')
            ELSE t.id * 8 + p.id END AS pair
FROM t_kinds t, t_kinds p WHERE t.dim = 'event_type' AND p.dim = 'platform';

-- One row per patient and sign: the sorted lists of their active days, weeks, months and quarters, and the
-- distinct (month, event type) and (month, platform) pairs of their use as month * 256 + id. All
-- from one list of uses (day * 128 + pair): one list per patient to aggregate, not three.
CREATE OR REPLACE TEMP TABLE t_pl AS
WITH lists AS (
  SELECT u.patient_id, u.sign,
         list_sort(list_distinct(list((pi_local_us(u.occurred_at) // 86400000000)::INTEGER * 128 + k.pair))) AS uses
  FROM t_act_list_events u
  JOIN t_pairs k ON k.event_type = u.event_type::VARCHAR AND k.platform = coalesce(u.platform::VARCHAR, 'unknown')
  GROUP BY u.patient_id, u.sign
),
unpacked AS (
  SELECT patient_id, sign, list_transform(uses, c -> c // 128) AS day_list,
         list_distinct(list_transform(uses, c -> (year(DATE '1970-01-01' + c // 128) * 12 + month(DATE '1970-01-01' + c // 128) - 1) * 128 + c % 128)) AS month_uses
  FROM lists
),
day_lists AS (
  SELECT patient_id, sign, pi_dedupe_sorted(day_list) AS days, month_uses,
         list_sort(list_distinct(list_transform(month_uses, c -> c // 128))) AS months
  FROM unpacked
),
mapped AS (
  SELECT patient_id, sign, days, months, list_transform(days, d -> (d + 3) // 7) AS week_list,
         list_transform(months, m -> m // 3) AS quarter_list,
         list_distinct(list_transform(month_uses, c -> (c // 128) * 256 + (c % 128) // 8)) AS month_types,
         list_distinct(list_transform(month_uses, c -> (c // 128) * 256 + c % 8)) AS month_platforms
  FROM day_lists
)
SELECT l.patient_id, l.sign, p.practice_code, o.parent_code AS ccg_code, p.age_band, p.sex, p.imd_decile,
       year(p.activated_day) * 12 + month(p.activated_day) - 1 AS cohort,
       l.days, pi_dedupe_sorted(l.week_list) AS weeks, l.months, pi_dedupe_sorted(l.quarter_list) AS quarters,
       l.month_types, l.month_platforms,
       -- the day, week, month and quarter of the patient's first use, numbered as the lists are
       (p.first_use_day - DATE '1970-01-01' + 3) // 7 AS first_week,
       year(p.first_use_day) * 12 + month(p.first_use_day) - 1 AS first_month,
       year(p.first_use_day) * 4 + (month(p.first_use_day) - 1) // 3 AS first_quarter
FROM mapped l
JOIN t_act_attrs p USING (patient_id, sign)
LEFT JOIN organisations o ON o.org_code = p.practice_code
WHERE p.practice_code IS NOT NULL;

-- rollup_active: one row per (grain, period, practice or CCG, breakdown). Which rows exist: a total
-- (dim none) or a breakdown by person where a patient is active; a breakdown by use where an event
-- is counted.
CREATE OR REPLACE TEMP VIEW t_out_active AS
WITH counts AS (
  SELECT 'day' AS grain, i, practice_code, sum(sign) AS n FROM (SELECT sign, practice_code, unnest(days) AS i FROM t_pl) GROUP BY ALL
  UNION ALL SELECT 'week', i, practice_code, sum(sign) FROM (SELECT sign, practice_code, unnest(weeks) AS i FROM t_pl) GROUP BY ALL
  UNION ALL SELECT 'month', i, practice_code, sum(sign) FROM (SELECT sign, practice_code, unnest(months) AS i FROM t_pl) GROUP BY ALL
  UNION ALL SELECT 'quarter', i, practice_code, sum(sign) FROM (SELECT sign, practice_code, unnest(quarters) AS i FROM t_pl) GROUP BY ALL
),
events AS (
  SELECT g.grain, date_trunc(g.grain, day)::DATE AS period_start, practice_code,
         sum(events)::BIGINT AS events, sum(logins)::BIGINT AS logins
  FROM t_ev_day, (SELECT unnest(['day', 'week', 'month', 'quarter']) AS grain) g
  GROUP BY ALL
),
-- A full join: a difference can change a period's events without its patients (one more event
-- of a patient already active); all rows have a count then, as every event's patient is active.
totals AS (
  SELECT grain, period_start, practice_code, 'none' AS dim, 'All' AS dim_value,
         coalesce(c.n, 0)::INTEGER AS active_patients, coalesce(e.logins, 0)::BIGINT AS logins, coalesce(e.events, 0)::BIGINT AS events
  FROM (SELECT grain, pi_period_start(grain, i) AS period_start, practice_code, n FROM counts) c
  FULL JOIN events e USING (grain, period_start, practice_code)
),
-- by patient attributes: active patients only (events are not split this way); per practice by
-- month and quarter, per CCG by week (per practice a week's groups would be a few patients each,
-- mostly suppressed; by day even per CCG, and it would cost the rebuild a pass over every
-- patient-day). CCG rows carry the CCG's code in practice_code: org_groups places them under the
-- CCG and the ICB, never under a practice.
person_periods AS (
  SELECT 'month' AS grain, sign, practice_code AS org, age_band, sex, imd_decile, unnest(months) AS i FROM t_pl
  UNION ALL SELECT 'quarter', sign, practice_code, age_band, sex, imd_decile, unnest(quarters) FROM t_pl
  UNION ALL SELECT 'week', sign, ccg_code, age_band, sex, imd_decile, unnest(weeks) FROM t_pl WHERE ccg_code IS NOT NULL
),
by_person AS (
  SELECT grain, pi_period_start(grain, i) AS period_start, org AS practice_code,
         CASE WHEN GROUPING(age_band) = 0 THEN 'age_band' WHEN GROUPING(sex) = 0 THEN 'sex' ELSE 'imd_decile' END AS dim,
         coalesce(age_band, sex, imd_decile) AS dim_value,
         sum(sign)::INTEGER AS active_patients, NULL::BIGINT AS logins, NULL::BIGINT AS events
  FROM person_periods
  GROUP BY GROUPING SETS ((grain, i, org, age_band), (grain, i, org, sex), (grain, i, org, imd_decile))
),
-- by what was used: events and logins, and the distinct patients using each kind or platform (a
-- patient using two platforms counts in both, so these patients do not add up to the total).
-- Per practice by month and quarter; per CCG by week (events only).
used AS (
  SELECT month, practice_code, event_type, platform, sum(events) AS events
  FROM t_ev_month WHERE practice_code IS NOT NULL GROUP BY ALL
),
-- month * 256 + id pairs are distinct per patient already; for quarters, (month // 3) pairs
-- are de-duplicated per patient first (one patient using a kind in two months of a quarter).
users AS (
  SELECT grain, dim, practice_code, pi_period_start(grain, code // 256) AS period_start, code % 256 AS id, sum(sign) AS users
  FROM (
    SELECT 'month' AS grain, 'event_type' AS dim, sign, practice_code, unnest(month_types) AS code FROM t_pl
    UNION ALL SELECT 'month', 'platform', sign, practice_code, unnest(month_platforms) FROM t_pl
    UNION ALL SELECT 'quarter', 'event_type', sign, practice_code,
                     unnest(list_distinct(list_transform(month_types, c -> (c // 768) * 256 + c % 256))) FROM t_pl
    UNION ALL SELECT 'quarter', 'platform', sign, practice_code,
                     unnest(list_distinct(list_transform(month_platforms, c -> (c // 768) * 256 + c % 256))) FROM t_pl
  )
  GROUP BY ALL
),
users_named AS (
  SELECT u.grain, u.period_start, u.practice_code, u.dim, k.value AS dim_value, u.users
  FROM users u JOIN t_kinds k ON k.dim = u.dim AND k.id = u.id
),
use_events AS (
  SELECT g.grain, date_trunc(g.grain, month)::DATE AS period_start, practice_code, 'event_type' AS dim, event_type AS dim_value,
         coalesce(sum(events) FILTER (WHERE event_type = 'login'), 0)::BIGINT AS logins, sum(events)::BIGINT AS events
  FROM used, (SELECT unnest(['month', 'quarter']) AS grain) g GROUP BY ALL
  UNION ALL
  SELECT g.grain, date_trunc(g.grain, month)::DATE, practice_code, 'platform', platform,
         coalesce(sum(events) FILTER (WHERE event_type = 'login'), 0)::BIGINT, sum(events)::BIGINT
  FROM used, (SELECT unnest(['month', 'quarter']) AS grain) g GROUP BY ALL
),
use_fine AS (
  SELECT day, ccg_code, event_type, platform, events FROM t_usage_sets WHERE gid = 116 AND ccg_code IS NOT NULL
),
-- a full join for a difference, as for the totals (every user has events in a full rebuild)
by_use AS (
  SELECT grain, period_start, practice_code, dim, dim_value,
         coalesce(u.users, 0)::INTEGER AS active_patients, coalesce(e.logins, 0)::BIGINT AS logins, coalesce(e.events, 0)::BIGINT AS events
  FROM use_events e
  FULL JOIN users_named u USING (grain, period_start, practice_code, dim, dim_value)
  UNION ALL
  SELECT 'week', date_trunc('week', day)::DATE, ccg_code, 'event_type', event_type, NULL::INTEGER,
         coalesce(sum(events) FILTER (WHERE event_type = 'login'), 0)::BIGINT, sum(events)::BIGINT
  FROM use_fine GROUP BY ALL
  UNION ALL
  SELECT 'week', date_trunc('week', day)::DATE, ccg_code, 'platform', platform, NULL::INTEGER,
         coalesce(sum(events) FILTER (WHERE event_type = 'login'), 0)::BIGINT, sum(events)::BIGINT
  FROM use_fine GROUP BY ALL
)
SELECT * FROM totals UNION ALL SELECT * FROM by_person UNION ALL SELECT * FROM by_use;

-- Lifecycle (week, month and quarter) from each patient's sorted list of active periods: new (first
-- active period ever), returning (also active the period before), resurrecting (active before,
-- but not the period before); dormant in the period after one the patient was active in, when the
-- next active period is later (or none), up to the latest data.
-- Not bounded here: the writer keeps the periods up to the latest data day's (a difference is
-- bounded by the latest day it was computed for, delta_activity_merge.sql). i is the period's number.
CREATE OR REPLACE TEMP VIEW t_out_lifecycle AS
WITH lists AS (
  SELECT 'week' AS grain, sign, practice_code, weeks AS ps, first_week AS first_i FROM t_pl
  UNION ALL SELECT 'month', sign, practice_code, months, first_month FROM t_pl
  UNION ALL SELECT 'quarter', sign, practice_code, quarters, first_quarter FROM t_pl
),
states AS (
  SELECT grain, sign, practice_code,
         unnest(ps) AS i,
         unnest(list_transform(ps, (x, k) -> CASE WHEN x = first_i THEN 0 WHEN k > 1 AND ps[k - 1] = x - 1 THEN 1 ELSE 2 END)) AS state
  FROM lists
  UNION ALL
  SELECT grain, sign, practice_code, unnest(list_filter(list_transform(ps, (x, k) ->
           CASE WHEN k = len(ps) OR ps[k + 1] > x + 1 THEN x + 1 END), y -> y IS NOT NULL)) AS i, 3
  FROM lists
)
SELECT grain, i, pi_period_start(grain, i) AS period_start, practice_code,
       coalesce(sum(sign) FILTER (WHERE state = 0), 0)::INTEGER AS new_users,
       coalesce(sum(sign) FILTER (WHERE state = 1), 0)::INTEGER AS returning_users,
       coalesce(sum(sign) FILTER (WHERE state = 2), 0)::INTEGER AS resurrecting_users,
       coalesce(sum(sign) FILTER (WHERE state = 3), 0)::INTEGER AS dormant_users
FROM states
GROUP BY grain, i, practice_code;

-- Retention: cohorts by month of first activation; months_since = -1 holds the cohort size. The
-- sizes are scoped by the cohort's month (family 'enrol', from activations), the others by the
-- month the patients were active in.
DELETE FROM rollup_retention WHERE months_since < 0 AND pi_scoped('enrol', 'month', cohort_month);
INSERT INTO rollup_retention
SELECT date_trunc('month', activated_day)::DATE, practice_code, -1, count(*)::INTEGER
FROM rollup_patient
WHERE activated_day IS NOT NULL AND practice_code IS NOT NULL
  AND pi_scoped('enrol', 'month', date_trunc('month', activated_day)::DATE)
GROUP BY ALL;
CREATE OR REPLACE TEMP VIEW t_out_retention AS
SELECT pi_period_start('month', cohort) AS cohort_month, practice_code, (i - cohort)::INTEGER AS months_since,
       sum(sign)::INTEGER AS patients, pi_period_start('month', i) AS month
FROM (SELECT sign, cohort, practice_code, unnest(list_filter(months, m -> m >= cohort)) AS i FROM t_pl WHERE cohort IS NOT NULL)
GROUP BY cohort, practice_code, i;

-- Weekday x hour by month: per registered practice (practice levels add these up), and per trust or
-- community service used (their levels).
CREATE OR REPLACE TEMP VIEW t_out_rhythm AS
SELECT month, practice_code AS org_code, 'registered' AS basis, (slot // 24 + 1)::TINYINT AS dow, (slot % 24)::TINYINT AS hour, events
FROM t_usage_sets WHERE gid = 143 AND practice_code IS NOT NULL
UNION ALL
SELECT s.month, s.used_org, 'used', (s.slot // 24 + 1)::TINYINT, (s.slot % 24)::TINYINT, s.events
FROM t_usage_sets s JOIN organisations o ON o.org_code = s.used_org AND o.org_type IN ('trust', 'community')
WHERE s.gid = 155;

CREATE OR REPLACE TEMP VIEW t_out_events AS
SELECT g.grain, date_trunc(g.grain, month)::DATE AS period_start, used_org AS org_code, event_type, sum(events)::BIGINT AS events
FROM t_ev_month, (SELECT unnest(['month', 'quarter']) AS grain) g
WHERE used_org IS NOT NULL
GROUP BY ALL;
