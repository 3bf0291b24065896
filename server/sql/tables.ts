/**
 * The tables analysts query in the SQL workbench: what each holds and what each column means.
 * Served by GET /api/sql/schema, shown in the page's schema browser, and written into each extract
 * as DuckDB comments (so `duckdb_tables()` says the same). The SELECT that fills each table is
 * queries/workbench/<name>.sql. Never the quarantine, users, sessions, tokens, audit, key
 * fingerprint or importer internals: those are simply not in an extract.
 */
import { loadSqlFiles } from '../store/sql-files.js';

export interface WorkbenchColumn {
  name: string;
  description: string;
}

export interface WorkbenchTable {
  name: string;
  description: string;
  columns: readonly WorkbenchColumn[];
}

const PSEUDONYM = "The patient's pseudonym: a keyed HMAC-SHA-256 of the NHS number (64 hex characters). The same patient has the same pseudonym in every table; the NHS number cannot be recovered from it.";
const col = (name: string, description: string): WorkbenchColumn => ({ name, description });
const EVENT_ID = col('event_id', "The platform's identifier of the event (unique within its table).");
const OCCURRED = col('occurred_at', 'When it happened (timestamp with time zone; UK reporting days are in Europe/London).');

export const WORKBENCH_TABLES = [
  {
    name: 'organisations',
    description: 'The whole organisation hierarchy (public reference data): ICB, CCGs, GP practices, acute trusts and community services, with list sizes, go-live dates and uptake targets.',
    columns: [
      col('org_code', 'ODS-style organisation code.'),
      col('name', 'Organisation name.'),
      col('org_type', 'icb, ccg, practice, trust or community.'),
      col('parent_code', 'The organisation above it (a practice: its CCG; a CCG, trust or community service: the ICB).'),
      col('eligible_population', 'GP practices: registered list size, the denominator of uptake. Null for others.'),
      col('go_live_date', 'When the portal went live there.'),
      col('target_uptake_pct', 'Uptake target, % of the eligible population.'),
    ],
  },
  {
    name: 'patients',
    description: 'One row per pseudonymised patient in scope: registered practice, birth year, sex and deprivation decile. Patients who object to data sharing are not in the event tables.',
    columns: [
      col('patient_id', PSEUDONYM),
      col('practice_code', 'Registered GP practice.'),
      col('birth_year', 'Year of birth.'),
      col('sex', 'F, M, X (indeterminate) or U (not known).'),
      col('imd_decile', 'Index of Multiple Deprivation decile of the home area: 1 = most deprived, 10 = least.'),
    ],
  },
  {
    name: 'enrolment_events',
    description: 'Steps of each patient towards using the portal: invited, registered, activated, deactivated.',
    columns: [
      EVENT_ID,
      OCCURRED,
      col('patient_id', PSEUDONYM),
      col('practice_code', 'The patient\'s registered practice at the time.'),
      col('org_code', 'Where it happened (a practice, trust or community service).'),
      col('event_type', 'invited, registered, activated or deactivated.'),
      col('channel', 'How the patient was reached or signed up (e.g. sms, letter, web, app, clinic).'),
      col('campaign_code', 'The campaign behind it, if any (see campaigns).'),
    ],
  },
  {
    name: 'usage_events',
    description: 'What patients did on the portal: logins, records viewed, messages, appointments, letters.',
    columns: [EVENT_ID, OCCURRED, col('patient_id', PSEUDONYM), col('org_code', 'The organisation whose content or service was used; null for e.g. a login.'), col('event_type', 'What was done (login, record_viewed, message_sent, appointment_booked, letter_viewed, …).'), col('platform', 'web, ios or android.')],
  },
  {
    name: 'record_feeds',
    description: 'Items of patient record received from source organisations (letters, results, medication, care plans).',
    columns: [EVENT_ID, OCCURRED, col('patient_id', PSEUDONYM), col('source_org_code', 'The organisation that sent it.'), col('record_type', 'What kind of record.'), col('item_count', 'Items in the delivery.')],
  },
  {
    name: 'consent_events',
    description: 'Objections to data sharing (registered, withdrawn) and sharing grants and revocations. While an objection is in force the patient\'s events for its scope are not stored.',
    columns: [EVENT_ID, OCCURRED, col('patient_id', PSEUDONYM), col('scope', "The organisation it applies to, or '*' for all."), col('event_type', 'objection_registered, objection_withdrawn, sharing_granted or sharing_revoked.')],
  },
  {
    name: 'campaigns',
    description: 'Campaigns that invite patients to the portal, run in the scope or by an organisation above it whose campaign covers it.',
    columns: [col('campaign_code', 'Campaign identifier.'), col('name', 'Campaign name.'), col('org_code', 'Organisation running it: it covers everything below.'), col('channel', 'How patients were reached.'), col('start_date', 'First day.'), col('end_date', 'Last day.'), col('cost_gbp', 'What it cost, £.')],
  },
  {
    name: 'programme_costs',
    description: 'What the programme costs (licences, implementation, staff, marketing), by organisation and period.',
    columns: [col('org_code', 'Organisation paying.'), col('period_start', 'First day covered.'), col('period_end', 'Last day covered.'), col('category', 'licence, implementation, staff, marketing or other.'), col('amount_gbp', 'Amount, £.')],
  },
  {
    name: 'daily_uptake',
    description: "Daily rollup the dashboard's uptake uses: the net change per day and practice in patients whose latest enrolment state is activated. The running sum to a day is the number activated at the end of that day.",
    columns: [col('day', 'Reporting day (Europe/London).'), col('practice_code', 'Registered practice.'), col('activated_change', '+1 per activation, -1 when an activated patient\'s next enrolment event happens.')],
  },
  {
    name: 'daily_registrations',
    description: 'Daily rollup: patients by the day of their first registration (used by campaign impact).',
    columns: [col('day', 'Reporting day (Europe/London).'), col('practice_code', 'Registered practice.'), col('first_registrations', 'Patients registering for the first time that day.')],
  },
  {
    name: 'daily_feed_items',
    description: 'Daily rollup: record-feed items received for the patients of each practice, by source organisation.',
    columns: [col('day', 'Reporting day (Europe/London).'), col('practice_code', "The patients' practice."), col('source_org_code', 'The organisation that sent them.'), col('items', 'Items received.'), col('feeds', 'Deliveries.')],
  },
  {
    name: 'active_patients',
    description: 'Rollup behind the dashboard\'s active users: distinct patients using the portal per day, week, month and quarter, with logins and events.',
    columns: [col('grain', 'day, week, month or quarter.'), col('period_start', 'First day of the period.'), col('practice_code', 'Registered practice.'), col('active_patients', 'Distinct patients with any usage in the period.'), col('logins', 'Logins.'), col('events', 'Usage events of any kind.')],
  },
] as const satisfies readonly WorkbenchTable[];

export type WorkbenchTableName = (typeof WORKBENCH_TABLES)[number]['name'];
export const WORKBENCH_TABLE_NAMES = WORKBENCH_TABLES.map((t) => t.name) as WorkbenchTableName[];

/** The SELECT that fills each table (queries/workbench/<name>.sql), loaded once. */
export function loadWorkbenchSql(): Record<WorkbenchTableName, string> {
  return loadSqlFiles('workbench', WORKBENCH_TABLE_NAMES);
}
