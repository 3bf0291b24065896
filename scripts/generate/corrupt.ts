/**
 * Planted bad rows: about 0.1% of event rows are spoiled in exactly one way the importer must
 * quarantine. Whether a row is spoiled is a hash of its identity (not a draw from the row's
 * random stream), so regenerating a row for a later re-send knows it was spoiled and skips it.
 */
import { DAY, type Calendar, type Period } from './calendar.js';
import { EVENT_KINDS, EXPORT_FILES, type EventKind } from '../../server/contract/export-format.js';
import { invalidVariant } from './nhs-number.js';
import type { OutputFormat } from './options.js';
import { hash4, mix32, Rng, unitFromHash } from './rng.js';

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

/** Share of event rows spoiled at write time (conflicting re-sends add a little on top). */
const BAD_ROW_RATE = 0.0009;

const FILE_NUMBER: Record<EventKind, number> = {
  enrolment_events: 1,
  usage_events: 2,
  record_feeds: 3,
  consent_events: 4,
};

/** The row's spoil hash when it is to be spoiled, else undefined. */
export function spoilHash(seed: number, kind: EventKind, a: number, b: number, c: number): number | undefined {
  const h = hash4(mix32(seed ^ Math.imul(FILE_NUMBER[kind], 0x9e3779b9)), a, b, c);
  return unitFromHash(h) < BAD_ROW_RATE ? h : undefined;
}

interface FileShape {
  enumColumns: number[];
  orgColumns: number[];
  requiredColumns: number[];
  campaignColumn?: number;
  itemCountColumn?: number;
  unknownEnum: string[];
}

/** A value the contract does not allow, for each enum column of each event file. */
const UNKNOWN_VALUES: Record<EventKind, Record<string, string>> = {
  enrolment_events: { event_type: 'reminded', channel: 'fax' },
  usage_events: { event_type: 'page_viewed', platform: 'blackberry' },
  record_feeds: { record_type: 'xray_image' },
  consent_events: { event_type: 'objection_pending' },
};

/**
 * Where each way of spoiling applies, as positions in the contract's column order (event_id,
 * occurred_at and nhs_number come first in every event file, which spoilRow relies on).
 */
function fileShape(kind: EventKind): FileShape {
  const columns = EXPORT_FILES[kind].columns;
  const positions = (keep: (c: (typeof columns)[number]) => boolean) => columns.flatMap((c, i) => (keep(c) ? [i] : []));
  const enumColumns = positions((c) => c.value.type === 'enum');
  const unknownEnum = enumColumns.map((i) => {
    const name = columns[i]!.name;
    const value = UNKNOWN_VALUES[kind][name];
    if (value === undefined) throw new Error(`no unknown value to plant in ${kind}.${name}`);
    return value;
  });
  const campaignColumn = columns.findIndex((c) => c.campaign);
  const itemCountColumn = columns.findIndex((c) => c.name === 'item_count');
  return {
    enumColumns,
    orgColumns: positions((c) => c.org !== undefined),
    // Not the event_id: it is how the manifest names the spoiled row.
    requiredColumns: positions((c) => c.required && c.name !== 'event_id'),
    ...(campaignColumn >= 0 ? { campaignColumn } : {}),
    ...(itemCountColumn >= 0 ? { itemCountColumn } : {}),
    unknownEnum,
  };
}

const SHAPES = Object.fromEntries(EVENT_KINDS.map((kind) => [kind, fileShape(kind)])) as Record<EventKind, FileShape>;

export interface Spoiled {
  kind: BadKind;
  column: number;
}

const spoilRng = new Rng(0);

/**
 * Spoils `values` in place in one way. Parquet files have typed timestamp columns, so an
 * unparseable timestamp cannot be written there; that way is skipped for Parquet.
 */
export function spoilRow(
  kind: EventKind,
  values: string[],
  h: number,
  period: Period,
  calendar: Calendar,
  format: OutputFormat,
): Spoiled {
  const shape = SHAPES[kind];
  const rng = spoilRng.reseed(h);
  const ways: BadKind[] = ['bad_nhs_number', 'unknown_value', 'unknown_org', 'future_timestamp', 'missing_field'];
  if (shape.campaignColumn !== undefined) ways.push('unknown_campaign');
  if (format !== 'parquet' || shape.itemCountColumn !== undefined) ways.push('bad_value');
  const way = ways[rng.int(ways.length)] as BadKind;
  switch (way) {
    case 'bad_nhs_number': {
      const digits = (values[2] as string).replace(/ /g, '');
      values[2] = rng.chance(0.7) ? invalidVariant(digits) : digits.slice(0, 9);
      return { kind: way, column: 2 };
    }
    case 'unknown_value': {
      const which = rng.int(shape.enumColumns.length);
      const column = shape.enumColumns[which] as number;
      values[column] = shape.unknownEnum[which] as string;
      return { kind: way, column };
    }
    case 'unknown_org': {
      const column = shape.orgColumns[rng.int(shape.orgColumns.length)] as number;
      values[column] = `ZZ${100 + rng.int(900)}`;
      return { kind: way, column };
    }
    case 'unknown_campaign': {
      const column = shape.campaignColumn as number;
      values[column] = `C2099-ZZZ${10 + rng.int(90)}`;
      return { kind: way, column };
    }
    case 'future_timestamp': {
      const sec = period.deliverySec + (1 + rng.int(20)) * DAY + rng.int(DAY);
      values[1] = calendar.formatUtc(sec);
      return { kind: way, column: 1 };
    }
    case 'missing_field': {
      const column = shape.requiredColumns[rng.int(shape.requiredColumns.length)] as number;
      values[column] = '';
      return { kind: way, column };
    }
    case 'bad_value': {
      if (shape.itemCountColumn !== undefined && (format === 'parquet' || rng.chance(0.5))) {
        values[shape.itemCountColumn] = rng.chance(0.5) ? '0' : '-1';
        return { kind: way, column: shape.itemCountColumn };
      }
      values[1] = unparseableTimestamp(values[1] as string, rng);
      return { kind: way, column: 1 };
    }
    default:
      throw new Error(`unhandled bad-row kind ${way as string}`);
  }
}

/** A timestamp no ISO 8601 reader accepts: month 13, hour 25, or a UK-style date. */
function unparseableTimestamp(iso: string, rng: Rng): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(iso);
  if (!m) return 'not a timestamp';
  const [, y, mo, d, hh, mi] = m;
  const r = rng.int(3);
  if (r === 0) return `${y}-13-${d}T${hh}:${mi}:00Z`;
  if (r === 1) return `${y}-${mo}-${d}T25:${mi}:00Z`;
  return `${d}/13/${y} ${hh}:${mi}`;
}
