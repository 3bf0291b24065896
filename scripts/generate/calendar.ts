/**
 * Time for the simulation. Sim time is whole seconds since the start of the history (00:00Z of
 * the first day), which keeps event times exact integers and cheap to store in Int32Arrays.
 * UK local time (GMT/BST) drives the daily rhythm; timestamps are written either in UTC (`Z`)
 * or with the local offset (`+01:00` in summer, sometimes `+00:00` in winter), as the contract allows.
 */

export const DAY = 86_400;
const HOUR = 3_600;

export type BatchPeriod = 'day' | 'week' | 'month';

export interface Period {
  index: number;
  /** Sim seconds, inclusive. */
  startSec: number;
  /** Sim seconds, exclusive. */
  endSec: number;
  /** Batch id: the delivery time (02:00Z after the period ends), e.g. `2025-03-02T02-00Z`. */
  batchId: string;
  /** Delivery time in sim seconds; an event after it is a "future" event for this batch. */
  deliverySec: number;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

export function isoDate(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString().slice(0, 10);
}

export function parseIsoDate(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (isoDate(ms / 1000) !== date) throw new Error(`not a real calendar date: ${date}`);
  return ms / 1000;
}

/** Last Sunday of a month at 01:00 UTC (when the UK clocks change). */
function lastSundayAt0100(year: number, month0: number): number {
  const lastDay = new Date(Date.UTC(year, month0 + 1, 0));
  const back = lastDay.getUTCDay();
  return Date.UTC(year, month0, lastDay.getUTCDate() - back, 1) / 1000;
}

const bstCache = new Map<number, readonly [number, number]>();
function isBst(epochSec: number): boolean {
  const year = new Date(epochSec * 1000).getUTCFullYear();
  let span = bstCache.get(year);
  if (!span) {
    span = [lastSundayAt0100(year, 2), lastSundayAt0100(year, 9)];
    bstCache.set(year, span);
  }
  return epochSec >= span[0] && epochSec < span[1];
}

let hmsTable: string[] | undefined;
function hms(secOfDay: number): string {
  if (!hmsTable) {
    hmsTable = new Array<string>(DAY);
    for (let s = 0; s < DAY; s++) {
      hmsTable[s] = `${pad2(Math.floor(s / HOUR))}:${pad2(Math.floor((s % HOUR) / 60))}:${pad2(s % 60)}`;
    }
  }
  return hmsTable[secOfDay] as string;
}

/** Relative weight of activity on a calendar day: seasonal dips (August, Christmas). */
function seasonFactor(month0: number, dayOfMonth: number): number {
  if ((month0 === 11 && dayOfMonth >= 23) || (month0 === 0 && dayOfMonth <= 1)) return 0.55;
  const byMonth = [1.06, 1.05, 1.0, 0.97, 0.98, 0.95, 0.9, 0.74, 1.0, 1.03, 1.04, 0.95];
  return byMonth[month0] ?? 1;
}

/** Relative weight by weekday (0 = Sunday): busy Mondays, quiet weekends. */
const WEEKDAY_FACTOR = [0.66, 1.2, 1.1, 1.06, 1.04, 0.94, 0.6] as const;

/**
 * Local-hour profile of portal use: a morning peak (08–10), lunchtime, and an evening peak
 * (18–21); very little at night.
 */
export const USAGE_HOUR_WEIGHTS = [
  0.6, 0.3, 0.15, 0.1, 0.1, 0.25, 1.0, 2.6, 4.5, 5.2, 4.6, 4.0, 4.3, 4.1, 3.7, 3.6, 3.8, 4.3, 5.0,
  5.4, 5.2, 4.2, 2.8, 1.5,
] as const;

/** Invitations go out in office hours. */
export const OFFICE_HOUR_WEIGHTS = [
  0, 0, 0, 0, 0, 0, 0, 0.3, 2, 3, 3, 3, 2, 2.5, 3, 3, 2.5, 1.2, 0.2, 0, 0, 0, 0, 0,
] as const;

/** Record feeds arrive mostly in overnight interface runs, the rest during the working day. */
export const FEED_HOUR_WEIGHTS = [
  1, 4, 6, 6, 4, 2, 0.5, 0.3, 0.6, 0.8, 0.8, 0.8, 0.7, 0.8, 0.8, 0.8, 0.8, 0.6, 0.3, 0.2, 0.2, 0.2,
  0.3, 0.5,
] as const;

/**
 * The calendar of one history: day-level facts precomputed for every sim day (plus margins for
 * timestamps planted in the future) so the hot loops only do table look-ups.
 */
export class Calendar {
  readonly startEpoch: number;
  readonly days: number;
  readonly endSec: number;
  /** Day index offset: table[i] describes sim day i - MARGIN_BEFORE. */
  private static readonly MARGIN_BEFORE = 2;
  private readonly dateStrings: string[] = [];
  /** dateStrings as ASCII, 10 bytes per table slot. */
  private readonly dateBytes: Uint8Array;
  private readonly dayWeight: Float64Array;
  private readonly weekdayOf: Uint8Array;
  private readonly bstOf: Uint8Array;
  /** Per day: summer time at 00:00Z (bit 0) and the second of the day the clocks change, or -1. */
  private readonly bstAtMidnight: Uint8Array;
  private readonly changeAt: Int32Array;
  private readonly tableDays: number;

  constructor(endDate: string, days: number) {
    const endEpoch = parseIsoDate(endDate);
    this.days = days;
    this.startEpoch = endEpoch - days * DAY;
    this.endSec = days * DAY;
    this.tableDays = days + Calendar.MARGIN_BEFORE + 70;
    this.dayWeight = new Float64Array(this.tableDays);
    this.weekdayOf = new Uint8Array(this.tableDays);
    this.bstOf = new Uint8Array(this.tableDays);
    this.bstAtMidnight = new Uint8Array(this.tableDays);
    this.changeAt = new Int32Array(this.tableDays).fill(-1);
    this.dateBytes = new Uint8Array(this.tableDays * 10);
    for (let i = 0; i < this.tableDays; i++) {
      const epoch = this.startEpoch + (i - Calendar.MARGIN_BEFORE) * DAY;
      const d = new Date(epoch * 1000);
      const date = d.toISOString().slice(0, 10);
      this.dateStrings.push(date);
      for (let c = 0; c < 10; c++) this.dateBytes[i * 10 + c] = date.charCodeAt(c);
      this.weekdayOf[i] = d.getUTCDay();
      // Noon local decides whether the day is in summer time; the clock change happens at 01:00Z.
      this.bstOf[i] = isBst(epoch + 12 * HOUR) ? 1 : 0;
      this.bstAtMidnight[i] = isBst(epoch) ? 1 : 0;
      if (isBst(epoch) !== isBst(epoch + DAY - 1)) this.changeAt[i] = HOUR; // clocks change at 01:00Z
      this.dayWeight[i] =
        seasonFactor(d.getUTCMonth(), d.getUTCDate()) * (WEEKDAY_FACTOR[d.getUTCDay()] ?? 1);
    }
  }

  private slot(day: number): number {
    const i = day + Calendar.MARGIN_BEFORE;
    if (i < 0 || i >= this.tableDays) throw new Error(`day ${day} outside the calendar`);
    return i;
  }

  dateOf(day: number): string {
    return this.dateStrings[this.slot(day)] as string;
  }

  weekday(day: number): number {
    return this.weekdayOf[this.slot(day)] as number;
  }

  /** Season × weekday activity weight of a sim day. */
  activityWeight(day: number): number {
    return this.dayWeight[this.slot(day)] as number;
  }

  /** UTC offset (seconds) of UK local time on a sim day. */
  localOffset(day: number): number {
    return this.bstOf[this.slot(day)] ? HOUR : 0;
  }

  /** Sim seconds of a local wall-clock time on a sim day. */
  fromLocal(day: number, localSecOfDay: number): number {
    return day * DAY + localSecOfDay - this.localOffset(day);
  }

  /** Whether UK summer time is in force at a sim second (exact, including the change days). */
  inSummerTime(sec: number): boolean {
    const day = Math.floor(sec / DAY);
    const i = this.slot(day);
    const atMidnight = this.bstAtMidnight[i] === 1;
    const change = this.changeAt[i] as number;
    return change >= 0 && sec - day * DAY >= change ? !atMidnight : atMidnight;
  }

  epochOf(sec: number): number {
    return this.startEpoch + sec;
  }

  /** ISO timestamp in UTC: `2026-03-01T09:15:00Z`. */
  formatUtc(sec: number): string {
    const day = Math.floor(sec / DAY);
    return `${this.dateOf(day)}T${hms(sec - day * DAY)}Z`;
  }

  /**
   * ISO timestamp with the UK local offset: `+01:00` in summer time, `+00:00` otherwise.
   * The offset follows the instant itself (isBst), so the written time is always exact.
   */
  formatLocal(sec: number): string {
    const summer = this.inSummerTime(sec);
    const local = sec + (summer ? HOUR : 0);
    const day = Math.floor(local / DAY);
    return `${this.dateOf(day)}T${hms(local - day * DAY)}${summer ? '+01:00' : '+00:00'}`;
  }

  /** Summer timestamps are written with `+01:00` half of the time; winter ones mostly with `Z`. */
  formatMixed(sec: number, u: number): string {
    return this.formatStyled(sec, this.mixedIsLocal(sec, u));
  }

  /** formatMixed's choice: whether the timestamp is written with the local offset (else in UTC). */
  mixedIsLocal(sec: number, u: number): boolean {
    return u < (this.inSummerTime(sec) ? 0.5 : 0.12);
  }

  formatStyled(sec: number, local: boolean): string {
    return local ? this.formatLocal(sec) : this.formatUtc(sec);
  }

  /**
   * Writes formatStyled(sec, local) as ASCII bytes at `pos` and returns the position after it
   * (the hot loops write rows straight into output buffers instead of building strings).
   */
  putStyled(buf: Uint8Array, pos: number, sec: number, local: boolean): number {
    const summer = local && this.inSummerTime(sec);
    const at = summer ? sec + HOUR : sec;
    const day = Math.floor(at / DAY);
    const from = this.slot(day) * 10;
    const dates = this.dateBytes;
    // A plain loop: copying 10 bytes through subarray()/set() costs an object per call.
    for (let c = 0; c < 10; c++) buf[pos + c] = dates[from + c] as number;
    pos += 10;
    // Seconds of the day are small integers: `| 0` keeps the arithmetic in int32.
    let s = (at - day * DAY) | 0;
    const h = (s / HOUR) | 0;
    s -= h * HOUR;
    const m = (s / 60) | 0;
    s -= m * 60;
    const h1 = (h / 10) | 0;
    const m1 = (m / 10) | 0;
    const s1 = (s / 10) | 0;
    buf[pos] = 84; // T
    buf[pos + 1] = 48 + h1;
    buf[pos + 2] = 48 + h - h1 * 10;
    buf[pos + 3] = 58; // :
    buf[pos + 4] = 48 + m1;
    buf[pos + 5] = 48 + m - m1 * 10;
    buf[pos + 6] = 58;
    buf[pos + 7] = 48 + s1;
    buf[pos + 8] = 48 + s - s1 * 10;
    pos += 9;
    if (!local) {
      buf[pos] = 90; // Z
      return pos + 1;
    }
    buf[pos] = 43; // +
    buf[pos + 1] = 48;
    buf[pos + 2] = summer ? 49 : 48;
    buf[pos + 3] = 58;
    buf[pos + 4] = 48;
    buf[pos + 5] = 48;
    return pos + 6;
  }

  /** Batch periods covering the history, oldest first. Week periods end on the end date. */
  periods(kind: BatchPeriod): Period[] {
    const bounds: number[] = [];
    if (kind === 'day') {
      for (let d = 0; d <= this.days; d++) bounds.push(d * DAY);
    } else if (kind === 'week') {
      for (let d = this.days; d > 0; d -= 7) bounds.push(d * DAY);
      bounds.push(0);
      bounds.reverse();
    } else {
      bounds.push(0);
      const start = new Date(this.startEpoch * 1000);
      let y = start.getUTCFullYear();
      let m = start.getUTCMonth() + 1;
      for (;;) {
        const sec = Date.UTC(y, m, 1) / 1000 - this.startEpoch;
        if (sec >= this.endSec) break;
        bounds.push(sec);
        m++;
        if (m === 12) {
          m = 0;
          y++;
        }
      }
      bounds.push(this.endSec);
    }
    const periods: Period[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const startSec = bounds[i] as number;
      const endSec = bounds[i + 1] as number;
      if (endSec <= startSec) continue;
      const deliverySec = endSec + 2 * HOUR;
      periods.push({
        index: periods.length,
        startSec,
        endSec,
        deliverySec,
        batchId: `${isoDate(this.startEpoch + endSec)}T02-00Z`,
      });
    }
    return periods;
  }
}
