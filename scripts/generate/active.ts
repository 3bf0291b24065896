/**
 * The plan columns that usage and record feeds read, gathered for the activated patients in
 * activation order: `rank` n describes patient `schedule.activeOrder[n]`.
 *
 * Why: every batch sweeps ranks 0 … activeBefore[p] and asks each patient for its events of the
 * period — ~70M (patient, period) visits at full scale, most of which produce no row. Activation
 * order is unrelated to patient order, so reading the plan by patient index missed the CPU cache
 * on nearly every field of every visit (the single biggest cost of generation). Read by rank,
 * the same values stream through the cache in order.
 *
 * Values are copied unchanged (same element types as the plan), so what is generated from them is
 * identical to reading the plan. The arrays live on SharedArrayBuffers, shared with the workers.
 */
import type { PlanArrays } from './population.js';

const GATHERED = [
  'act',
  'deact',
  'lamLong',
  'lamInit',
  'returnSec',
  'returnLam',
  'homeTrust',
  'community',
  'ageGroup',
  'platform',
  'objSec',
  'practice',
  'moveSec',
  'movePractice',
  'nhs',
] as const satisfies readonly (keyof PlanArrays)[];

type GatheredName = (typeof GATHERED)[number];

export type ActiveColumns = Pick<PlanArrays, GatheredName> & {
  /** The patient index of each rank (= schedule.activeOrder). */
  patient: Int32Array;
};

type TypedArray = PlanArrays[GatheredName];

function emptyLike<T extends TypedArray>(source: T, length: number): T {
  const Ctor = source.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  return new Ctor(new SharedArrayBuffer(Math.max(1, length) * Ctor.BYTES_PER_ELEMENT));
}

export function gatherActive(plan: PlanArrays, activeOrder: Int32Array): ActiveColumns {
  const n = activeOrder.length;
  const a = { patient: activeOrder } as Record<string, TypedArray>;
  for (const name of GATHERED) a[name] = emptyLike(plan[name], n);
  const out = fastActive(a as ActiveColumns);
  // One statement per column (not a loop over column names): each array access then sees one
  // element type and stays fast; a generic loop over mixed typed arrays was 10× slower.
  for (let r = 0; r < n; r++) {
    const i = activeOrder[r] as number;
    out.act[r] = plan.act[i] as number;
    out.deact[r] = plan.deact[i] as number;
    out.lamLong[r] = plan.lamLong[i] as number;
    out.lamInit[r] = plan.lamInit[i] as number;
    out.returnSec[r] = plan.returnSec[i] as number;
    out.returnLam[r] = plan.returnLam[i] as number;
    out.homeTrust[r] = plan.homeTrust[i] as number;
    out.community[r] = plan.community[i] as number;
    out.ageGroup[r] = plan.ageGroup[i] as number;
    out.platform[r] = plan.platform[i] as number;
    out.objSec[r] = plan.objSec[i] as number;
    out.practice[r] = plan.practice[i] as number;
    out.moveSec[r] = plan.moveSec[i] as number;
    out.movePractice[r] = plan.movePractice[i] as number;
    out.nhs[r] = plan.nhs[i] as number;
  }
  return out;
}

/**
 * The same columns as an object literal with a fixed shape (a structured clone received by a
 * worker, or an object built key by key, may be a slow dictionary-mode object; the hot loop reads
 * these fields hundreds of millions of times).
 */
export function fastActive(a: ActiveColumns): ActiveColumns {
  return {
    patient: a.patient,
    act: a.act,
    deact: a.deact,
    lamLong: a.lamLong,
    lamInit: a.lamInit,
    returnSec: a.returnSec,
    returnLam: a.returnLam,
    homeTrust: a.homeTrust,
    community: a.community,
    ageGroup: a.ageGroup,
    platform: a.platform,
    objSec: a.objSec,
    practice: a.practice,
    moveSec: a.moveSec,
    movePractice: a.movePractice,
    nhs: a.nhs,
  };
}

/** The practice of the patient at rank `r` at a sim time (as population.practiceAt). */
export function activePracticeAt(a: ActiveColumns, r: number, sec: number): number {
  const moveSec = a.moveSec[r] as number;
  if (moveSec >= 0 && sec >= moveSec) return a.movePractice[r] as number;
  return a.practice[r] as number;
}
