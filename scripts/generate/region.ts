/**
 * The region's reference data: organisations (ICB → CCGs → practices; trusts and community
 * services under the ICB), their rollout schedule, campaigns and programme costs.
 * Everything here is small (hundreds of rows) and is computed identically by every worker.
 */
import { DAY, type Calendar } from './calendar.js';
import type { CampaignChannel } from '../../server/contract/export-format.js';
import { CCGS, COMMUNITY_SERVICES, ICB, PLACES, PRACTICE_SUFFIXES, STREETS, SURNAMES, TRUSTS } from './names.js';
import { Rng, Stream } from './rng.js';

interface Provider {
  code: string;
  name: string;
  /** Day the portal started receiving this organisation's records. */
  goLiveDay: number;
}

interface Ccg {
  index: number;
  code: string;
  name: string;
  /** Mean IMD decile of the CCG's patients (1 = most deprived). */
  imdMean: number;
  homeTrust: number;
  homeCommunity: number;
}

export interface Practice {
  index: number;
  code: string;
  name: string;
  ccg: number;
  listSize: number;
  /** First patient index of this practice (patients are numbered practice by practice). */
  firstPatient: number;
  goLiveDay: number;
  targetPct: number;
  /** Share of the list that eventually activates (the S-curve plateau), 0.10–0.60. */
  plateau: number;
  /** Share of the list that the practice invites at some point. */
  inviteCoverage: number;
  /** Days from go-live to the midpoint of the invitation S-curve, and its spread. */
  midpointDays: number;
  spreadDays: number;
  imdMean: number;
  /** 0 = older outer-borough list, 1 = young inner-city list. */
  youth: number;
}

type ScopeKind = 'icb' | 'ccg' | 'practice';

export interface Campaign {
  index: number;
  code: string;
  name: string;
  scopeKind: ScopeKind;
  /** CCG or practice index (unused for the ICB). */
  scopeIndex: number;
  orgCode: string;
  channel: CampaignChannel;
  startDay: number;
  /** Inclusive last day. */
  endDay: number;
  costGbp: number;
  /** Chance that a not-yet-invited patient in scope is reached and prompted by the campaign. */
  reach: number;
}

interface ProgrammeCost {
  orgCode: string;
  periodStart: string;
  periodEnd: string;
  category: 'licence' | 'implementation' | 'staff' | 'marketing' | 'other';
  amountGbp: number;
}

export interface Region {
  icb: { code: string; name: string };
  ccgs: Ccg[];
  trusts: Provider[];
  community: Provider[];
  practices: Practice[];
  campaigns: Campaign[];
  costs: ProgrammeCost[];
  totalPatients: number;
}

interface RegionSize {
  ccgs: number;
  trusts: number;
  community: number;
  practices: number;
  patients: number;
}

function regionSize(scale: number): RegionSize {
  const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));
  const practices = Math.max(5, Math.round(400 * scale));
  return {
    ccgs: clamp(Math.round(8 * scale), 2, 8),
    trusts: clamp(Math.round(8 * scale), 2, 8),
    community: clamp(Math.round(14 * scale), 2, 14),
    practices,
    patients: Math.max(practices * 500, Math.round(2_300_000 * scale)),
  };
}

/** Go-lives happen on Mondays (rollout teams switch practices on at the start of a week). */
function nextMonday(calendar: Calendar, day: number): number {
  let d = day;
  while (calendar.weekday(d) !== 1) d++;
  return d;
}

/** Deprivation by CCG, roughly as in North West London (Brent and parts of Ealing most deprived). */
const CCG_IMD = [5.5, 4.2, 3.6, 5.2, 4.8, 4.5, 6.4, 5.8];

export function buildRegion(seed: number, scale: number, calendar: Calendar): Region {
  const rng = new Rng(0).reseed(seed, Stream.region);
  const size = regionSize(scale);
  const days = calendar.days;
  // Practices go live over the first ~18 months (or the first half of a short history).
  const rolloutDays = Math.min(548, Math.round(days * 0.5));

  const trusts: Provider[] = TRUSTS.slice(0, size.trusts).map((t, i) => ({
    ...t,
    goLiveDay: nextMonday(calendar, 3 + Math.round((rolloutDays * 0.8 * i) / size.trusts)),
  }));
  const community: Provider[] = COMMUNITY_SERVICES.slice(0, size.community).map((c, i) => ({
    ...c,
    goLiveDay: nextMonday(calendar, 10 + Math.round((rolloutDays * 0.9 * i) / size.community)),
  }));

  const ccgs: Ccg[] = CCGS.slice(0, size.ccgs).map((c, i) => ({
    index: i,
    code: c.code,
    name: c.name,
    imdMean: CCG_IMD[i] ?? 5,
    homeTrust: i % size.trusts,
    homeCommunity: i % size.community,
  }));

  // Practices: every CCG gets at least one; the rest follow CCG weights.
  const ccgWeights = ccgs.map(() => 0.7 + rng.next() * 0.6);
  const ccgOfPractice: number[] = [];
  for (let p = 0; p < size.practices; p++) {
    if (p < ccgs.length) {
      ccgOfPractice.push(p);
      continue;
    }
    const total = ccgWeights.reduce((a, b) => a + b, 0);
    let x = rng.next() * total;
    let chosen = 0;
    for (let c = 0; c < ccgWeights.length; c++) {
      x -= ccgWeights[c] as number;
      if (x < 0) {
        chosen = c;
        break;
      }
    }
    ccgOfPractice.push(chosen);
  }
  ccgOfPractice.sort((a, b) => a - b);

  // List sizes: log-normal around 5,200, then scaled so they sum to the region's population.
  const rawSizes = ccgOfPractice.map(() => Math.min(32_000, Math.max(1_200, rng.logNormal(5_200, 0.45))));
  const rawTotal = rawSizes.reduce((a, b) => a + b, 0);
  const sizes = rawSizes.map((s) => Math.max(300, Math.round((s * size.patients) / rawTotal)));
  sizes[sizes.length - 1] = (sizes[sizes.length - 1] as number) + size.patients - sizes.reduce((a, b) => a + b, 0);

  const usedNames = new Set<string>();
  const practiceName = (): string => {
    for (let attempt = 0; ; attempt++) {
      const style = rng.int(10);
      let name: string;
      if (style < 4) name = `${rng.pick(PLACES)} ${rng.pick(PRACTICE_SUFFIXES)}`;
      else if (style < 7) name = `${rng.pick(STREETS)} ${rng.pick(['Surgery', 'Medical Centre', 'Practice'])}`;
      else if (style < 9) name = `The ${rng.pick(PLACES)} ${rng.pick(PRACTICE_SUFFIXES)}`;
      else name = `Dr ${rng.pick(SURNAMES)} and Partners`;
      if (attempt > 20) name = `${name} ${attempt}`;
      if (!usedNames.has(name)) {
        usedNames.add(name);
        return name;
      }
    }
  };

  const practices: Practice[] = [];
  const nextCodeInCcg = new Map<number, number>();
  let firstPatient = 0;
  const wave = rolloutDays / ccgs.length;
  for (let p = 0; p < ccgOfPractice.length; p++) {
    const ccg = ccgOfPractice[p] as number;
    const serial = (nextCodeInCcg.get(ccg) ?? 0) + 1 + rng.int(3);
    nextCodeInCcg.set(ccg, serial);
    const prefix = CCGS[ccg]?.practicePrefix ?? 'E80';
    // A few newer practices carry Y-codes.
    const code = rng.chance(0.06) ? `Y0${String(1000 + p).padStart(4, '0')}` : `${prefix}${String(serial).padStart(3, '0')}`;
    const ccgInfo = ccgs[ccg] as Ccg;
    const imdMean = Math.min(9.5, Math.max(1.5, ccgInfo.imdMean + rng.normal() * 1.6));
    const listSize = sizes[p] as number;
    const goLiveDay = nextMonday(calendar, 7 + Math.floor(wave * ccg + rng.next() * wave * 0.9));
    const plateauBase = (rng.next() + rng.next() + rng.next()) / 3; // bell-shaped in [0, 1]
    const plateau = Math.min(0.6, Math.max(0.1, 0.1 + 0.5 * plateauBase + 0.015 * (imdMean - 5.5)));
    practices.push({
      index: p,
      code,
      name: practiceName(),
      ccg,
      listSize,
      firstPatient,
      goLiveDay,
      targetPct: 30 + 5 * rng.int(5),
      plateau,
      inviteCoverage: 0.8 + 0.15 * rng.next(),
      midpointDays: 60 + 180 * rng.next(),
      spreadDays: 20 + 30 * rng.next(),
      imdMean,
      youth: Math.min(1, Math.max(0, (ccg === 3 || ccg === 0 ? 0.7 : 0.35) + 0.25 * rng.normal())),
    });
    firstPatient += listSize;
  }

  const campaigns = buildCampaigns(rng, calendar, ccgs, practices);
  const costs = buildCosts(rng, calendar, ccgs, practices, size.patients);
  return {
    icb: { code: ICB.code, name: ICB.name },
    ccgs,
    trusts,
    community,
    practices,
    campaigns,
    costs,
    totalPatients: firstPatient,
  };
}

const CHANNEL_REACH: Record<CampaignChannel, number> = {
  letter: 0.16,
  sms: 0.15,
  email: 0.1,
  poster: 0.08,
  clinic: 0.1,
  social: 0.07,
  other: 0.06,
};
const CHANNEL_COST_PER_HEAD: Record<CampaignChannel, number> = {
  letter: 0.72,
  sms: 0.045,
  email: 0.012,
  poster: 0.02,
  clinic: 0.35,
  social: 0.06,
  other: 0.05,
};
const CHANNEL_LABEL: Record<CampaignChannel, string> = {
  letter: 'invitation letter mail-out',
  sms: 'SMS invitation wave',
  email: 'email invitation campaign',
  poster: 'waiting-room poster campaign',
  clinic: 'clinic sign-up drive',
  social: 'social media awareness campaign',
  other: 'community outreach',
};
const CODE_LABEL: Record<CampaignChannel, string> = {
  letter: 'LET',
  sms: 'SMS',
  email: 'EML',
  poster: 'POS',
  clinic: 'CLN',
  social: 'SOC',
  other: 'OTH',
};

function buildCampaigns(rng: Rng, calendar: Calendar, ccgs: Ccg[], practices: Practice[]): Campaign[] {
  const days = calendar.days;
  type Draft = Omit<Campaign, 'index' | 'code' | 'name' | 'costGbp'> & { label: string; population: number };
  const drafts: Draft[] = [];
  const population = (filter: (p: Practice) => boolean) =>
    practices.filter(filter).reduce((a, p) => a + p.listSize, 0);

  const place = (earliest: number, duration: number): number | undefined => {
    const latest = days - duration - 7;
    if (latest < earliest) return undefined;
    return earliest + rng.int(latest - earliest + 1);
  };

  // Region-wide pushes (awareness on social media; an SMS wave) once most practices are live.
  const icbChannels: CampaignChannel[] = ['social', 'sms'];
  icbChannels.forEach((channel, i) => {
    const duration = 21 + rng.int(22);
    const earliest = Math.round(days * (0.45 + 0.25 * i));
    const start = place(earliest, duration);
    if (start === undefined) return;
    drafts.push({
      scopeKind: 'icb',
      scopeIndex: 0,
      orgCode: ICB.code,
      channel,
      startDay: start,
      endDay: start + duration - 1,
      reach: CHANNEL_REACH[channel] * 0.5,
      label: 'North West London',
      population: population(() => true),
    });
  });

  // One push per CCG, a month or more after its first practices went live.
  const ccgChannels: CampaignChannel[] = ['letter', 'sms', 'email', 'poster', 'sms', 'letter', 'clinic', 'email'];
  for (const ccg of ccgs) {
    const members = practices.filter((p) => p.ccg === ccg.index);
    const firstLive = Math.min(...members.map((p) => p.goLiveDay));
    const lastLive = Math.max(...members.map((p) => p.goLiveDay));
    const duration = 21 + rng.int(22);
    const earliest = Math.max(firstLive + 35, Math.round((firstLive + lastLive) / 2) + 21);
    const start = place(earliest, duration);
    if (start === undefined) continue;
    const channel = ccgChannels[ccg.index % ccgChannels.length] as CampaignChannel;
    drafts.push({
      scopeKind: 'ccg',
      scopeIndex: ccg.index,
      orgCode: ccg.code,
      channel,
      startDay: start,
      endDay: start + duration - 1,
      reach: CHANNEL_REACH[channel],
      label: ccg.name.replace(/^NHS /, '').replace(/ CCG$/, ''),
      population: population((p) => p.ccg === ccg.index),
    });
  }

  // A few single practices run their own drives.
  const practiceCampaigns = Math.max(1, Math.round(practices.length / 130));
  for (let k = 0; k < practiceCampaigns; k++) {
    const practice = practices[rng.int(practices.length)] as Practice;
    const channel: CampaignChannel = rng.chance(0.5) ? 'poster' : 'clinic';
    const duration = 14 + rng.int(29);
    const start = place(practice.goLiveDay + 28, duration);
    if (start === undefined) continue;
    drafts.push({
      scopeKind: 'practice',
      scopeIndex: practice.index,
      orgCode: practice.code,
      channel,
      startDay: start,
      endDay: start + duration - 1,
      reach: CHANNEL_REACH[channel] * 1.5,
      label: practice.name,
      population: practice.listSize,
    });
  }

  drafts.sort((a, b) => a.startDay - b.startDay || a.orgCode.localeCompare(b.orgCode));
  const serials = new Map<string, number>();
  return drafts.map((d, index) => {
    const year = calendar.dateOf(d.startDay).slice(0, 4);
    const key = `C${year}-${CODE_LABEL[d.channel]}`;
    const serial = (serials.get(key) ?? 0) + 1;
    serials.set(key, serial);
    const { label, population: pop, ...rest } = d;
    return {
      ...rest,
      index,
      code: `${key}${serial}`,
      name: `${label} ${CHANNEL_LABEL[d.channel]}`,
      costGbp: Math.round((1_500 + pop * CHANNEL_COST_PER_HEAD[d.channel] * (0.8 + 0.4 * rng.next())) / 10) * 10,
    };
  });
}

/** Financial years (April–March) and their quarters that overlap the history. */
function financialPeriods(calendar: Calendar): { years: [number, number][]; quarters: [number, number][] } {
  const startEpoch = calendar.startEpoch;
  const endEpoch = calendar.startEpoch + calendar.endSec;
  const startYear = new Date(startEpoch * 1000).getUTCFullYear() - 1;
  const years: [number, number][] = [];
  const quarters: [number, number][] = [];
  for (let y = startYear; ; y++) {
    const fyStart = Date.UTC(y, 3, 1) / 1000;
    if (fyStart >= endEpoch) break;
    const fyEnd = Date.UTC(y + 1, 2, 31) / 1000;
    if (fyEnd >= startEpoch) years.push([fyStart, fyEnd]);
    for (let q = 0; q < 4; q++) {
      const qs = Date.UTC(y, 3 + 3 * q, 1) / 1000;
      const qe = Date.UTC(y, 6 + 3 * q, 0) / 1000;
      if (qs < endEpoch && qe >= startEpoch) quarters.push([qs, qe]);
    }
  }
  return { years, quarters };
}

function buildCosts(
  rng: Rng,
  calendar: Calendar,
  ccgs: Ccg[],
  practices: Practice[],
  patients: number,
): ProgrammeCost[] {
  const costs: ProgrammeCost[] = [];
  const date = (epoch: number) => new Date(epoch * 1000).toISOString().slice(0, 10);
  const money = (x: number) => Math.round(x / 100) * 100;
  const { years, quarters } = financialPeriods(calendar);
  const scale = patients / 2_300_000;
  for (const [s, e] of years) {
    costs.push({ orgCode: ICB.code, periodStart: date(s), periodEnd: date(e), category: 'licence', amountGbp: money(patients * 0.45) });
  }
  const rolloutEnd = calendar.startEpoch + Math.max(...practices.map((p) => p.goLiveDay)) * DAY;
  quarters.forEach(([s, e], i) => {
    const add = (orgCode: string, category: ProgrammeCost['category'], amount: number) =>
      costs.push({ orgCode, periodStart: date(s), periodEnd: date(e), category, amountGbp: money(amount) });
    if (s <= rolloutEnd) add(ICB.code, 'implementation', (90_000 + 60_000 * rng.next()) * Math.max(scale, 0.05));
    add(ICB.code, 'staff', 70_000 * Math.max(scale, 0.05) * (1 + 0.03 * i));
    add(ICB.code, 'marketing', (15_000 + 25_000 * rng.next()) * Math.max(scale, 0.05));
    for (const ccg of ccgs) {
      // Half of the CCGs fund their own digital-inclusion staff and local marketing.
      if (ccg.index % 2 !== 0) continue;
      add(ccg.code, 'staff', 16_000 * Math.max(scale, 0.05));
      if (rng.chance(0.6)) add(ccg.code, 'marketing', (3_000 + 6_000 * rng.next()) * Math.max(scale, 0.05));
    }
  });
  return costs;
}

