/**
 * The patient population and each patient's plan: who they are (practice, age, sex,
 * deprivation), when they are invited / register / activate / deactivate, whether a campaign
 * prompted them, whether they move practice, object or grant sharing, and how actively they use
 * the portal. Stored column-wise in typed arrays on SharedArrayBuffers so worker threads read
 * the same plan without copying 2.3M objects.
 *
 * The shape a commissioner would recognise is decided here:
 * - invitations follow a logistic S-curve after each practice's go-live, to a practice plateau;
 * - campaigns pull invitations (and extra registrations) into their window for orgs in scope;
 * - younger and less deprived patients register more (the equity gradient);
 * - the funnel leaks: not every invitee registers, not every registration activates.
 */
import { DAY, OFFICE_HOUR_WEIGHTS, USAGE_HOUR_WEIGHTS, type Calendar, type Period } from './calendar.js';
import { ENROLMENT_CHANNELS, PLATFORMS, SEXES, type CampaignChannel, type EnrolmentChannel } from '../../server/contract/export-format.js';
import type { Campaign, Practice, Region } from './region.js';
import { nhsNumberValue, nhsOffsetFor } from './nhs-number.js';
import { Categorical, cumulative, Rng, Stream } from './rng.js';
import { samplingOrder } from './sampling-order.js';

/** Reference to an organisation in plan arrays: '*' (all), none, or an index by kind. */
const OrgRef = {
  none: -2,
  all: -1,
  trust: (i: number) => 100_000 + i,
  community: (i: number) => 200_000 + i,
  practice: (i: number) => 300_000 + i,
} as const;

export function orgCodeOfRef(region: Region, ref: number): string {
  if (ref === OrgRef.all) return '*';
  if (ref >= 300_000) return (region.practices[ref - 300_000] as Practice).code;
  if (ref >= 200_000) return region.community[ref - 200_000]?.code ?? '';
  if (ref >= 100_000) return region.trusts[ref - 100_000]?.code ?? '';
  return '';
}

/** plan.sex holds an index into this: SEX_DIST's weights and propensity() read 0 as F and 1 as M. */
export const SEX_CODES = samplingOrder('sexes', SEXES, ['F', 'M', 'X', 'U']);
/**
 * plan.platform holds an index into this (0 web, 1 ios, 2 android, 3 other: see the draw at the end
 * of planUsage); activity.ts also draws one by index.
 */
export const PLATFORM_CODES = samplingOrder('platforms', PLATFORMS, ['web', 'ios', 'android', 'other']);

/** Where an enrolment step happened. */
export const StepOrg = { practice: 0, trust: 1, community: 2 } as const;

const FIELDS = {
  /** The patient's NHS number (10 digits, as a number: cheap to share and to print). */
  nhs: Float64Array,
  practice: Uint16Array,
  birthYear: Int16Array,
  sex: Uint8Array,
  /** 0 = unknown, else 1..10. */
  imd: Uint8Array,
  homeTrust: Uint8Array,
  /** Community service the patient is on the caseload of, or -1. */
  community: Int8Array,
  /** Sim seconds, -1 = does not happen within the history. */
  inv: Int32Array,
  reg: Int32Array,
  act: Int32Array,
  deact: Int32Array,
  invChannel: Uint8Array,
  regChannel: Uint8Array,
  deactChannel: Uint8Array,
  stepOrg: Uint8Array,
  campaign: Int16Array,
  movePractice: Int32Array,
  moveSec: Int32Array,
  /** Resend round (index into Plan.resendPeriods) that re-sends the moved patient. */
  moveRound: Int8Array,
  moveImd: Uint8Array,
  objSec: Int32Array,
  objScope: Int32Array,
  objWithdrawSec: Int32Array,
  shareSec: Int32Array,
  shareOrg: Int32Array,
  revokeSec: Int32Array,
  /** Long-run usage events per day, initial exploration rate, return visit boost. */
  lamLong: Float32Array,
  lamInit: Float32Array,
  returnSec: Int32Array,
  returnLam: Float32Array,
  platform: Uint8Array,
  /** 0 = under 35, 1 = 35–64, 2 = 65 and over (drives the usage mix). */
  ageGroup: Uint8Array,
} as const;

type FieldName = keyof typeof FIELDS;
export type PlanArrays = { [K in FieldName]: InstanceType<(typeof FIELDS)[K]> };

export interface Plan extends PlanArrays {
  size: number;
  /** Period indexes of the batches that re-send changed patients (and, mid-way, organisations). */
  resendPeriods: number[];
}

function allocate(size: number): PlanArrays {
  const arrays = {} as Record<string, unknown>;
  for (const [name, Ctor] of Object.entries(FIELDS)) {
    const buffer = new SharedArrayBuffer(size * Ctor.BYTES_PER_ELEMENT);
    arrays[name] = new (Ctor as unknown as new (b: SharedArrayBuffer) => unknown)(buffer);
  }
  return arrays as PlanArrays;
}


/**
 * The same plan as an object literal with a fixed shape. A plan built field by field, or
 * received by a worker through structured cloning, can end up as a slow dictionary-mode object;
 * the hot loops read its arrays hundreds of millions of times.
 */
export function fastPlan(p: Plan): Plan {
  return {
    size: p.size,
    resendPeriods: p.resendPeriods,
    nhs: p.nhs,
    practice: p.practice,
    birthYear: p.birthYear,
    sex: p.sex,
    imd: p.imd,
    homeTrust: p.homeTrust,
    community: p.community,
    inv: p.inv,
    reg: p.reg,
    act: p.act,
    deact: p.deact,
    invChannel: p.invChannel,
    regChannel: p.regChannel,
    deactChannel: p.deactChannel,
    stepOrg: p.stepOrg,
    campaign: p.campaign,
    movePractice: p.movePractice,
    moveSec: p.moveSec,
    moveRound: p.moveRound,
    moveImd: p.moveImd,
    objSec: p.objSec,
    objScope: p.objScope,
    objWithdrawSec: p.objWithdrawSec,
    shareSec: p.shareSec,
    shareOrg: p.shareOrg,
    revokeSec: p.revokeSec,
    lamLong: p.lamLong,
    lamInit: p.lamInit,
    returnSec: p.returnSec,
    returnLam: p.returnLam,
    platform: p.platform,
    ageGroup: p.ageGroup,
  };
}

// ---------------------------------------------------------------------------------------------
// Who the patients are

/** Age bands [from, to] and their shares in a young inner-city list vs an older outer one. */
const AGE_BANDS: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 4, 6, 6],
  [5, 15, 11, 14],
  [16, 24, 12, 11],
  [25, 34, 24, 13],
  [35, 44, 17, 14],
  [45, 54, 11, 14],
  [55, 64, 8, 12],
  [65, 74, 5.5, 8.5],
  [75, 84, 3.5, 5],
  [85, 99, 2, 2.5],
];

const SEX_DIST = new Categorical<number>([
  [0, 0.502],
  [1, 0.493],
  [2, 0.003],
  [3, 0.002],
]);

/**
 * Relative propensity to use the portal: the equity gradient. Children mostly can't hold their
 * own account; uptake falls with age after 45 and with deprivation.
 */
function propensity(age: number, imd: number, sex: number): number {
  let a: number;
  if (age < 16) a = 0.08;
  else if (age < 25) a = 1.2;
  else if (age < 35) a = 1.35;
  else if (age < 45) a = 1.3;
  else if (age < 55) a = 1.15;
  else if (age < 65) a = 1.0;
  else if (age < 75) a = 0.8;
  else if (age < 80) a = 0.6;
  else a = 0.35;
  const d = imd === 0 ? 0.95 : 0.55 + 0.09 * (imd - 1);
  const s = sex === 0 ? 1.08 : sex === 1 ? 0.92 : 1;
  return a * d * s;
}

// ---------------------------------------------------------------------------------------------
// The plan

/** Share of registrations that complete identity checks and activate. */
const ACTIVATION_RATE = 0.88;
const SELF_REGISTRATION = 0.08;
const OPPORTUNISTIC_INVITES = 0.12;
const MOVER_SHARE = 0.012;
const OBJECTION_SHARE = 0.025;
const OBJECTION_WITHDRAWN = 0.12;
const SHARING_SHARE = 0.07;
const SHARING_REVOKED = 0.15;
const DEACTIVATION_SHARE = 0.03;

const INVITE_CHANNEL = new Categorical<EnrolmentChannel>([
  ['letter', 0.35],
  ['sms', 0.4],
  ['email', 0.15],
  ['clinic', 0.05],
  ['other', 0.05],
]);

/** The plan stores a channel as its index in the contract's list, and rows.ts reads it back from there. */
const channelIndex = (c: EnrolmentChannel): number => ENROLMENT_CHANNELS.indexOf(c);

/** The enrolment channel through which a campaign invites (none: it prompts self-registration). */
function campaignInviteChannel(c: CampaignChannel): EnrolmentChannel | undefined {
  if (c === 'letter' || c === 'sms' || c === 'email' || c === 'clinic') return c;
  return undefined;
}

function resendPeriodIndexes(periodCount: number): number[] {
  const rounds = Math.min(4, Math.floor(periodCount / 4));
  const out: number[] = [];
  for (let k = 0; k < rounds; k++) out.push(Math.round((periodCount * (k + 1)) / (rounds + 1)));
  return out;
}

export interface PlanInput {
  seed: number;
  region: Region;
  calendar: Calendar;
  periods: Period[];
}

/** The region's plan arrays (shared memory), not filled yet: see planPractices. */
export function allocatePlan(region: Region, periodCount: number): Plan {
  const size = region.totalPatients;
  // fastPlan: a fixed-shape object, so the ~50 plan writes per patient stay cheap.
  return fastPlan({ ...allocate(size), size, resendPeriods: resendPeriodIndexes(periodCount) });
}

/**
 * Splits the practices into `parts` contiguous ranges [from, to) of about equal patient counts,
 * for planning in parallel.
 */
export function practiceRanges(region: Region, parts: number): [number, number][] {
  const ranges: [number, number][] = [];
  let from = 0;
  let patients = 0;
  region.practices.forEach((p, index) => {
    patients += p.listSize;
    const part = ranges.length + 1;
    if (part < parts && patients >= (region.totalPatients * part) / parts) {
      ranges.push([from, index + 1]);
      from = index + 1;
    }
  });
  ranges.push([from, region.practices.length]);
  return ranges;
}

/**
 * Fills the plan of the patients of practices [fromPractice, toPractice). What a patient gets
 * depends only on their practice and their own keyed random streams, so ranges planned
 * separately (by the worker threads, in parallel) give exactly the plan built in one go.
 */
export function planPractices(plan: Plan, { seed, region, calendar, periods }: PlanInput, fromPractice: number, toPractice: number): void {
  const practices = region.practices.slice(fromPractice, toPractice);
  if (practices.length === 0) return;
  const endSec = calendar.endSec;
  const days = calendar.days;
  const endYear = new Date((calendar.startEpoch + endSec) * 1000).getUTCFullYear();
  const rng = new Rng(0);
  const nhsOffset = nhsOffsetFor(seed);
  // Propensity weights of this range's patients (practices hold consecutive patient indexes).
  const firstPatient = (practices[0] as Practice).firstPatient;
  const weights = new Float32Array(practices.reduce((n, p) => n + p.listSize, 0));
  const officeCdf = cumulative([...OFFICE_HOUR_WEIGHTS]);
  const usageCdf = cumulative([...USAGE_HOUR_WEIGHTS]);

  /** A local time on a sim day drawn from an hour profile; -1 beyond the history. */
  const timeOn = (day: number, hourCdf: Float64Array): number => {
    if (day >= days || day < 0) return -1;
    const sec = calendar.fromLocal(day, rng.pickCumulative(hourCdf) * 3600 + rng.int(3600));
    return sec < endSec ? sec : -1;
  };
  const officeTime = (day: number): number => {
    let d = day;
    const wd = d < days ? calendar.weekday(d) : 1;
    if (wd === 6) d += 2;
    else if (wd === 0) d += 1;
    return timeOn(d, officeCdf);
  };

  // Pass 1: who the patients are, and each practice's mean propensity.
  const meanWeight = new Float64Array(region.practices.length);
  for (const practice of practices) {
    const bandCdf = cumulative(AGE_BANDS.map(([, , young, old]) => practice.youth * young + (1 - practice.youth) * old));
    const ccg = region.ccgs[practice.ccg];
    let sum = 0;
    for (let k = 0; k < practice.listSize; k++) {
      const i = practice.firstPatient + k;
      rng.reseed(seed, Stream.patient, i);
      const band = AGE_BANDS[rng.pickCumulative(bandCdf)] as readonly [number, number, number, number];
      const age = band[0] + rng.int(band[1] - band[0] + 1);
      const sex = SEX_DIST.draw(rng);
      const imdRaw = Math.round(practice.imdMean + 1.8 * rng.normal());
      const imd = rng.chance(0.03) ? 0 : Math.min(10, Math.max(1, imdRaw));
      plan.nhs[i] = nhsNumberValue(i, nhsOffset);
      plan.practice[i] = practice.index;
      plan.birthYear[i] = endYear - age;
      plan.sex[i] = sex;
      plan.imd[i] = imd;
      plan.ageGroup[i] = age < 35 ? 0 : age < 65 ? 1 : 2;
      plan.homeTrust[i] = rng.chance(0.8) ? (ccg?.homeTrust ?? 0) : rng.int(region.trusts.length);
      plan.community[i] = rng.chance(0.35)
        ? rng.chance(0.7)
          ? (ccg?.homeCommunity ?? 0)
          : rng.int(region.community.length)
        : -1;
      const w = propensity(age, imd, sex);
      weights[i - firstPatient] = w;
      sum += w;
    }
    meanWeight[practice.index] = sum / Math.max(1, practice.listSize);
  }

  const campaignsOf = region.practices.map((p) =>
    region.campaigns.filter(
      (c) =>
        c.scopeKind === 'icb' ||
        (c.scopeKind === 'ccg' && c.scopeIndex === p.ccg) ||
        (c.scopeKind === 'practice' && c.scopeIndex === p.index),
    ),
  );
  const practicesByCcg = region.ccgs.map((c) => region.practices.filter((p) => p.ccg === c.index));

  // Pass 2: the plan.
  for (const practice of practices) {
    const goLive = practice.goLiveDay * DAY;
    const relWeightDivisor = meanWeight[practice.index] || 1;
    for (let k = 0; k < practice.listSize; k++) {
      const i = practice.firstPatient + k;
      rng.reseed(seed, Stream.plan, i);
      const rel = (weights[i - firstPatient] as number) / relWeightDivisor;
      planEnrolment(i, practice, goLive, rel, campaignsOf[practice.index] as Campaign[]);
      planMove(i, practice);
      planConsent(i);
      planEngagement(i);
    }
  }
  return;

  function planEnrolment(i: number, practice: Practice, goLive: number, rel: number, campaigns: Campaign[]): void {
    const pAct = Math.min(0.95, practice.plateau * rel);
    let invited = rng.chance(practice.inviteCoverage);
    let registers = invited && rng.chance(Math.min(0.98, pAct / (practice.inviteCoverage * ACTIVATION_RATE)));
    let selfRegistered = registers && rng.chance(SELF_REGISTRATION);
    // Invitation time on the practice's S-curve; the few drawn before go-live join the launch mail-out.
    let t = goLive + (practice.midpointDays + practice.spreadDays * rng.logistic()) * DAY;
    if (t < goLive) t = goLive + rng.range(0.2, 14) * DAY;
    // Some invitations are opportunistic (new registrations at the practice, appointments),
    // spread evenly after go-live: uptake keeps creeping up after the S-curve has flattened.
    if (rng.chance(OPPORTUNISTIC_INVITES)) t = goLive + rng.next() * Math.max(DAY, endSec - goLive);
    let campaign: Campaign | undefined;
    for (const c of campaigns) {
      const start = Math.max(c.startDay * DAY, goLive);
      const end = (c.endDay + 1) * DAY;
      if (start >= end) continue;
      if (invited && t < start) continue; // already reached before this campaign
      if (!rng.chance(c.reach)) continue;
      campaign = c;
      // Responses come early in a campaign and tail off.
      t = start + Math.min(rng.exponential((end - start) * 0.35), (end - start) * 0.98);
      invited = true;
      registers = registers || rng.chance(Math.min(0.85, 0.45 * rel));
      selfRegistered = campaignInviteChannel(c.channel) === undefined;
      break;
    }
    plan.campaign[i] = campaign ? campaign.index : -1;
    plan.inv[i] = -1;
    plan.reg[i] = -1;
    plan.act[i] = -1;
    plan.deact[i] = -1;
    if (!invited) return;

    // Where it happened: mostly the practice; some patients are signed up in hospital or community clinics.
    const r = rng.next();
    let stepOrg: number = StepOrg.practice;
    const trust = region.trusts[plan.homeTrust[i] as number];
    const community = plan.community[i] as number;
    if (!campaign && r < 0.07 && trust && trust.goLiveDay * DAY <= t) stepOrg = StepOrg.trust;
    else if (!campaign && r < 0.1 && community >= 0 && (region.community[community]?.goLiveDay ?? days) * DAY <= t)
      stepOrg = StepOrg.community;
    plan.stepOrg[i] = stepOrg;

    let inviteChannel: EnrolmentChannel;
    if (campaign) inviteChannel = campaignInviteChannel(campaign.channel) ?? 'other';
    else if (stepOrg !== StepOrg.practice) inviteChannel = 'clinic';
    else inviteChannel = INVITE_CHANNEL.draw(rng);
    plan.invChannel[i] = channelIndex(inviteChannel);

    let previous: number;
    if (selfRegistered) {
      previous = Math.floor(t);
    } else {
      const inv = officeTime(Math.floor(t / DAY));
      if (inv < 0) return;
      plan.inv[i] = inv;
      previous = inv;
    }
    if (!registers) return;

    const age = endYearAge(i);
    plan.regChannel[i] = channelIndex(rng.chance(age >= 65 ? 0.3 : 0.58) ? 'app' : 'web');
    const delayDays = Math.min(90, rng.logNormal(2, 1.1));
    let reg = timeOn(Math.floor((previous + delayDays * DAY) / DAY), usageCdf);
    if (reg < 0) return;
    if (reg <= previous) reg = previous + 300 + rng.int(7200);
    if (reg >= endSec) return;
    plan.reg[i] = reg;

    if (!rng.chance(ACTIVATION_RATE)) return;
    // Most activate within hours (identity check passed first time); others come back days later.
    const act = rng.chance(0.55)
      ? reg + 300 + rng.int(6 * 3600)
      : timeOn(Math.floor((reg + (0.5 + rng.exponential(3)) * DAY) / DAY), usageCdf);
    if (act < 0 || act >= endSec) return;
    plan.act[i] = act > reg ? act : reg + 300 + rng.int(3600);
    if (plan.act[i]! >= endSec) {
      plan.act[i] = -1;
      return;
    }

    if (rng.chance(DEACTIVATION_SHARE)) {
      const at = timeOn(Math.floor((plan.act[i]! + (7 + rng.exponential(240)) * DAY) / DAY), usageCdf);
      if (at > plan.act[i]!) {
        plan.deact[i] = at;
        plan.deactChannel[i] = channelIndex(rng.pick(['web', 'app', 'app', 'other'] as const));
      }
    }
  }

  function endYearAge(i: number): number {
    return endYear - (plan.birthYear[i] as number);
  }

  function planMove(i: number, practice: Practice): void {
    plan.movePractice[i] = -1;
    plan.moveSec[i] = -1;
    plan.moveRound[i] = -1;
    const rounds = plan.resendPeriods.length;
    if (rounds === 0 || !rng.chance(MOVER_SHARE)) return;
    const round = rng.int(rounds);
    const lo = round === 0 ? (periods[0] as Period).endSec : (periods[plan.resendPeriods[round - 1] as number] as Period).endSec;
    const hi = (periods[plan.resendPeriods[round] as number] as Period).startSec;
    if (hi <= lo) return;
    const at = lo + rng.int(hi - lo);
    // Moves within the CCG, to a practice already live (so its events never precede go-live).
    const candidates = (practicesByCcg[practice.ccg] ?? []).filter(
      (p) => p.index !== practice.index && p.goLiveDay * DAY <= at,
    );
    if (candidates.length === 0) return;
    const to = rng.pick(candidates);
    plan.movePractice[i] = to.index;
    plan.moveSec[i] = at;
    plan.moveRound[i] = round;
    plan.moveImd[i] = rng.chance(0.5)
      ? Math.min(10, Math.max(1, Math.round(to.imdMean + 1.8 * rng.normal())))
      : (plan.imd[i] as number);
  }

  function planConsent(i: number): void {
    plan.objSec[i] = -1;
    plan.objScope[i] = OrgRef.none;
    plan.objWithdrawSec[i] = -1;
    plan.shareSec[i] = -1;
    plan.shareOrg[i] = OrgRef.none;
    plan.revokeSec[i] = -1;
    if (rng.chance(OBJECTION_SHARE)) {
      const at = timeOn(Math.floor(days * 0.02) + rng.int(Math.max(1, Math.floor(days * 0.98))), usageCdf);
      if (at >= 0) {
        const r = rng.next();
        const community = plan.community[i] as number;
        plan.objSec[i] = at;
        if (r < 0.4) plan.objScope[i] = OrgRef.all;
        else if (r < 0.7) plan.objScope[i] = OrgRef.trust(plan.homeTrust[i] as number);
        else if (r < 0.85) plan.objScope[i] = OrgRef.community(community >= 0 ? community : rng.int(region.community.length));
        else plan.objScope[i] = OrgRef.practice(practiceAt(plan, i, at));
        if (rng.chance(OBJECTION_WITHDRAWN)) {
          const w = timeOn(Math.floor((at + (14 + rng.exponential(120)) * DAY) / DAY), usageCdf);
          if (w > at) plan.objWithdrawSec[i] = w;
        }
      }
    }
    const act = plan.act[i] as number;
    if (act >= 0 && rng.chance(SHARING_SHARE)) {
      const at = timeOn(Math.floor((act + rng.exponential(30) * DAY) / DAY), usageCdf);
      if (at > act) {
        const community = plan.community[i] as number;
        plan.shareSec[i] = at;
        plan.shareOrg[i] =
          community >= 0 && rng.chance(0.3) ? OrgRef.community(community) : OrgRef.trust(plan.homeTrust[i] as number);
        if (rng.chance(SHARING_REVOKED)) {
          const r = timeOn(Math.floor((at + (7 + rng.exponential(150)) * DAY) / DAY), usageCdf);
          if (r > at) plan.revokeSec[i] = r;
        }
      }
    }
  }

  function planEngagement(i: number): void {
    plan.returnSec[i] = -1;
    const act = plan.act[i] as number;
    if (act < 0) return;
    const group = plan.ageGroup[i] as number;
    const u = rng.logNormal(1, 0.7);
    const r = rng.next();
    // Most accounts settle into occasional use; some go dormant, a fifth become regular users.
    const settled = r < 0.35 ? 0.004 : r < 0.8 ? 0.03 : 0.15;
    plan.lamLong[i] = settled * u * (group === 2 ? 1.25 : 1);
    plan.lamInit[i] = 0.6 * u;
    if (rng.chance(0.3)) {
      plan.returnSec[i] = act + Math.floor((30 + rng.exponential(200)) * DAY);
      plan.returnLam[i] = 0.25 * u;
    }
    const p = rng.next();
    const [ios, android, web] = group === 0 ? [0.5, 0.38, 0.11] : group === 1 ? [0.38, 0.37, 0.24] : [0.25, 0.25, 0.49];
    plan.platform[i] = p < ios ? 1 : p < ios + android ? 2 : p < ios + android + web ? 0 : 3;
  }
}

/** The practice a patient is registered with at a sim time (moves take effect at moveSec). */
export function practiceAt(plan: PlanArrays, i: number, sec: number): number {
  const moveSec = plan.moveSec[i] as number;
  if (moveSec >= 0 && sec >= moveSec) return plan.movePractice[i] as number;
  return plan.practice[i] as number;
}
