import { hash4, Stream } from './rng.js';

/**
 * NHS numbers: 9 digits plus a Modulus-11 check digit. Weights 10..2 over the first nine
 * digits; check = 11 - (sum mod 11), where 11 becomes 0 and 10 means "no valid number".
 */

/** Check digit for a 9-digit prefix, or undefined when the prefix cannot form a valid number. */
export function checkDigit(prefix: number): number | undefined {
  let sum = 0;
  let rest = prefix;
  // Digits from the right: the 9th digit has weight 2, the 1st weight 10.
  for (let weight = 2; weight <= 10; weight++) {
    sum += (rest % 10) * weight;
    rest = Math.floor(rest / 10);
  }
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return undefined;
  return check;
}

export function isValidNhsNumber(text: string): boolean {
  const digits = text.replace(/ /g, '');
  if (!/^\d{10}$/.test(digits)) return false;
  return checkDigit(Number(digits.slice(0, 9))) === Number(digits[9]);
}

/** The `943 476 5919` spelling the contract allows. */
export function spaced(nhsNumber: string): string {
  return `${nhsNumber.slice(0, 3)} ${nhsNumber.slice(3, 6)} ${nhsNumber.slice(6)}`;
}

// Prefixes 400 000 000 … 899 999 999 are split into 125M slots of 4; slot order is an affine
// permutation (multiplier coprime to 125M = 2^6·5^9) so consecutive patients get unrelated numbers.
const SLOTS = 125_000_000;
const MULTIPLIER = 61_488_271;

/** Shifts the number sequence so that different seeds give different NHS numbers. */
export function nhsOffsetFor(seed: number): number {
  return hash4(seed, Stream.patient, 0xa11) % SLOTS;
}

/**
 * The NHS number of patient `index` (distinct for distinct indices, always valid). Each slot
 * holds four consecutive prefixes; at most one prefix in any run of consecutive ones lacks a
 * check digit except across a carry, and four candidates always contain a valid one.
 */
export function nhsNumberFor(index: number, offset: number): string {
  return String(nhsNumberValue(index, offset));
}

/** nhsNumberFor as a number (the plan stores numbers; no string round trip per patient). */
export function nhsNumberValue(index: number, offset: number): number {
  const slot = (((index * MULTIPLIER) % SLOTS) + offset) % SLOTS;
  for (let j = 0; j < 4; j++) {
    const prefix = 400_000_000 + slot * 4 + j;
    const check = checkDigit(prefix);
    if (check !== undefined) return prefix * 10 + check;
  }
  throw new Error(`no valid NHS number in slot ${slot}`);
}

/** A 10-digit number that fails the Modulus-11 check (for planted bad rows): any other check digit. */
export function invalidVariant(nhsNumber: string): string {
  const good = Number(nhsNumber[9]);
  const shift = 1 + (Number(nhsNumber[8]) % 9);
  return `${nhsNumber.slice(0, 9)}${(good + shift) % 10}`;
}
