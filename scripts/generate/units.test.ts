import { describe, expect, it } from 'vitest';
import { Calendar } from './calendar.js';
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
