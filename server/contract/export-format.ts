/**
 * The portal export contract (version 1) as data: the files a batch may hold, their key, their
 * columns in the contract's order, each column's type and allowed values, and whether it may be
 * empty. The contract text is ../shared/contract/EXPORT_FORMAT.md; export-format.test.ts checks
 * this module against it both ways.
 *
 * This is the one declaration of the contract. The generator (scripts/generate) writes files from
 * it and the importer (server/ingest) derives its validation rules from it; what only one of them
 * needs (sampling weights, plausibility ranges, load order) lives with that one, derived from here.
 * Enum values are listed in the contract's order, which is also the order of the store's ENUM types
 * (queries/schema/007_usage_enums.sql).
 */

const ORG_TYPES = ['icb', 'ccg', 'trust', 'practice', 'community'] as const;
const CAMPAIGN_CHANNELS = ['letter', 'sms', 'email', 'poster', 'clinic', 'social', 'other'] as const;
const COST_CATEGORIES = ['licence', 'implementation', 'staff', 'marketing', 'other'] as const;
export const SEXES = ['F', 'M', 'X', 'U'] as const;
export const ENROLMENT_EVENT_TYPES = ['invited', 'registered', 'activated', 'deactivated'] as const;
export const ENROLMENT_CHANNELS = ['letter', 'sms', 'email', 'clinic', 'web', 'app', 'other'] as const;
export const USAGE_EVENT_TYPES = [
  'login',
  'record_viewed',
  'letter_viewed',
  'result_viewed',
  'message_sent',
  'appointment_booked',
  'appointment_cancelled',
  'questionnaire_completed',
  'prescription_requested',
  'document_uploaded',
] as const;
export const PLATFORMS = ['web', 'ios', 'android', 'other'] as const;
const RECORD_TYPES = ['letter', 'result', 'appointment', 'medication', 'care_plan', 'document', 'other'] as const;
export const CONSENT_EVENT_TYPES = ['objection_registered', 'objection_withdrawn', 'sharing_granted', 'sharing_revoked'] as const;

export type CampaignChannel = (typeof CAMPAIGN_CHANNELS)[number];
export type EnrolmentChannel = (typeof ENROLMENT_CHANNELS)[number];
export type UsageEventType = (typeof USAGE_EVENT_TYPES)[number];
export type RecordType = (typeof RECORD_TYPES)[number];

/** Reference data (full snapshots, upserted by key), in the contract's order. */
export const REFERENCE_KINDS = ['organisations', 'campaigns', 'programme_costs', 'patients'] as const;
/** Events (append-only, keyed by event_id), in the contract's order. */
export const EVENT_KINDS = ['enrolment_events', 'usage_events', 'record_feeds', 'consent_events'] as const;
type ReferenceKind = (typeof REFERENCE_KINDS)[number];
export type EventKind = (typeof EVENT_KINDS)[number];
export type FileKind = ReferenceKind | EventKind;
export const FILE_KINDS: readonly FileKind[] = [...REFERENCE_KINDS, ...EVENT_KINDS];

export function isEventKind(kind: FileKind): kind is EventKind {
  return (EVENT_KINDS as readonly string[]).includes(kind);
}

/** What a field holds, as the contract states it. */
export type ValueType =
  | { type: 'text' }
  /** An ODS-style code: 3–8 letters or digits. */
  | { type: 'org_code' }
  /** 10 digits, spaces allowed, passing the NHS Modulus-11 check. */
  | { type: 'nhs_number' }
  /** ISO 8601 with `Z` or an offset. */
  | { type: 'timestamp' }
  /** YYYY-MM-DD. */
  | { type: 'date' }
  | { type: 'int'; min?: number; max?: number }
  | { type: 'number'; min?: number; max?: number }
  | { type: 'enum'; values: readonly string[] };

/** A value that names an organisation known to the store (or delivered in the same batch). */
interface OrgReference {
  /** Only organisations of these types; any type when absent. */
  orgTypes?: readonly (typeof ORG_TYPES)[number][];
  /** `*` stands for every organisation. */
  allowStar?: boolean;
}

export interface ExportColumn {
  name: string;
  value: ValueType;
  /** False when the contract allows the field to be empty (= missing). */
  required: boolean;
  org?: OrgReference;
  /** The value names a campaign from campaigns.csv. */
  campaign?: true;
}

export interface ExportFile {
  kind: FileKind;
  /** Columns that identify a row: event_id for events, the contract's key for reference data. */
  key: readonly string[];
  /** In the contract's order (files may deliver them in any order). */
  columns: readonly ExportColumn[];
}

const column = (name: string, value: ValueType, extra: Partial<Omit<ExportColumn, 'name' | 'value'>> = {}): ExportColumn => ({
  name,
  value,
  required: true,
  ...extra,
});
const optional = { required: false } as const;
const TEXT: ValueType = { type: 'text' };
const enumOf = (values: readonly string[]): ValueType => ({ type: 'enum', values });

const eventId = column('event_id', TEXT);
const occurredAt = column('occurred_at', { type: 'timestamp' });
const nhsNumber = column('nhs_number', { type: 'nhs_number' });

export const EXPORT_FILES: Readonly<Record<FileKind, ExportFile>> = {
  organisations: {
    kind: 'organisations',
    key: ['org_code'],
    columns: [
      column('org_code', { type: 'org_code' }),
      column('name', TEXT),
      column('org_type', enumOf(ORG_TYPES)),
      // The parent must be known too, but it may arrive in the same file: the importer checks the
      // hierarchy (practice → CCG → ICB; trust / community → ICB) on its own.
      column('parent_code', TEXT, optional),
      column('eligible_population', { type: 'int', min: 0 }, optional),
      column('go_live_date', { type: 'date' }, optional),
      column('target_uptake_pct', { type: 'number', min: 0, max: 100 }, optional),
    ],
  },
  campaigns: {
    kind: 'campaigns',
    key: ['campaign_code'],
    columns: [
      column('campaign_code', TEXT),
      column('name', TEXT),
      column('org_code', TEXT, { org: {} }),
      column('channel', enumOf(CAMPAIGN_CHANNELS)),
      column('start_date', { type: 'date' }),
      column('end_date', { type: 'date' }),
      column('cost_gbp', { type: 'number', min: 0 }),
    ],
  },
  programme_costs: {
    kind: 'programme_costs',
    key: ['org_code', 'period_start', 'category'],
    columns: [
      column('org_code', TEXT, { org: {} }),
      column('period_start', { type: 'date' }),
      column('period_end', { type: 'date' }),
      column('category', enumOf(COST_CATEGORIES)),
      column('amount_gbp', { type: 'number', min: 0 }),
    ],
  },
  patients: {
    kind: 'patients',
    key: ['nhs_number'],
    columns: [
      nhsNumber,
      column('practice_code', TEXT, { org: { orgTypes: ['practice'] } }),
      column('birth_year', { type: 'int' }),
      column('sex', enumOf(SEXES)),
      column('imd_decile', { type: 'int', min: 1, max: 10 }, optional),
    ],
  },
  enrolment_events: {
    kind: 'enrolment_events',
    key: ['event_id'],
    columns: [
      eventId,
      occurredAt,
      nhsNumber,
      column('practice_code', TEXT, { org: { orgTypes: ['practice'] } }),
      column('org_code', TEXT, { org: { orgTypes: ['practice', 'trust', 'community'] } }),
      column('event_type', enumOf(ENROLMENT_EVENT_TYPES)),
      column('channel', enumOf(ENROLMENT_CHANNELS), optional),
      column('campaign_code', TEXT, { required: false, campaign: true }),
    ],
  },
  usage_events: {
    kind: 'usage_events',
    key: ['event_id'],
    columns: [
      eventId,
      occurredAt,
      nhsNumber,
      column('org_code', TEXT, { required: false, org: {} }),
      column('event_type', enumOf(USAGE_EVENT_TYPES)),
      column('platform', enumOf(PLATFORMS), optional),
    ],
  },
  record_feeds: {
    kind: 'record_feeds',
    key: ['event_id'],
    columns: [
      eventId,
      occurredAt,
      nhsNumber,
      column('source_org_code', TEXT, { org: {} }),
      column('record_type', enumOf(RECORD_TYPES)),
      column('item_count', { type: 'int', min: 1 }),
    ],
  },
  consent_events: {
    kind: 'consent_events',
    key: ['event_id'],
    columns: [
      eventId,
      occurredAt,
      nhsNumber,
      column('org_code', TEXT, { org: { allowStar: true } }),
      column('event_type', enumOf(CONSENT_EVENT_TYPES)),
    ],
  },
};

export function columnNames(kind: FileKind): string[] {
  return EXPORT_FILES[kind].columns.map((c) => c.name);
}

/** The column an event is attributed to for objection scopes (contract rule 5). */
export const SCOPE_COLUMN: Readonly<Partial<Record<EventKind, string>>> = {
  enrolment_events: 'org_code',
  usage_events: 'org_code',
  record_feeds: 'source_org_code',
};

/** The type a column has in Parquet ("natural types") and NDJSON (numbers unquoted). */
export type NaturalType = 'text' | 'int' | 'number' | 'date' | 'timestamp';

export function naturalType(value: ValueType): NaturalType {
  switch (value.type) {
    case 'int':
    case 'number':
    case 'date':
    case 'timestamp':
      return value.type;
    default:
      // Codes, NHS numbers (spaces allowed) and enum values are text.
      return 'text';
  }
}

/** File name extensions the contract allows, without the dot. */
export const FILE_FORMATS = ['csv', 'csv.gz', 'ndjson', 'ndjson.gz', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const FILE_NAME = new RegExp(`^(${FILE_KINDS.join('|')})(?:\\.part-(\\d{1,6}))?\\.(${FILE_FORMATS.map(escapeRegExp).join('|')})$`);

export interface ParsedFileName {
  kind: FileKind;
  /** The part number of a split file (`usage_events.part-0001.csv.gz`), null for a whole file. */
  part: number | null;
  format: FileFormat;
}

/** Parses a batch file name; null means the name is not one the contract allows. */
export function parseFileName(fileName: string): ParsedFileName | null {
  const match = FILE_NAME.exec(fileName);
  if (!match) return null;
  return {
    kind: match[1] as FileKind,
    part: match[2] === undefined ? null : Number(match[2]),
    format: match[3] as FileFormat,
  };
}
