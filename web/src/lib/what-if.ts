import type { SavingType } from './savings.js';

// The what-if panel's checks: a scenario is low ≤ central ≤ high, in pounds, not negative, and
// not absurdly far from the model (a slip of the finger like 1e9 would otherwise swamp every figure).

export type Scenario = 'low' | 'central' | 'high';
export const SCENARIOS: readonly Scenario[] = ['low', 'central', 'high'];
export const SCENARIO_LABELS: Record<Scenario, string> = { low: 'Low', central: 'Central', high: 'High' };

/** A value more than this many times the model's high value (or than MIN_LIMIT_GBP) is refused. */
const MAX_FACTOR = 1000;
/** The least limit, for types the model values at nothing. */
const MIN_LIMIT_GBP = 1000;

/** What the reader typed in the three fields of one saving type. */
export type Draft = Record<Scenario, string>;
export type DraftErrors = Partial<Record<Scenario, string>>;

/** Pounds as typed in the fields: £0.85, £1,000. */
const pounds = (n: number) => `£${n.toLocaleString('en-GB', { maximumFractionDigits: 2 })}`;

/** The highest value accepted for a saving type. */
export function valueLimit(model: Pick<SavingType, 'low' | 'central' | 'high'>): number {
  return Math.max(MIN_LIMIT_GBP, MAX_FACTOR * Math.max(model.low, model.central, model.high));
}

export function draftOf(v: Record<Scenario, number>): Draft {
  return { low: String(v.low), central: String(v.central), high: String(v.high) };
}

/** Parses what was typed: a number of pounds, or null when it is not one. */
export function parsePounds(text: string): number | null {
  const t = text.trim().replace(/^£/, '').replace(/,/g, '');
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/**
 * Checks the three values of one saving type. Returns the values when all are acceptable, and a
 * message for each field that is not (next to that field): not a number, negative, absurdly
 * large, or out of order (low above central, or central above high).
 */
export function checkDraft(draft: Draft, model: Pick<SavingType, 'low' | 'central' | 'high'>, edited?: Scenario): { values: Record<Scenario, number> | null; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const values: Partial<Record<Scenario, number>> = {};
  const limit = valueLimit(model);
  for (const k of SCENARIOS) {
    const n = parsePounds(draft[k]);
    if (n === null) errors[k] = `Enter the ${k} value in pounds, for example ${model[k]}.`;
    else if (n < 0) errors[k] = `The ${k} value cannot be negative.`;
    else if (n > limit) errors[k] = `The ${k} value cannot be more than ${pounds(limit)} (${MAX_FACTOR} times the model's value).`;
    else values[k] = n;
  }
  const { low, central, high } = values;
  // An order broken is reported at the field just edited (otherwise at the lower one).
  if (low !== undefined && central !== undefined && low > central) {
    if (edited === 'central') errors.central ??= `The central value cannot be less than the low value (${pounds(low)}).`;
    else errors.low ??= `The low value cannot be more than the central value (${pounds(central)}).`;
  }
  if (central !== undefined && high !== undefined && central > high) {
    if (edited === 'high') errors.high ??= `The high value cannot be less than the central value (${pounds(central)}).`;
    else errors.central ??= `The central value cannot be more than the high value (${pounds(high)}).`;
  }
  if (low !== undefined && high !== undefined && central === undefined && low > high) errors.low ??= `The low value cannot be more than the high value (${pounds(high)}).`;
  const ok = Object.keys(errors).length === 0;
  return { values: ok ? (values as Record<Scenario, number>) : null, errors };
}
