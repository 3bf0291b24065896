/**
 * The importer finds patients by a key computed in JavaScript from precomputed HMAC states; it must
 * be bit for bit the first 128 bits of the pseudonym that node:crypto and the SQL (hmacSql)
 * compute, or a returning patient would silently become a new one.
 */
import { createHmac } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacSql, keyFingerprint, type PseudonymKey } from './pseudonymise.js';
import { hmacStates, KEY_WORDS, pseudonymKeyWords, pseudonymKeyWordsParallel } from './pseudonym-keys.js';

function keyOf(text: string): PseudonymKey {
  const bytes = Buffer.from(text, 'utf8');
  return { bytes, source: 'option', fingerprint: keyFingerprint(bytes) };
}

const digitsOf = (n: number) => String(n).padStart(10, '0');
const expectedKey = (key: PseudonymKey, n: number) => createHmac('sha256', key.bytes).update(digitsOf(n)).digest('hex').slice(0, 32);
const hexOf = (words: Uint32Array, index: number) =>
  Array.from(words.subarray(index * KEY_WORDS, (index + 1) * KEY_WORDS), (w) => w.toString(16).padStart(8, '0')).join('');

/** Keys shorter than, exactly, and longer than SHA-256's 64-byte block (a longer one is hashed first). */
const KEYS = ['a-sixteen-char-key!', 'b'.repeat(64), 'k'.repeat(100), 'clé-non-ascii-✓-0123'].map(keyOf);

describe('a patient lookup key', () => {
  it('is the first 128 bits of HMAC-SHA-256 of the ten digits, leading zeros included, for every kind of key', () => {
    const numbers = [0, 604, 9434765919, 4010232137, 9999999999, 1, 100000, 99999];
    for (const key of KEYS) {
      const words = pseudonymKeyWords(hmacStates(key), numbers);
      expect(words.length).toBe(numbers.length * KEY_WORDS);
      for (const [i, n] of numbers.entries()) expect(hexOf(words, i)).toBe(expectedKey(key, n));
    }
  });

  it('agrees with node:crypto on any ten-digit number', () => {
    const key = KEYS[0]!;
    const states = hmacStates(key);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9_999_999_999 }), { minLength: 1, maxLength: 50 }), (numbers) => {
        const words = pseudonymKeyWords(states, numbers);
        return numbers.every((n, i) => hexOf(words, i) === expectedKey(key, n));
      }),
      { numRuns: 200 },
    );
  });

  it('is the prefix of the pseudonym DuckDB computes with hmacSql', async () => {
    const key = KEYS[2]!;
    const numbers = [604, 9434765919, 4010232137, 1234567890];
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const rows = (await conn.runAndReadAll(`SELECT left(${hmacSql(key, `lpad(CAST(n AS VARCHAR), 10, '0')`)}, 32) FROM unnest([${numbers.join(', ')}]) t(n)`)).getRows();
      const words = pseudonymKeyWords(hmacStates(key), numbers);
      expect(rows.map((r) => r[0])).toEqual(numbers.map((_, i) => hexOf(words, i)));
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });

  it('is nothing for no numbers', async () => {
    expect(pseudonymKeyWords(hmacStates(KEYS[0]!), []).length).toBe(0);
    expect((await pseudonymKeyWordsParallel(hmacStates(KEYS[0]!), new Float64Array(0))).length).toBe(0);
  });

  it('is the same when a long list is shared among worker threads, each key in its number\'s place', async () => {
    const key = KEYS[3]!;
    const states = hmacStates(key);
    // 150,001 numbers over three threads: parts of 50,001, 50,001 and 49,999.
    const numbers = Float64Array.from({ length: 150_001 }, (_, i) => (i * 66_667 + 604) % 10_000_000_000);
    const inParallel = await pseudonymKeyWordsParallel(states, numbers, 3);
    expect(Buffer.from(inParallel.buffer).equals(Buffer.from(pseudonymKeyWords(states, numbers).buffer))).toBe(true);
    for (const i of [0, 50_000, 50_001, 100_002, 150_000]) expect(hexOf(inParallel, i)).toBe(expectedKey(key, numbers[i]!));
  });

  it('is the same when a list too short to share is hashed by one worker', async () => {
    const key = KEYS[0]!;
    const states = hmacStates(key);
    const numbers = Float64Array.from({ length: 30_000 }, (_, i) => 4_000_000_000 + i * 7_919);
    const inWorker = await pseudonymKeyWordsParallel(states, numbers, 2);
    expect(Buffer.from(inWorker.buffer).equals(Buffer.from(pseudonymKeyWords(states, numbers).buffer))).toBe(true);
    expect(hexOf(inWorker, 29_999)).toBe(expectedKey(key, numbers[29_999]!));
  });
});
