// Group-by and sum for the few places the dashboard reshapes rows in the browser. Plain code, no
// expression compiler: the Content-Security-Policy allows no 'unsafe-eval' (server/security-policy.ts).
import type { Row } from '../api/types.js';

/**
 * Rows grouped by `key` with each field of `sums` added up per group (in row order), one object
 * per group in order of first appearance: `{ [keyName]: key, ...sums }`.
 */
export function sumBy<T, K extends string, S extends string>(
  rows: readonly T[],
  keyName: K,
  key: (row: T) => string,
  sums: Record<S, (row: T) => number>,
): Array<Record<K, string> & Record<S, number>> {
  const fields = Object.keys(sums) as S[];
  const groups = new Map<string, Record<string, string | number>>();
  for (const row of rows) {
    const k = key(row);
    let g = groups.get(k);
    if (!g) {
      g = { [keyName]: k };
      for (const f of fields) g[f] = 0;
      groups.set(k, g);
    }
    for (const f of fields) (g[f] as number) += sums[f](row);
  }
  return [...groups.values()] as Array<Record<K, string> & Record<S, number>>;
}

/** Largest first by `field`; ties keep their order. Returns a new array. */
export function sortDescending<T extends Record<F, number>, F extends string>(rows: readonly T[], field: F): T[] {
  return [...rows].sort((a, b) => b[field] - a[field]);
}

/**
 * Published counts added up over the periods of the dates chosen, per `key` (counts in disjoint
 * periods or cohorts add up: the Funnel's steps, Engagement's events by feature): the one rule of
 * a total over the dates worked out in the browser. Only published cells are added: a cell hidden
 * by the small-number rule counts as nothing and is counted in `hidden`, so the card can say its
 * totals are at least the figures shown (a server total beside the published periods would let
 * the hidden cells be worked out by subtraction). Groups in order of first appearance.
 */
export function sumOverDates<R extends Row, C extends string>(
  rows: readonly R[],
  key: (row: R) => string,
  columns: readonly C[],
): { totals: Array<Record<'key', string> & Record<C, number>>; hidden: number } {
  let hidden = 0;
  for (const r of rows) for (const c of columns) if (r._suppressed?.includes(c)) hidden += 1;
  const cell = (c: C) => (r: R) => {
    const v = r[c];
    return typeof v === 'number' && !r._suppressed?.includes(c) ? v : 0;
  };
  const sums = Object.fromEntries(columns.map((c) => [c, cell(c)])) as Record<C, (r: R) => number>;
  return { totals: sumBy(rows, 'key', key, sums), hidden };
}
