/**
 * The export contract (version 1) as the generator writes it: file kinds, their columns in
 * order, the column types used for Parquet / NDJSON, and the enum values.
 * Source of truth: /work/shared/contract/EXPORT_FORMAT.md.
 */

export type ColumnType = 'text' | 'int' | 'number' | 'date' | 'timestamp';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

const col = (name: string, type: ColumnType = 'text'): ColumnSpec => ({ name, type });

export const FILE_COLUMNS = {
  organisations: [
    col('org_code'),
    col('name'),
    col('org_type'),
    col('parent_code'),
    col('eligible_population', 'int'),
    col('go_live_date', 'date'),
    col('target_uptake_pct', 'number'),
  ],
  campaigns: [
    col('campaign_code'),
    col('name'),
    col('org_code'),
    col('channel'),
    col('start_date', 'date'),
    col('end_date', 'date'),
    col('cost_gbp', 'number'),
  ],
  programme_costs: [
    col('org_code'),
    col('period_start', 'date'),
    col('period_end', 'date'),
    col('category'),
    col('amount_gbp', 'number'),
  ],
  patients: [
    col('nhs_number'),
    col('practice_code'),
    col('birth_year', 'int'),
    col('sex'),
    col('imd_decile', 'int'),
  ],
  enrolment_events: [
    col('event_id'),
    col('occurred_at', 'timestamp'),
    col('nhs_number'),
    col('practice_code'),
    col('org_code'),
    col('event_type'),
    col('channel'),
    col('campaign_code'),
  ],
  usage_events: [
    col('event_id'),
    col('occurred_at', 'timestamp'),
    col('nhs_number'),
    col('org_code'),
    col('event_type'),
    col('platform'),
  ],
  record_feeds: [
    col('event_id'),
    col('occurred_at', 'timestamp'),
    col('nhs_number'),
    col('source_org_code'),
    col('record_type'),
    col('item_count', 'int'),
  ],
  consent_events: [
    col('event_id'),
    col('occurred_at', 'timestamp'),
    col('nhs_number'),
    col('org_code'),
    col('event_type'),
  ],
} as const satisfies Record<string, readonly ColumnSpec[]>;

export type FileKind = keyof typeof FILE_COLUMNS;
export const REFERENCE_KINDS = ['organisations', 'campaigns', 'programme_costs', 'patients'] as const;
export const EVENT_KINDS = ['enrolment_events', 'usage_events', 'record_feeds', 'consent_events'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

// Enumerations come from the importer's encoding of the contract, so the two cannot drift apart.
export {
  ORG_TYPES,
  CAMPAIGN_CHANNELS,
  COST_CATEGORIES,
  SEXES,
  ENROLMENT_EVENT_TYPES as ENROLMENT_TYPES,
  ENROLMENT_CHANNELS,
  USAGE_EVENT_TYPES as USAGE_TYPES,
  PLATFORMS,
  RECORD_TYPES,
  CONSENT_EVENT_TYPES as CONSENT_TYPES,
} from '../ingest/contract.js';
import type { ORG_TYPES, CAMPAIGN_CHANNELS, ENROLMENT_CHANNELS, USAGE_EVENT_TYPES, RECORD_TYPES } from '../ingest/contract.js';
export type OrgType = (typeof ORG_TYPES)[number];
export type CampaignChannel = (typeof CAMPAIGN_CHANNELS)[number];
export type EnrolmentChannel = (typeof ENROLMENT_CHANNELS)[number];
export type UsageType = (typeof USAGE_EVENT_TYPES)[number];
export type RecordType = (typeof RECORD_TYPES)[number];

/**
 * The ways a row can be bad, named like the store's quarantine.reason_code so the manifest
 * can be compared with what the importer quarantined.
 */
export const BAD_KINDS = [
  'bad_nhs_number',
  'unknown_value',
  'unknown_org',
  'unknown_campaign',
  'bad_value',
  'future_timestamp',
  'missing_field',
  'conflict',
] as const;
export type BadKind = (typeof BAD_KINDS)[number];

export function columnNames(kind: FileKind): string[] {
  return FILE_COLUMNS[kind].map((c) => c.name);
}
