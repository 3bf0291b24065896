/**
 * Portal use and record feeds of one activated patient within one batch period, as a pure
 * function of (seed, patient, period). That purity is what lets a later batch re-send exactly
 * the same rows (duplicates) or deliberately altered ones (conflicts).
 *
 * Usage intensity after activation: an exploration burst that decays (τ = 3 weeks) to a settled
 * level (dormant, occasional or regular), plus for some users a later return that decays again.
 * Days are weighted by season × weekday and times by a local-hour profile.
 */
import { activePracticeAt, type ActiveColumns } from './active.js';
import { DAY, FEED_HOUR_WEIGHTS, USAGE_HOUR_WEIGHTS, type Period } from './calendar.js';
import { NHS_SPACED_SHARE, practiceCode, type Context } from './context.js';
import { USAGE_EVENT_TYPES, type RecordType, type UsageEventType } from '../../server/contract/export-format.js';
import { EventRow, intText } from './event-row.js';
import { PLATFORM_CODES } from './population.js';
import { Categorical, cumulative, Rng, Stream } from './rng.js';
import { samplingOrder } from './sampling-order.js';

/** Calibrates total volume: ~20M usage events for the full region over three years. */
const USAGE_VOLUME = 0.51;
const FEED_VOLUME = 0.3;

const INIT_TAU = 21 * DAY;

const RETURN_TAU = 25 * DAY;

/** The order the usage mix's weights are given in (the contract's order when this was written). */
const USAGE_MIX_ORDER = samplingOrder('usage event types', USAGE_EVENT_TYPES, [
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
]);

const usageMix = (w: readonly number[]) => new Categorical<UsageEventType>(USAGE_MIX_ORDER.map((t, i) => [t, w[i] ?? 0] as const));

/** Event mix by age group: older users order more repeat prescriptions, younger ones book more. */
const USAGE_MIX = [
  usageMix([0.3, 0.12, 0.06, 0.1, 0.1, 0.11, 0.03, 0.03, 0.12, 0.03]),
  usageMix([0.28, 0.14, 0.08, 0.12, 0.08, 0.09, 0.02, 0.03, 0.14, 0.02]),
  usageMix([0.26, 0.14, 0.09, 0.12, 0.05, 0.08, 0.02, 0.02, 0.21, 0.01]),
];

const TRUST_RECORDS = new Categorical<RecordType>([
  ['letter', 0.35],
  ['result', 0.35],
  ['appointment', 0.2],
  ['document', 0.05],
  ['other', 0.05],
]);
const COMMUNITY_RECORDS = new Categorical<RecordType>([
  ['care_plan', 0.3],
  ['appointment', 0.4],
  ['letter', 0.2],
  ['document', 0.1],
]);
const PRACTICE_RECORDS = new Categorical<RecordType>([
  ['medication', 0.7],
  ['result', 0.15],
  ['document', 0.1],
  ['other', 0.05],
]);

/**
 * Receives each generated row. The row object is reused for the next row: keep `row.values()`,
 * not the row.
 */
export type RowVisitor = (row: EventRow, k: number) => void;

/**
 * Patients are addressed by activation rank (see active.ts): `rank` n is patient
 * `schedule.activeOrder[n]`; rows and random streams are keyed by the patient index as before.
 */
export class ActivityGenerator {
  private readonly rng = new Rng(0);
  private readonly usageHours = cumulative([...USAGE_HOUR_WEIGHTS]);
  private readonly feedHours = cumulative([...FEED_HOUR_WEIGHTS]);
  private readonly active: ActiveColumns;
  private readonly usageRow: EventRow;
  private readonly feedRow: EventRow;

  // State of the feeds() call in progress (kept on the instance: no closures in the hot path).
  private feedTo = 0;
  private feedVisit: RowVisitor = () => undefined;

  constructor(private readonly ctx: Context) {
    this.active = ctx.schedule.active;
    // use-<period>-<patient>-<k>: org_code, event_type, platform
    this.usageRow = new EventRow('use', 3, 3, ctx.calendar);
    // feed-<period>-<patient>-<k>: source_org_code, record_type, item_count
    this.feedRow = new EventRow('feed', 3, 3, ctx.calendar);
  }

  private emitFeed(source: string, lo: number, types: Categorical<RecordType>, k: number): void {
    const rng = this.rng;
    const t = this.timeIn(lo, this.feedTo, false, this.feedHours);
    if (t < 0) return;
    const recordType = types.draw(rng);
    const items =
      recordType === 'result'
        ? 1 + rng.poisson(1.5)
        : recordType === 'medication'
          ? 1 + rng.poisson(1.2)
          : recordType === 'letter'
            ? 1
            : 1 + rng.poisson(0.3);
    const row = this.feedRow;
    row.ids[2] = k;
    row.sec = t;
    row.local = this.ctx.calendar.mixedIsLocal(t, rng.next());
    row.nhsSpaced = rng.next() < NHS_SPACED_SHARE;
    row.codes[0] = source;
    row.codes[1] = recordType;
    row.codes[2] = intText(items);
    this.feedVisit(row, k);
  }

  // The [from, to) window of the period in which the patient has an active account (set by
  // setWindow; fields rather than a returned tuple to keep the hot loop allocation-free).
  private from = 0;
  private to = 0;

  private setWindow(rank: number, period: Period): boolean {
    const a = this.active;
    const deact = a.deact[rank] as number;
    this.from = Math.max(a.act[rank] as number, period.startSec);
    this.to = Math.min(deact >= 0 ? deact : this.ctx.calendar.endSec, period.endSec);
    return this.to > this.from;
  }

  /** A sim day in [d0, d1] drawn with season × weekday weights. */
  private weightedDay(d0: number, d1: number): number {
    const prefix = this.ctx.dayPrefix;
    const lo0 = prefix[d0] as number;
    const x = lo0 + this.rng.next() * ((prefix[d1 + 1] as number) - lo0);
    let lo = d0;
    let hi = d1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((prefix[mid + 1] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** A time in [from, to) on a weighted day at an hour from the profile, or -1 after a few misses. */
  private timeIn(from: number, to: number, weighted: boolean, hours: Float64Array): number {
    const d0 = Math.floor(from / DAY);
    const d1 = Math.floor((to - 1) / DAY);
    for (let attempt = 0; attempt < 6; attempt++) {
      const day = weighted ? this.weightedDay(d0, d1) : d0 + this.rng.int(d1 - d0 + 1);
      const t = this.ctx.calendar.fromLocal(day, this.rng.pickCumulative(hours) * 3600 + this.rng.int(3600));
      if (t >= from && t < to) return t;
    }
    return -1;
  }

  private orgIsLive(goLiveDay: number, t: number): boolean {
    return goLiveDay * DAY <= t;
  }

  /** The organisation whose content or service a usage event touched. */
  private usageOrg(type: UsageEventType, rank: number, t: number): string {
    const { region } = this.ctx;
    const a = this.active;
    const practice = practiceCode(this.ctx, activePracticeAt(a, rank, t));
    const trust = region.trusts[a.homeTrust[rank] as number];
    const communityIndex = a.community[rank] as number;
    const community = communityIndex >= 0 ? region.community[communityIndex] : undefined;
    const trustCode = trust && this.orgIsLive(trust.goLiveDay, t) ? trust.code : practice;
    const communityCode = community && this.orgIsLive(community.goLiveDay, t) ? community.code : trustCode;
    const r = this.rng.next();
    switch (type) {
      case 'login':
        return '';
      case 'record_viewed':
      case 'prescription_requested':
        return practice;
      case 'letter_viewed':
      case 'result_viewed': {
        if (r < 0.75) return trustCode;
        if (r < 0.9) {
          const other = region.trusts[this.rng.int(region.trusts.length)];
          return other && this.orgIsLive(other.goLiveDay, t) ? other.code : trustCode;
        }
        return communityCode;
      }
      case 'message_sent':
        return r < 0.8 ? practice : trustCode;
      case 'appointment_booked':
      case 'appointment_cancelled':
        return r < 0.65 ? practice : r < 0.9 ? trustCode : communityCode;
      case 'questionnaire_completed':
        return r < 0.6 ? trustCode : r < 0.8 ? communityCode : practice;
      case 'document_uploaded':
        return r < 0.6 ? practice : trustCode;
    }
  }

  /** Expected usage events (before day weighting) in [from, to). */
  private expectedUsage(rank: number, from: number, to: number): number {
    const plan = this.active;
    const act = plan.act[rank] as number;
    let days = ((plan.lamLong[rank] as number) * (to - from)) / DAY;
    // Bursts fade: after 12 time constants (< e^-12) they are skipped, saving two exp() calls.
    if (from - act < 12 * INIT_TAU) {
      const burst = Math.exp(-(from - act) / INIT_TAU) - Math.exp(-(to - act) / INIT_TAU);
      days += ((plan.lamInit[rank] as number) * INIT_TAU * burst) / DAY;
    }
    const ret = plan.returnSec[rank] as number;
    if (ret >= 0 && to > ret && from - ret < 12 * RETURN_TAU) {
      const r0 = Math.max(from, ret);
      const burst = Math.exp(-(r0 - ret) / RETURN_TAU) - Math.exp(-(to - ret) / RETURN_TAU);
      days += ((plan.returnLam[rank] as number) * RETURN_TAU * burst) / DAY;
    }
    return days;
  }

  usage(rank: number, period: Period, visit: RowVisitor): void {
    if (!this.setWindow(rank, period)) return;
    const { from, to } = this;
    const { calendar, dayPrefix, options } = this.ctx;
    const a = this.active;
    const patient = a.patient[rank] as number;
    const rng = this.rng.reseed(options.seed, Stream.usage, patient, period.index);
    const d0 = Math.floor(from / DAY);
    const d1 = Math.floor((to - 1) / DAY);
    const meanWeight = ((dayPrefix[d1 + 1] as number) - (dayPrefix[d0] as number)) / (d1 - d0 + 1);
    const n = rng.poisson(USAGE_VOLUME * meanWeight * this.expectedUsage(rank, from, to));
    if (n === 0) return;
    const mix = USAGE_MIX[a.ageGroup[rank] as number] as Categorical<UsageEventType>;
    const preferred = PLATFORM_CODES[a.platform[rank] as number] as string;
    const row = this.usageRow;
    row.ids[0] = period.index;
    row.ids[1] = patient;
    row.nhs = a.nhs[rank] as number;
    for (let k = 0; k < n; k++) {
      const t = this.timeIn(from, to, true, this.usageHours);
      if (t < 0) continue;
      const type = mix.draw(rng);
      const org = this.usageOrg(type, rank, t);
      const p = rng.next();
      row.ids[2] = k;
      row.sec = t;
      row.codes[0] = org;
      row.codes[1] = type;
      row.codes[2] = p < 0.01 ? '' : p < 0.86 ? preferred : (PLATFORM_CODES[rng.int(4)] as string);
      row.local = calendar.mixedIsLocal(t, rng.next());
      row.nhsSpaced = rng.next() < NHS_SPACED_SHARE;
      visit(row, k);
    }
  }

  /**
   * Records sent by the patient's hospital, community service and practice. Hospital feeds
   * grow as each trust's interfaces mature (volume rises with years since its go-live).
   */
  feeds(rank: number, period: Period, visit: RowVisitor): void {
    if (!this.setWindow(rank, period)) return;
    const { from, to } = this;
    const { region, options } = this.ctx;
    const a = this.active;
    const patient = a.patient[rank] as number;
    const rng = this.rng.reseed(options.seed, Stream.feeds, patient, period.index);
    const mid = (from + to) / 2;
    const trust = region.trusts[a.homeTrust[rank] as number];
    const communityIndex = a.community[rank] as number;
    const community = communityIndex >= 0 ? region.community[communityIndex] : undefined;
    // Expected records from each source over the part of the window in which it is live.
    const trustLo = trust ? Math.max(from, trust.goLiveDay * DAY) : to;
    const trustYears = trust ? Math.max(0, (mid - trust.goLiveDay * DAY) / (365 * DAY)) : 0;
    const eTrust = trustLo < to ? 0.006 * (1 + trustYears) * ((to - trustLo) / DAY) : 0;
    const eOther = 0.0015 * ((to - from) / DAY);
    const communityLo = community ? Math.max(from, community.goLiveDay * DAY) : to;
    const communityYears = community ? Math.max(0, (mid - community.goLiveDay * DAY) / (365 * DAY)) : 0;
    const eCommunity = communityLo < to ? 0.004 * (1 + 0.5 * communityYears) * ((to - communityLo) / DAY) : 0;
    const ePractice = 0.004 * ((to - from) / DAY);
    const total = eTrust + eOther + eCommunity + ePractice;
    const n = rng.poisson(FEED_VOLUME * total);
    if (n === 0) return;
    this.feedTo = to;
    this.feedVisit = visit;
    const row = this.feedRow;
    row.ids[0] = period.index;
    row.ids[1] = patient;
    row.nhs = a.nhs[rank] as number;
    const practice = practiceCode(this.ctx, activePracticeAt(a, rank, mid));
    for (let k = 0; k < n; k++) {
      // A weighted pick: each weight subtracted in turn (the same arithmetic, so the same picks).
      const x = rng.next() * total;
      const afterTrust = x - eTrust;
      const afterOther = afterTrust - eOther;
      if (afterTrust < 0) this.emitFeed(trust!.code, trustLo, TRUST_RECORDS, k);
      else if (afterOther < 0) {
        const other = region.trusts[rng.int(region.trusts.length)];
        if (other && other !== trust && other.goLiveDay * DAY < to) {
          this.emitFeed(other.code, Math.max(from, other.goLiveDay * DAY), TRUST_RECORDS, k);
        }
      } else if (afterOther - eCommunity < 0) this.emitFeed(community!.code, communityLo, COMMUNITY_RECORDS, k);
      else this.emitFeed(practice, from, PRACTICE_RECORDS, k);
    }
  }
}
