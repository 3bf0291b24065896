/**
 * Indexes over the plan that let a batch find its work without scanning 2.3M patients:
 * - enrolment and consent steps bucketed by batch period, in time order;
 * - activated patients in activation order (usage and record feeds only concern them).
 * All arrays live on SharedArrayBuffers so workers share them.
 */
import { gatherActive, type ActiveColumns } from './active.js';
import { DAY, type Period } from './calendar.js';
import type { PlanArrays } from './population.js';

interface StepIndex {
  /** offsets[p] .. offsets[p+1] are the steps of period p. */
  offsets: Int32Array;
  patient: Int32Array;
  step: Uint8Array;
}

export interface Schedule {
  enrolment: StepIndex;
  consent: StepIndex;
  /** Activated patients ordered by activation time. */
  activeOrder: Int32Array;
  /** activeBefore[p] = how many of activeOrder activated before the end of period p. */
  activeBefore: Int32Array;
  /** Plan columns of the activated patients in activeOrder (read by rank in the hot loops). */
  active: ActiveColumns;
}


function shared<T extends Int32Array | Uint8Array | Float64Array>(
  Ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  n: number,
): T {
  return new Ctor(new SharedArrayBuffer(Math.max(1, n) * Ctor.BYTES_PER_ELEMENT));
}

const PATIENT_BITS = 2 ** 25;

/**
 * periodOf as a table by sim day (periods start and end on day boundaries): the index build
 * looks up the period of ~18M times at full scale.
 */
function periodByDay(periods: Period[]): (sec: number) => number {
  const last = periods[periods.length - 1] as Period;
  const byDay = new Int32Array(Math.ceil(last.endSec / DAY));
  for (const p of periods) byDay.fill(p.index, p.startSec / DAY, p.endSec / DAY);
  const endSec = last.endSec;
  return (sec) => (sec < 0 || sec >= endSec ? -1 : (byDay[Math.floor(sec / DAY)] as number));
}

/**
 * Buckets (patient, step) pairs by period and orders each bucket by time. Sort keys pack
 * (seconds into the period, patient, step) into one float64 so a typed-array sort does the work.
 */
function buildIndex(periods: Period[], size: number, times: Int32Array[]): StepIndex {
  const periodAt = periodByDay(periods);
  const counts = new Int32Array(periods.length);
  let total = 0;
  for (const t of times) {
    for (let i = 0; i < size; i++) {
      const p = periodAt(t[i] as number);
      if (p >= 0) {
        counts[p]!++;
        total++;
      }
    }
  }
  const offsets = shared(Int32Array, periods.length + 1);
  for (let p = 0; p < periods.length; p++) offsets[p + 1] = (offsets[p] as number) + (counts[p] as number);
  const keys = new Float64Array(total);
  const fill = new Int32Array(periods.length);
  times.forEach((t, step) => {
    for (let i = 0; i < size; i++) {
      const sec = t[i] as number;
      const p = periodAt(sec);
      if (p < 0) continue;
      const slot = (offsets[p] as number) + fill[p]!++;
      keys[slot] = (sec - (periods[p] as Period).startSec) * PATIENT_BITS * 4 + i * 4 + step;
    }
  });
  const patient = shared(Int32Array, total);
  const step = shared(Uint8Array, total);
  for (let p = 0; p < periods.length; p++) {
    const bucket = keys.subarray(offsets[p] as number, offsets[p + 1] as number);
    bucket.sort();
    for (let k = 0; k < bucket.length; k++) {
      const key = bucket[k] as number;
      const low = key % (PATIENT_BITS * 4);
      const slot = (offsets[p] as number) + k;
      patient[slot] = Math.floor(low / 4);
      step[slot] = low % 4;
    }
  }
  return { offsets, patient, step };
}

export function buildSchedule(plan: PlanArrays & { size: number }, periods: Period[]): Schedule {
  if (plan.size >= PATIENT_BITS) throw new Error(`too many patients for the schedule index (${plan.size})`);
  const enrolment = buildIndex(periods, plan.size, [plan.inv, plan.reg, plan.act, plan.deact]);
  const consent = buildIndex(periods, plan.size, [plan.objSec, plan.objWithdrawSec, plan.shareSec, plan.revokeSec]);

  // Activated patients by (activation time, index): packed into one float64 key (act < 2^27 s,
  // index < 2^25) so the typed-array sort needs no comparator callback.
  let activated = 0;
  for (let i = 0; i < plan.size; i++) if ((plan.act[i] as number) >= 0) activated++;
  const keys = new Float64Array(activated);
  for (let i = 0, n = 0; i < plan.size; i++) {
    const act = plan.act[i] as number;
    if (act >= 0) keys[n++] = act * PATIENT_BITS + i;
  }
  keys.sort();
  const activeOrder = shared(Int32Array, activated);
  for (let n = 0; n < activated; n++) activeOrder[n] = (keys[n] as number) % PATIENT_BITS;
  const activeBefore = shared(Int32Array, periods.length);
  let cursor = 0;
  periods.forEach((period, p) => {
    while (cursor < activated && (plan.act[activeOrder[cursor] as number] as number) < period.endSec) cursor++;
    activeBefore[p] = cursor;
  });
  return { enrolment, consent, activeOrder, activeBefore, active: gatherActive(plan, activeOrder) };
}
