/**
 * The importer's rules for the files of the export contract. The files, columns, types, enum values
 * and references are the contract's own (server/contract/export-format.ts); this adds only what
 * the importer decides beyond the contract's words: the load order, plausibility limits, and which
 * columns are held to the import clock. The validation SQL (validation-sql.ts) is generated from
 * these rules, so a change to the contract is a change to export-format.ts and nowhere else.
 */
import {
  EXPORT_FILES,
  FILE_KINDS,
  type ExportColumn,
  type FileKind,
  type ValueType,
} from '../contract/export-format.js';

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
if (LOAD_ORDER.length !== FILE_KINDS.length || FILE_KINDS.some((k) => !LOAD_ORDER.includes(k))) {
  throw new Error(`LOAD_ORDER must list every file of the contract once: ${FILE_KINDS.join(', ')}`);
}

/** How a raw text value is checked (and later cast): the contract's type, or a stricter one. */
type ValueRule = ValueType;

export interface ColumnSpec extends Omit<ExportColumn, 'value'> {
  rule: ValueRule;
  /** Checked against the import clock: events cannot be reported before they happen. */
  notInFuture?: true;
}

export interface FileSpec {
  kind: FileKind;
  columns: readonly ColumnSpec[];
  /** Columns that identify a row: event_id for events, the contract's key for reference data. */
  key: readonly string[];
}

/** Where the importer checks more than the contract's type says. */
const STRICTER_RULES: Partial<Record<FileKind, Record<string, ValueRule>>> = {
  organisations: {
    // The contract calls it text; it is an organisation's code, so it must look like one.
    parent_code: { type: 'org_code' },
  },
  patients: {
    // The contract says only "int": a year outside these is a typo, not a patient.
    birth_year: { type: 'int', min: 1880, max: 2100 },
  },
};

function columnSpec(kind: FileKind, column: ExportColumn): ColumnSpec {
  const { value, ...rest } = column;
  return {
    ...rest,
    rule: STRICTER_RULES[kind]?.[column.name] ?? value,
    // Rule 4 of the contract quarantines a future timestamp; every timestamp is an event's time.
    ...(value.type === 'timestamp' ? { notInFuture: true as const } : {}),
  };
}

function fileSpec(kind: FileKind): FileSpec {
  const file = EXPORT_FILES[kind];
  return { kind, key: file.key, columns: file.columns.map((c) => columnSpec(kind, c)) };
}

const specs = {} as Record<FileKind, FileSpec>;
for (const kind of FILE_KINDS) specs[kind] = fileSpec(kind);
export const FILE_SPECS: Readonly<Record<FileKind, FileSpec>> = specs;
