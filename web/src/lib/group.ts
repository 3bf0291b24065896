// Group-by and sum for the few places the dashboard reshapes rows in the browser. Plain code, no
// expression compiler: the Content-Security-Policy allows no 'unsafe-eval' (server/security-policy.ts).

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
