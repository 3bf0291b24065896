/**
 * Rows of enrolment and consent steps (one row per planned step, a pure function of patient and
 * step) and of the reference files.
 */
import { putNhs, putText, putUint } from './ascii.js';
import { NHS_SPACED_SHARE, nhsText, practiceCode, type Context } from './context.js';
import { EventRow, type CsvEncodable } from './event-row.js';
import { spaced } from './nhs-number.js';
import { CONSENT_EVENT_TYPES, ENROLMENT_CHANNELS, ENROLMENT_EVENT_TYPES } from '../../server/contract/export-format.js';
import { orgCodeOfRef, practiceAt, SEX_CODES, StepOrg } from './population.js';
import type { Practice } from './region.js';
import { Rng, Stream } from './rng.js';
import { samplingOrder } from './sampling-order.js';

const rowRng = new Rng(0);

/** A planned enrolment step's event type, by step number (the order of enrolmentTime's times). */
const ENROLMENT_STEPS = samplingOrder('enrolment event types', ENROLMENT_EVENT_TYPES, ['invited', 'registered', 'activated', 'deactivated']);
/** A planned consent step's event type, by step number (the order of consentTime's times). */
const CONSENT_STEPS = samplingOrder('consent event types', CONSENT_EVENT_TYPES, ['objection_registered', 'objection_withdrawn', 'sharing_granted', 'sharing_revoked']);

function enrolmentTime(ctx: Context, patient: number, step: number): number {
  const { plan } = ctx;
  const times = [plan.inv, plan.reg, plan.act, plan.deact] as const;
  return times[step]?.[patient] ?? -1;
}

/** An enrolment row: `enr-<patient>-<step>`, then practice_code, org_code, event_type, channel, campaign_code. */
export function newEnrolmentRow(ctx: Context): EventRow {
  return new EventRow('enr', 2, 5, ctx.calendar);
}

export function enrolmentRow(ctx: Context, patient: number, step: number): string[] {
  return fillEnrolmentRow(ctx, newEnrolmentRow(ctx), patient, step).values();
}

/** Fills `row` (from newEnrolmentRow) with the row of one planned enrolment step. */
export function fillEnrolmentRow(ctx: Context, row: EventRow, patient: number, step: number): EventRow {
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
  row.ids[0] = patient;
  row.ids[1] = step;
  row.sec = t;
  row.local = calendar.mixedIsLocal(t, rng.next());
  row.nhs = plan.nhs[patient] as number;
  row.nhsSpaced = rng.next() < NHS_SPACED_SHARE;
  const codes = row.codes;
  codes[0] = practice;
  codes[1] = org;
  codes[2] = ENROLMENT_STEPS[step] as string;
  codes[3] = ENROLMENT_CHANNELS[channelIndex as number] as string;
  codes[4] = campaign;
  return row;
}

function consentTime(ctx: Context, patient: number, step: number): number {
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
    CONSENT_STEPS[step] as string,
  ];
}

export function patientRow(ctx: Context, patient: number, u: number, moved: boolean): string[] {
  return new PatientRow(ctx).fill(patient, u, moved).values();
}

/** A patients.csv row, reusable and written without building strings (2.3M rows at full scale). */
export class PatientRow implements CsvEncodable {
  private nhs = 0;
  private nhsSpaced = false;
  private practice = '';
  private birthYear = 0;
  private sex = '';
  /** 0 = unknown (empty field). */
  private imd = 0;

  constructor(private readonly ctx: Context) {}

  fill(patient: number, u: number, moved: boolean): this {
    const { plan } = this.ctx;
    this.nhs = plan.nhs[patient] as number;
    this.nhsSpaced = u < NHS_SPACED_SHARE;
    this.practice = practiceCode(this.ctx, moved ? (plan.movePractice[patient] as number) : (plan.practice[patient] as number));
    this.birthYear = plan.birthYear[patient] as number;
    this.sex = SEX_CODES[plan.sex[patient] as number] as string;
    this.imd = moved ? (plan.moveImd[patient] as number) : (plan.imd[patient] as number);
    return this;
  }

  encodeCsv(buf: Uint8Array, pos: number): number {
    let at = putNhs(buf, pos, this.nhs, this.nhsSpaced);
    buf[at++] = 44; // ,
    at = putText(buf, at, this.practice);
    buf[at++] = 44;
    at = putUint(buf, at, this.birthYear);
    buf[at++] = 44;
    at = putText(buf, at, this.sex);
    buf[at++] = 44;
    return this.imd === 0 ? at : putUint(buf, at, this.imd);
  }

  values(): string[] {
    const nhs = String(this.nhs);
    return [
      this.nhsSpaced ? spaced(nhs) : nhs,
      this.practice,
      String(this.birthYear),
      this.sex,
      this.imd === 0 ? '' : String(this.imd),
    ];
  }
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
