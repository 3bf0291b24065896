/**
 * The pseudonym computed inside DuckDB (for speed) must be exactly HMAC-SHA-256 as RFC 2104
 * defines it — the same value any other tool computing HMAC-SHA-256 with the key would get —
 * and the Modulus-11 check in SQL must accept and reject what the NHS rule does.
 */
import { createHmac } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { hmacSql, keyFingerprint, pseudonymOf, type PseudonymKey } from './pseudonymise.js';
import { modulus11Valid } from './validation-sql.js';

function keyOf(text: string): PseudonymKey {
  const bytes = Buffer.from(text, 'utf8');
  return { bytes, source: 'option', fingerprint: keyFingerprint(bytes) };
}

async function sqlValue(sql: string): Promise<unknown> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRows()[0]![0];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describe('the pseudonym', () => {
  it('equals RFC 2104 HMAC-SHA-256, for a short key and for a key longer than the 64-byte block', async () => {
    for (const keyText of ['a-sixteen-char-key!', 'k'.repeat(100)]) {
      const key = keyOf(keyText);
      const expected = createHmac('sha256', Buffer.from(keyText)).update('9434765919').digest('hex');
      expect(await sqlValue(`SELECT ${hmacSql(key, `'9434765919'`)}`)).toBe(expected);
      expect(pseudonymOf(key, '943 476 5919')).toBe(expected);
    }
  });

  it('differs between keys, and the key fingerprint differs too', () => {
    const a = keyOf('first-key-0123456789');
    const b = keyOf('second-key-0123456789');
    expect(pseudonymOf(a, '9434765919')).not.toBe(pseudonymOf(b, '9434765919'));
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });
});

describe('the Modulus-11 check in SQL', () => {
  // 943 476 591 → 9·10 + 4·9 + 3·8 + 4·7 + 7·6 + 6·5 + 5·4 + 9·3 + 1·2 = 299; 299 mod 11 = 2;
  // 11 − 2 = 9 = the check digit, so 9434765919 is valid and 9434765918 is not.
  // 401 023 213 → 4·10 + 0 + 1·8 + 0 + 2·6 + 3·5 + 2·4 + 1·3 + 3·2 = 92; 92 mod 11 = 4; 11 − 4 = 7.
  // 000 000 060 → 6·3 = 18; 18 mod 11 = 7; 11 − 7 = 4.
  // 100 000 001 → 1·10 + 1·2 = 12; 12 mod 11 = 1; 11 − 1 = 10, a check digit no number can carry.
  const cases: Array<[string, boolean]> = [
    ['9434765919', true],
    ['9434765918', false],
    ['4010232137', true],
    ['0000000604', true],
    ['1000000010', false],
    ['943476591', false],
    ['94347659190', false],
    ['94347x5919', false],
    ['+434765919', false],
    ['9434765919 ', false],
    ['943476591٩', false],
  ];
  it.each(cases)('%s → %s', async (number, valid) => {
    expect(await sqlValue(`SELECT ${modulus11Valid(`'${number}'`)}`)).toBe(valid);
  });
});

describe('the Modulus-11 check in SQL, against the rule written out digit by digit', () => {
  /** The NHS rule as published: weights 10..2, check = 11 − (sum mod 11), 11 → 0, 10 → invalid. */
  const byTheRule = (digits: string): boolean => {
    const sum = [...digits.slice(0, 9)].reduce((total, d, i) => total + Number(d) * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) return false;
    return (check === 11 ? 0 : check) === Number(digits[9]);
  };

  it('agrees on every check digit of 500 pseudo-random nine-digit prefixes (and on 0000000000)', async () => {
    let seed = 20261125;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const numbers = ['0000000000'];
    for (let i = 0; i < 500; i++) {
      const prefix = String(next() % 1_000_000_000).padStart(9, '0');
      for (let check = 0; check <= 9; check++) numbers.push(`${prefix}${check}`);
    }
    const answer = await sqlValue(
      `SELECT list(${modulus11Valid('n')} ORDER BY i) FROM (SELECT unnest(['${numbers.join("','")}']) AS n, generate_subscripts(['${numbers.join("','")}'], 1) AS i)`,
    );
    const fromSql = (answer as { items: boolean[] }).items;
    expect(fromSql).toEqual(numbers.map(byTheRule));
    expect(fromSql.filter(Boolean).length).toBeGreaterThan(400);
  });
});
