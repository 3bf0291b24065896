/**
 * The portal export contract (../shared/contract/EXPORT_FORMAT.md, version 1) as data: which files a
 * batch may hold, their columns, and the rule each value must keep. The importer's validation SQL
 * is generated from this, so a change to the contract is a change here and nowhere else.
 */

export const REFERENCE_KINDS = ['organisations', 'campaigns', 'programme_costs', 'patients'] as const;
export const EVENT_KINDS = ['consent_events', 'enrolment_events', 'usage_events', 'record_feeds'] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];
export type EventKind = (typeof EVENT_KINDS)[number];
export type FileKind = ReferenceKind | EventKind;

/**
 * Load order within a batch: reference data first (events are checked against it), consent
 * before other events (an objection in the batch must withhold the batch's own events).
 */
export const LOAD_ORDER: readonly FileKind[] = [
  'organisations',
  'campaigns',
  'programme_costs',
  'patients',
  'consent_events',
  'enrolment_events',
  'usage_events',
  'record_feeds',
];

export const ORG_TYPES = ['icb', 'ccg', 'trust', 'practice', 'community'] as const;

/** How a raw text value is checked (and later cast). */
export type ValueRule =
  | { type: 'text' }
  | { type: 'org_code_format' }
  | { type: 'nhs_number' }
  | { type: 'timestamp' }
  | { type: 'date' }
  | { type: 'int'; min?: number; max?: number }
  | { type: 'number'; min?: number; max?: number }
  | { type: 'enum'; values: readonly string[] };

/** A reference to an organisation that must already be known (in the store or this batch). */
export type OrgReference = { orgTypes?: readonly (typeof ORG_TYPES)[number][]; allowStar?: boolean };

export interface ColumnSpec {
  name: string;
  required: boolean;
  rule: ValueRule;
  org?: OrgReference;
  campaign?: true;
  /** Checked against the import clock: events cannot be reported before they happen. */
  notInFuture?: true;
}

export interface FileSpec {
  kind: FileKind;
  columns: readonly ColumnSpec[];
  /** Columns that identify a row: event_id for events, the contract's key for reference data. */
  key: readonly string[];
}

const text = (name: string, required = true): ColumnSpec => ({ name, required, rule: { type: 'text' } });
const enumOf = (name: string, values: readonly string[], required = true): ColumnSpec => ({
  name,
  required,
  rule: { type: 'enum', values },
});
const occurredAt: ColumnSpec = { name: 'occurred_at', required: true, rule: { type: 'timestamp' }, notInFuture: true };
const nhsNumber: ColumnSpec = { name: 'nhs_number', required: true, rule: { type: 'nhs_number' } };
const eventId = text('event_id');

export const CAMPAIGN_CHANNELS = ['letter', 'sms', 'email', 'poster', 'clinic', 'social', 'other'] as const;
export const COST_CATEGORIES = ['licence', 'implementation', 'staff', 'marketing', 'other'] as const;
export const SEXES = ['F', 'M', 'X', 'U'] as const;
export const ENROLMENT_CHANNELS = ['letter', 'sms', 'email', 'clinic', 'web', 'app', 'other'] as const;
export const PLATFORMS = ['web', 'ios', 'android', 'other'] as const;
export const RECORD_TYPES = ['letter', 'result', 'appointment', 'medication', 'care_plan', 'document', 'other'] as const;
export const ENROLMENT_EVENT_TYPES = ['invited', 'registered', 'activated', 'deactivated'] as const;
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
export const CONSENT_EVENT_TYPES = [
  'objection_registered',
  'objection_withdrawn',
  'sharing_granted',
  'sharing_revoked',
] as const;

export const FILE_SPECS: Record<FileKind, FileSpec> = {
  organisations: {
    kind: 'organisations',
    key: ['org_code'],
    columns: [
      { name: 'org_code', required: true, rule: { type: 'org_code_format' } },
      text('name'),
      enumOf('org_type', ORG_TYPES),
      // Existence and the hierarchy (practice → CCG → ICB; trust/community → ICB) are checked
      // separately, because a parent may arrive in the same file.
      { name: 'parent_code', required: false, rule: { type: 'org_code_format' } },
      { name: 'eligible_population', required: false, rule: { type: 'int', min: 0 } },
      { name: 'go_live_date', required: false, rule: { type: 'date' } },
      { name: 'target_uptake_pct', required: false, rule: { type: 'number', min: 0, max: 100 } },
    ],
  },
  campaigns: {
    kind: 'campaigns',
    key: ['campaign_code'],
    columns: [
      text('campaign_code'),
      text('name'),
      { name: 'org_code', required: true, rule: { type: 'text' }, org: {} },
      enumOf('channel', CAMPAIGN_CHANNELS),
      { name: 'start_date', required: true, rule: { type: 'date' } },
      { name: 'end_date', required: true, rule: { type: 'date' } },
      { name: 'cost_gbp', required: true, rule: { type: 'number', min: 0 } },
    ],
  },
  programme_costs: {
    kind: 'programme_costs',
    key: ['org_code', 'period_start', 'category'],
    columns: [
      { name: 'org_code', required: true, rule: { type: 'text' }, org: {} },
      { name: 'period_start', required: true, rule: { type: 'date' } },
      { name: 'period_end', required: true, rule: { type: 'date' } },
      enumOf('category', COST_CATEGORIES),
      { name: 'amount_gbp', required: true, rule: { type: 'number', min: 0 } },
    ],
  },
  patients: {
    kind: 'patients',
    key: ['nhs_number'],
    columns: [
      nhsNumber,
      { name: 'practice_code', required: true, rule: { type: 'text' }, org: { orgTypes: ['practice'] } },
      { name: 'birth_year', required: true, rule: { type: 'int', min: 1880, max: 2100 } },
      enumOf('sex', SEXES),
      { name: 'imd_decile', required: false, rule: { type: 'int', min: 1, max: 10 } },
    ],
  },
  enrolment_events: {
    kind: 'enrolment_events',
    key: ['event_id'],
    columns: [
      eventId,
      occurredAt,
      nhsNumber,
      { name: 'practice_code', required: true, rule: { type: 'text' }, org: { orgTypes: ['practice'] } },
      { name: 'org_code', required: true, rule: { type: 'text' }, org: { orgTypes: ['practice', 'trust', 'community'] } },
      enumOf('event_type', ENROLMENT_EVENT_TYPES),
      enumOf('channel', ENROLMENT_CHANNELS, false),
      { name: 'campaign_code', required: false, rule: { type: 'text' }, campaign: true },
    ],
  },
  usage_events: {
    kind: 'usage_events',
    key: ['event_id'],
    columns: [
      eventId,
      occurredAt,
      nhsNumber,
      { name: 'org_code', required: false, rule: { type: 'text' }, org: {} },
      enumOf('event_type', USAGE_EVENT_TYPES),
      enumOf('platform', PLATFORMS, false),
    ],
  },
  record_feeds: {
    kind: 'record_feeds',
    key: ['event_id'],
    columns: [
      eventId,
      occurredAt,
      nhsNumber,
      { name: 'source_org_code', required: true, rule: { type: 'text' }, org: {} },
      enumOf('record_type', RECORD_TYPES),
      { name: 'item_count', required: true, rule: { type: 'int', min: 1 } },
    ],
  },
  consent_events: {
    kind: 'consent_events',
    key: ['event_id'],
    columns: [
      eventId,
      occurredAt,
      nhsNumber,
      { name: 'org_code', required: true, rule: { type: 'text' }, org: { allowStar: true } },
      enumOf('event_type', CONSENT_EVENT_TYPES),
    ],
  },
};

/** The column an event is attributed to for objection scopes (contract rule 5). */
export const SCOPE_COLUMN: Partial<Record<EventKind, string>> = {
  enrolment_events: 'org_code',
  usage_events: 'org_code',
  record_feeds: 'source_org_code',
};

export const FILE_FORMATS = ['csv', 'csv.gz', 'ndjson', 'ndjson.gz', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

const FILE_NAME = new RegExp(
  `^(${[...REFERENCE_KINDS, ...EVENT_KINDS].join('|')})(?:\\.part-(\\d{1,6}))?\\.(csv|csv\\.gz|ndjson|ndjson\\.gz|parquet)$`,
);

export interface BatchFile {
  fileName: string;
  path: string;
  kind: FileKind;
  part: number | null;
  format: FileFormat;
  size: number;
}

/** Parses a batch file name; null means the name is not one the contract allows. */
export function parseFileName(fileName: string): Pick<BatchFile, 'kind' | 'part' | 'format'> | null {
  const match = FILE_NAME.exec(fileName);
  if (!match) return null;
  return {
    kind: match[1] as FileKind,
    part: match[2] === undefined ? null : Number(match[2]),
    format: match[3] as FileFormat,
  };
}

export function isEventKind(kind: FileKind): kind is EventKind {
  return (EVENT_KINDS as readonly string[]).includes(kind);
}
