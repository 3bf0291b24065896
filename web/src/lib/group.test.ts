import { describe, expect, it } from 'vitest';
import { descendingBy, sumBy } from './group.js';

describe('sumBy', () => {
  it('adds up each field per key, keys in the order they first appear', () => {
    const rows = [
      { type: 'repeat_prescription', count: 10, central: 25.5 },
      { type: 'appointment', count: 3, central: 90 },
      { type: 'repeat_prescription', count: 5, central: 12.75 },
    ];
    // repeat_prescription: 10 + 5 = 15 and 25.5 + 12.75 = 38.25; appointment alone.
    expect(sumBy(rows, 'type', ['count', 'central'])).toEqual([
      { type: 'repeat_prescription', count: 15, central: 38.25 },
      { type: 'appointment', count: 3, central: 90 },
    ]);
  });

  it('skips values that are not numbers, as SQL SUM skips NULL', () => {
    const rows = [
      { org: 'A', events: 4 as number | null },
      { org: 'A', events: null },
      { org: 'B', events: Number.NaN },
    ];
    expect(sumBy(rows, 'org', ['events'])).toEqual([
      { org: 'A', events: 4 },
      { org: 'B', events: 0 },
    ]);
  });

  it('gives no groups for no rows', () => {
    expect(sumBy([] as Array<{ k: string; n: number }>, 'k', ['n'])).toEqual([]);
  });
});

describe('descendingBy', () => {
  it('puts the largest first and keeps tied rows in order, without changing the input', () => {
    const rows = [
      { k: 'a', n: 1 },
      { k: 'b', n: 3 },
      { k: 'c', n: 1 },
    ];
    expect(descendingBy(rows, 'n').map((r) => r.k)).toEqual(['b', 'a', 'c']);
    expect(rows.map((r) => r.k)).toEqual(['a', 'b', 'c']);
  });
});
