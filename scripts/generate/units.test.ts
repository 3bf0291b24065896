import { describe, expect, it } from 'vitest';
import { putNhs, putUint } from './ascii.js';
import { Calendar } from './calendar.js';
import { EventRow } from './event-row.js';
import { checkDigit, invalidVariant, isValidNhsNumber, nhsNumberFor, spaced } from './nhs-number.js';
import { Rng } from './rng.js';

describe('NHS numbers', () => {
  it('computes the Modulus-11 check digit of the contract example 943 476 5919', () => {
    // 9·10 + 4·9 + 3·8 + 4·7 + 7·6 + 6·5 + 5·4 + 9·3 + 1·2 = 299; 299 mod 11 = 2; 11 − 2 = 9
    expect(checkDigit(943476591)).toBe(9);
    expect(isValidNhsNumber('943 476 5919')).toBe(true);
    expect(isValidNhsNumber('9434765918')).toBe(false);
  });

  it('knows prefixes that cannot form a number (check digit 10) and maps 11 to 0', () => {
    // 100000001: 1·10 + 1·2 = 12; 12 mod 11 = 1; 11 − 1 = 10 → no valid number
    expect(checkDigit(100000001)).toBeUndefined();
    // 100000010: 1·10 + 1·3 = 13; 13 mod 11 = 2 → 9
    expect(checkDigit(100000010)).toBe(9);
    // 401023213: 40 + 0 + 8 + 0 + 12 + 15 + 8 + 3 + 6 = 92; 92 mod 11 = 4 → 7
    expect(checkDigit(401023213)).toBe(7);
    // 200000001: 2·10 + 1·2 = 22 ≡ 0 (mod 11) → 11 → 0
    expect(checkDigit(200000001)).toBe(0);
  });

  it('gives every patient a distinct valid number, and spoils one on request', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const n = nhsNumberFor(i, 12_345);
      expect(n).toMatch(/^[4-8]\d{9}$/);
      seen.add(n);
    }
    expect(seen.size).toBe(20_000);
    const n = nhsNumberFor(7, 0);
    expect(isValidNhsNumber(n)).toBe(true);
    expect(isValidNhsNumber(invalidVariant(n))).toBe(false);
    expect(invalidVariant(n).slice(0, 9)).toBe(n.slice(0, 9));
    expect(spaced('9434765919')).toBe('943 476 5919');
  });
});

describe('Calendar', () => {
  it('writes UK summer time with +01:00 from 01:00Z on the last Sunday of March 2026', () => {
    // History of 300 days ending 2026-11-23 starts 2026-01-27; 29 March is day 61.
    const cal = new Calendar('2026-11-23', 300);
    expect(cal.dateOf(0)).toBe('2026-01-27');
    const march29 = 61 * 86_400;
    expect(cal.dateOf(61)).toBe('2026-03-29');
    expect(cal.formatLocal(march29 + 3_599)).toBe('2026-03-29T00:59:59+00:00');
    expect(cal.formatLocal(march29 + 3_600)).toBe('2026-03-29T02:00:00+01:00');
    expect(cal.formatUtc(march29 + 3_600)).toBe('2026-03-29T01:00:00Z');
    // 25 October 2026 (day 271): 00:59:59Z is 01:59:59 BST; 01:00Z is back to GMT.
    const oct25 = 271 * 86_400;
    expect(cal.dateOf(271)).toBe('2026-10-25');
    expect(cal.formatLocal(oct25 + 3_599)).toBe('2026-10-25T01:59:59+01:00');
    expect(cal.formatLocal(oct25 + 3_600)).toBe('2026-10-25T01:00:00+00:00');
  });

  it('cuts weeks back from the end date and months on calendar months; batch ids are delivery times', () => {
    const weeks = new Calendar('2026-11-23', 10).periods('week');
    expect(weeks.map((p) => [p.startSec / 86_400, p.endSec / 86_400, p.batchId])).toEqual([
      [0, 3, '2026-11-16T02-00Z'],
      [3, 10, '2026-11-23T02-00Z'],
    ]);
    // 45 days to 2026-11-23 start on 2026-10-09: October's remainder, then November to the 22nd.
    const months = new Calendar('2026-11-23', 45).periods('month');
    expect(months.map((p) => [p.startSec / 86_400, p.endSec / 86_400, p.batchId])).toEqual([
      [0, 23, '2026-11-01T02-00Z'],
      [23, 45, '2026-11-23T02-00Z'],
    ]);
    expect(new Calendar('2026-11-23', 3).periods('day').map((p) => p.batchId)).toEqual([
      '2026-11-21T02-00Z',
      '2026-11-22T02-00Z',
      '2026-11-23T02-00Z',
    ]);
  });
});

describe('Rng', () => {
  it('is reproducible from a key and independent of earlier draws', () => {
    const a = new Rng(1).reseed(5, 6, 7);
    const first = [a.next(), a.next(), a.next()];
    const b = new Rng(99);
    b.next();
    b.reseed(5, 6, 7);
    expect([b.next(), b.next(), b.next()]).toEqual(first);
  });

  it('draws Poisson counts with the requested mean', () => {
    const rng = new Rng(3);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += rng.poisson(2.5);
    expect(sum / 20_000).toBeGreaterThan(2.45);
    expect(sum / 20_000).toBeLessThan(2.55);
  });
});

describe('rows written straight into bytes', () => {
  const ascii = (write: (buf: Uint8Array, pos: number) => number): string => {
    const buf = new Uint8Array(300).fill(35); // '#' marks bytes not written
    const end = write(buf, 5);
    return Buffer.from(buf.subarray(5, end)).toString('latin1');
  };

  it('writes integers as String() does and NHS numbers in both spellings', () => {
    expect(ascii((b, p) => putUint(b, p, 0))).toBe('0');
    expect(ascii((b, p) => putUint(b, p, 9))).toBe('9');
    expect(ascii((b, p) => putUint(b, p, 10))).toBe('10');
    expect(ascii((b, p) => putUint(b, p, 2_299_999))).toBe('2299999');
    expect(ascii((b, p) => putUint(b, p, 2_147_483_647))).toBe('2147483647');
    expect(() => putUint(new Uint8Array(20), 0, -1)).toThrow(RangeError);
    expect(ascii((b, p) => putNhs(b, p, 9_434_765_919, false))).toBe('9434765919');
    expect(ascii((b, p) => putNhs(b, p, 9_434_765_919, true))).toBe('943 476 5919');
    // Zeros inside each group are kept: 400 000 0000 + check digit layout.
    expect(ascii((b, p) => putNhs(b, p, 4_000_001_000, true))).toBe('400 000 1000');
  });

  it('writes timestamps byte for byte as the string formatter, across both clock changes', () => {
    // Same history as above: 29 March 2026 is day 61, 25 October day 271.
    const cal = new Calendar('2026-11-23', 300);
    const march29 = 61 * 86_400;
    expect(ascii((b, p) => cal.putStyled(b, p, march29 + 3_600, true))).toBe('2026-03-29T02:00:00+01:00');
    expect(ascii((b, p) => cal.putStyled(b, p, march29 + 3_599, true))).toBe('2026-03-29T00:59:59+00:00');
    expect(ascii((b, p) => cal.putStyled(b, p, march29 + 3_600, false))).toBe('2026-03-29T01:00:00Z');
    // 23:59:59 local on 25 October (GMT again): the last second of day 271.
    expect(ascii((b, p) => cal.putStyled(b, p, 272 * 86_400 - 1, true))).toBe('2026-10-25T23:59:59+00:00');
    for (let sec = 0; sec < 300 * 86_400; sec += 7_919) {
      for (const local of [false, true]) {
        expect(ascii((b, p) => cal.putStyled(b, p, sec, local))).toBe(cal.formatStyled(sec, local));
      }
    }
  });

  it('encodes an event row as its values joined by commas', () => {
    const cal = new Calendar('2026-11-23', 300);
    const row = new EventRow('use', 3, 3, cal);
    row.ids[0] = 12;
    row.ids[1] = 345_678;
    row.ids[2] = 0;
    row.sec = 61 * 86_400 + 3_600 + 62; // 2026-03-29 01:01:02Z = 02:01:02 BST
    row.local = true;
    row.nhs = 9_434_765_919;
    row.nhsSpaced = true;
    row.codes[0] = '';
    row.codes[1] = 'login';
    row.codes[2] = 'ios';
    const expected = 'use-12-345678-0,2026-03-29T02:01:02+01:00,943 476 5919,,login,ios';
    expect(row.values().join(',')).toBe(expected);
    expect(ascii((b, p) => row.encodeCsv(b, p))).toBe(expected);
  });
});

describe('Poisson shortcut', () => {
  it('gives exactly the counts of the plain multiply-until-below-e^-mean method', () => {
    const plain = (rng: Rng, mean: number): number => {
      const limit = Math.exp(-mean);
      let k = 0;
      let p = rng.next();
      while (p > limit) {
        k++;
        p *= rng.next();
      }
      return k;
    };
    // Means from 1e-12 (where 1 - mean and e^-mean are one rounding apart) to 29.
    for (const mean of [1e-12, 1e-9, 3e-7, 0.0004, 0.02, 0.3, 1, 4.5, 29]) {
      const a = new Rng(0).reseed(11, Math.round(mean * 1e6));
      const b = new Rng(0).reseed(11, Math.round(mean * 1e6));
      for (let i = 0; i < 5_000; i++) expect(a.poisson(mean)).toBe(plain(b, mean));
    }
  });
});
