/**
 * Writing ASCII fields straight into an output buffer. Each function writes at `pos` and returns
 * the position after what it wrote. Callers reserve room first (see KindWriter.writeRow); event
 * rows are short and pure ASCII (codes, digits, ISO timestamps), so a byte per character.
 */

/** A string of ASCII characters (codes, enum values). */
export function putText(buf: Uint8Array, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) buf[pos + i] = text.charCodeAt(i);
  return pos + text.length;
}

/** Decimal digits of a non-negative int32. */
function digitCount(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10_000) return 4;
  if (n < 100_000) return 5;
  if (n < 1_000_000) return 6;
  if (n < 10_000_000) return 7;
  if (n < 100_000_000) return 8;
  if (n < 1_000_000_000) return 9;
  return 10;
}

/** A non-negative integer below 2^31 in decimal, as String(n) writes it. */
export function putUint(buf: Uint8Array, pos: number, n: number): number {
  if (!(n >= 0 && n <= 0x7fffffff)) throw new RangeError(`putUint: ${n} is not a non-negative int32`);
  const end = pos + digitCount(n);
  let x = n | 0;
  for (let i = end - 1; i >= pos; i--) {
    const q = (x / 10) | 0;
    buf[i] = 48 + x - q * 10;
    x = q;
  }
  return end;
}

/** Exactly `width` decimal digits of a non-negative int32 below 10^width (zero-padded). */
function putFixed(buf: Uint8Array, pos: number, n: number, width: number): void {
  let x = n | 0;
  for (let i = pos + width - 1; i >= pos; i--) {
    const q = (x / 10) | 0;
    buf[i] = 48 + x - q * 10;
    x = q;
  }
}

/**
 * A 10-digit NHS number held as a number, optionally in the spaced `943 476 5919` spelling
 * (as nhs-number.ts `spaced(String(n))`). The generator's numbers are 10 digits by construction.
 */
export function putNhs(buf: Uint8Array, pos: number, nhs: number, spaced: boolean): number {
  // 10 digits exceed int32: split as 3 + 3 + 4 digits, the groups of the spaced spelling.
  const head = Math.floor(nhs / 10_000_000);
  const rest = nhs - head * 10_000_000;
  const middle = (rest / 10_000) | 0;
  const tail = rest - middle * 10_000;
  putFixed(buf, pos, head, 3);
  if (!spaced) {
    putFixed(buf, pos + 3, middle, 3);
    putFixed(buf, pos + 6, tail, 4);
    return pos + 10;
  }
  buf[pos + 3] = 32;
  putFixed(buf, pos + 4, middle, 3);
  buf[pos + 7] = 32;
  putFixed(buf, pos + 8, tail, 4);
  return pos + 12;
}
