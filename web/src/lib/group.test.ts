import { describe, expect, it } from 'vitest';
import { sortDescending, sumBy } from './group.js';

describe('sumBy and sortDescending', () => {
  const rows = [
    { k: 'b', n: 1, m: 10 },
    { k: 'a', n: 2, m: 20 },
    { k: 'b', n: 3, m: 30 },
    { k: 'c', n: 4, m: 0 },
  ];

  it('sums each field per group, groups in order of first appearance', () => {
    expect(sumBy(rows, 'key', (r) => r.k, { n: (r) => r.n, m: (r) => r.m })).toEqual([
      { key: 'b', n: 4, m: 40 },
      { key: 'a', n: 2, m: 20 },
      { key: 'c', n: 4, m: 0 },
    ]);
    expect(sumBy([], 'key', (r: { k: string }) => r.k, { n: () => 1 })).toEqual([]);
  });

  it('sorts largest first and keeps the order of ties', () => {
    const sums = sumBy(rows, 'key', (r) => r.k, { n: (r) => r.n });
    expect(sortDescending(sums, 'n').map((g) => g.key)).toEqual(['b', 'c', 'a']);
    expect(sums.map((g) => g.key)).toEqual(['b', 'a', 'c']); // not sorted in place
  });
});
