/**
 * One event row (usage, record feed, enrolment), held as the numbers and codes it is made of
 * rather than as strings. The generator produces ~28M of these at full scale: written straight
 * into the output buffer (encodeCsv) they cost no string building and no garbage; the rare row
 * that is spoiled, re-sent or written as NDJSON is turned into strings (values) first.
 *
 * Columns: event_id (`<prefix>-<n1>-<n2>…`), occurred_at, nhs_number, then a few codes.
 * One instance is reused for every row (a visitor must copy what it keeps: `values()`).
 */
import { putNhs, putText, putUint } from './ascii.js';
import type { Calendar } from './calendar.js';
import { spaced } from './nhs-number.js';

/** Upper bound of an encoded row in bytes (id ~30, timestamp 25, NHS 12, codes and enums). */
export const MAX_EVENT_ROW_BYTES = 256;

export interface CsvEncodable {
  /** Writes the row's fields (comma-separated, no newline) at `pos`; returns the end position. */
  encodeCsv(buf: Uint8Array, pos: number): number;
  /** The row's fields as strings, in file column order. */
  values(): string[];
}

export class EventRow implements CsvEncodable {
  /** The numbers of the event_id after its prefix (the first `idCount` are used). */
  readonly ids = [0, 0, 0];
  /** occurred_at: sim seconds, written with the UK offset (local) or in UTC. */
  sec = 0;
  local = false;
  /** nhs_number (10 digits), possibly in the spaced spelling. */
  nhs = 0;
  nhsSpaced = false;
  /** The columns after nhs_number: ASCII codes, enum values or small numbers as text. */
  readonly codes: string[];

  constructor(
    private readonly idPrefix: string,
    private readonly idCount: number,
    codeCount: number,
    private readonly calendar: Calendar,
  ) {
    this.codes = new Array<string>(codeCount).fill('');
  }

  encodeCsv(buf: Uint8Array, pos: number): number {
    let at = putText(buf, pos, this.idPrefix);
    for (let i = 0; i < this.idCount; i++) {
      buf[at++] = 45; // -
      at = putUint(buf, at, this.ids[i] as number);
    }
    buf[at++] = 44; // ,
    at = this.calendar.putStyled(buf, at, this.sec, this.local);
    buf[at++] = 44;
    at = putNhs(buf, at, this.nhs, this.nhsSpaced);
    const codes = this.codes;
    for (let i = 0; i < codes.length; i++) {
      buf[at++] = 44;
      at = putText(buf, at, codes[i] as string);
    }
    return at;
  }

  values(): string[] {
    const nhs = String(this.nhs);
    return [
      [this.idPrefix, ...this.ids.slice(0, this.idCount)].join('-'),
      this.calendar.formatStyled(this.sec, this.local),
      this.nhsSpaced ? spaced(nhs) : nhs,
      ...this.codes,
    ];
  }
}

const SMALL_INTS = Array.from({ length: 100 }, (_, i) => String(i));

/** String(n) without allocating for the small counts in event rows. */
export function intText(n: number): string {
  return (n >= 0 && n < 100 ? SMALL_INTS[n] : undefined) ?? String(n);
}
