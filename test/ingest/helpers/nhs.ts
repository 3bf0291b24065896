/**
 * NHS number Modulus-11, written here independently of the importer so fixtures can be checked
 * against the contract rather than against the code under test.
 * Weights 10..2 on the first nine digits; check = 11 − (sum mod 11); 11 → 0; 10 → no valid number.
 */
export function nhsCheckDigit(firstNine: string): number | null {
  if (!/^\d{9}$/.test(firstNine)) throw new Error(`need nine digits, got ${firstNine}`);
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(firstNine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

export function isValidNhsNumber(value: string): boolean {
  const digits = value.replace(/ /g, '');
  if (!/^\d{10}$/.test(digits)) return false;
  const check = nhsCheckDigit(digits.slice(0, 9));
  return check !== null && check === Number(digits[9]);
}

/** The first valid NHS number at or after `firstNine` (as a nine-digit prefix). */
export function makeNhsNumber(firstNine: string): string {
  let prefix = Number(firstNine);
  for (;;) {
    const nine = String(prefix).padStart(9, '0');
    const check = nhsCheckDigit(nine);
    if (check !== null) return nine + String(check);
    prefix += 1;
  }
}

/** `9434765919` → `943 476 5919`, the spaced form the contract also allows. */
export function spaced(nhs: string): string {
  const d = nhs.replace(/ /g, '');
  return `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`;
}
