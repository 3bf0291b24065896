/**
 * Rows of enrolment and consent steps (one row per planned step, a pure function of patient and
 * step) and of the reference files.
 */
import { nhsText, practiceCode, type Context } from './context.js';
import { ENROLMENT_CHANNELS, ENROLMENT_TYPES, CONSENT_TYPES } from './contract.js';
import { orgCodeOfRef, practiceAt, SEX_CODES, StepOrg } from './population.js';
import type { Practice } from './region.js';
import { Rng, Stream } from './rng.js';

const rowRng = new Rng(0);

export function enrolmentTime(ctx: Context, patient: number, step: number): number {
  const { plan } = ctx;
  const times = [plan.inv, plan.reg, plan.act, plan.deact] as const;
  return times[step]?.[patient] ?? -1;
}

export function enrolmentRow(ctx: Context, patient: number, step: number): string[] {
  const { plan, region, calendar, options } = ctx;
  const rng = rowRng.reseed(options.seed, Stream.enrolmentRow, patient, step);
  const t = enrolmentTime(ctx, patient, step);
  const practice = practiceCode(ctx, practiceAt(plan, patient, t));
  const stepOrg = plan.stepOrg[patient] as number;
  let org = practice;
  if (stepOrg === StepOrg.trust) org = region.trusts[plan.homeTrust[patient] as number]?.code ?? practice;
  else if (stepOrg === StepOrg.community) org = region.community[plan.community[patient] as number]?.code ?? practice;
  if (step === 3) org = practice; // accounts are closed through the practice
  const channelIndex = step === 0 ? plan.invChannel[patient] : step === 3 ? plan.deactChannel[patient] : plan.regChannel[patient];
  const campaignIndex = plan.campaign[patient] as number;
  const campaign = step < 3 && campaignIndex >= 0 ? (region.campaigns[campaignIndex]?.code ?? '') : '';
  return [
    `enr-${patient}-${step}`,
    calendar.formatMixed(t, rng.next()),
    nhsText(ctx, patient, rng.next()),
    practice,
    org,
    ENROLMENT_TYPES[step] as string,
    ENROLMENT_CHANNELS[channelIndex as number] as string,
    campaign,
  ];
}

export function consentTime(ctx: Context, patient: number, step: number): number {
  const { plan } = ctx;
  const times = [plan.objSec, plan.objWithdrawSec, plan.shareSec, plan.revokeSec] as const;
  return times[step]?.[patient] ?? -1;
}

export function consentRow(ctx: Context, patient: number, step: number): string[] {
  const { plan, region, calendar, options } = ctx;
  const rng = rowRng.reseed(options.seed, Stream.consentRow, patient, step);
  const t = consentTime(ctx, patient, step);
  const ref = step < 2 ? (plan.objScope[patient] as number) : (plan.shareOrg[patient] as number);
  return [
    `con-${patient}-${step}`,
    calendar.formatMixed(t, rng.next()),
    nhsText(ctx, patient, rng.next()),
    orgCodeOfRef(region, ref),
    CONSENT_TYPES[step] as string,
  ];
}

export function patientRow(ctx: Context, patient: number, u: number, moved: boolean): string[] {
  const { plan } = ctx;
  const practice = moved ? (plan.movePractice[patient] as number) : (plan.practice[patient] as number);
  const imd = moved ? (plan.moveImd[patient] as number) : (plan.imd[patient] as number);
  return [
    nhsText(ctx, patient, u),
    practiceCode(ctx, practice),
    String(plan.birthYear[patient]),
    SEX_CODES[plan.sex[patient] as number] as string,
    imd === 0 ? '' : String(imd),
  ];
}

/** Organisation rows. `revised` gives the mid-programme snapshot: some targets and names change. */
export function organisationRows(ctx: Context, revised: boolean): string[][] {
  const { region, calendar, options } = ctx;
  const rng = new Rng(0).reseed(options.seed, Stream.referenceRows, revised ? 2 : 1);
  const date = (day: number) => calendar.dateOf(day);
  const rows: string[][] = [[region.icb.code, region.icb.name, 'icb', '', '', '', '40']];
  for (const ccg of region.ccgs) rows.push([ccg.code, ccg.name, 'ccg', region.icb.code, '', '', String(35 + 5 * (ccg.index % 3))]);
  for (const t of region.trusts) rows.push([t.code, t.name, 'trust', region.icb.code, '', date(t.goLiveDay), '']);
  for (const c of region.community) rows.push([c.code, c.name, 'community', region.icb.code, '', date(c.goLiveDay), '']);
  let renamed = 0;
  for (const p of region.practices) {
    let name = p.name;
    let target = p.targetPct;
    if (revised) {
      // The programme board revisits targets for lagging and leading practices; a few practices rebrand.
      if (rng.chance(0.15)) target = Math.min(60, Math.max(25, target + (rng.chance(0.5) ? 5 : -5)));
      if (renamed < 2 && rng.chance(0.02)) {
        name = name.endsWith('Surgery') ? name.replace(/Surgery$/, 'Medical Centre') : `${name} (Primary Care Network site)`;
        renamed++;
      }
    }
    rows.push(practiceRow(ctx, p, name, target));
  }
  return rows;
}

function practiceRow(ctx: Context, p: Practice, name: string, target: number): string[] {
  const ccg = ctx.region.ccgs[p.ccg];
  return [p.code, name, 'practice', ccg?.code ?? '', String(p.listSize), ctx.calendar.dateOf(p.goLiveDay), String(target)];
}

export function campaignRows(ctx: Context): string[][] {
  const { region, calendar } = ctx;
  return region.campaigns.map((c) => [
    c.code,
    c.name,
    c.orgCode,
    c.channel,
    calendar.dateOf(c.startDay),
    calendar.dateOf(c.endDay),
    String(c.costGbp),
  ]);
}

export function costRows(ctx: Context): string[][] {
  return ctx.region.costs.map((c) => [c.orgCode, c.periodStart, c.periodEnd, c.category, String(c.amountGbp)]);
}
