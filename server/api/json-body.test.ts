import { describe, expect, it } from 'vitest';
import { jsonWithRows } from './json-body.js';

const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as unknown;
const rowsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ i, name: `Practice ${i} – “quoted”`, v: i % 3 === 0 ? null : i / 4 }));

describe('a JSON answer built a slice of rows at a time', () => {
  it('is exactly {...head, rows} for no rows, one slice, a slice boundary and several slices', () => {
    const head = { metric: 'uptake', rule: '1–7 suppressed', nested: { a: [1, 2] } };
    // slices are 256 rows: 0, 1, 256 (one full slice), 257 (one more), 1,000 (four slices)
    for (const n of [0, 1, 256, 257, 1000]) {
      const rows = rowsOf(n);
      expect(decode(jsonWithRows(head, rows)), `${n} rows`).toEqual({ ...head, rows });
    }
  });

  it('keeps rows last and works without a head', () => {
    expect(new TextDecoder().decode(jsonWithRows({ a: 1 }, [{ b: 2 }]))).toBe('{"a":1,"rows":[{"b":2}]}');
    expect(new TextDecoder().decode(jsonWithRows({}, []))).toBe('{"rows":[]}');
  });

  it('is byte for byte what JSON.stringify writes, and a later answer never changes an earlier one', () => {
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const head = { metric: 'consent' };
    // 20,000 rows of ~60 bytes: more than the first 1 MB of working space, so it has to grow
    const big = rowsOf(20_000);
    const first = jsonWithRows(head, big);
    expect(text(first)).toBe(JSON.stringify({ ...head, rows: big }));
    const second = jsonWithRows(head, rowsOf(2));
    expect(text(second)).toBe(JSON.stringify({ ...head, rows: rowsOf(2) }));
    expect(text(first)).toBe(JSON.stringify({ ...head, rows: big }));
  });
});
