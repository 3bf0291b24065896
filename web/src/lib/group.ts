// Small reshaping helpers in plain functions. (arquero, the choice for client-side
// reshaping, compiles every expression — rollups, orderings, even `objects()` — with
// `new Function`, which a Content-Security-Policy without 'unsafe-eval' forbids; upstream:
// uwdata/arquero#361. The dashboard's reshaping is a few group-and-sum steps, so it is done here.)

/**
 * Rows grouped by one field, with the named numeric fields summed per group. Groups come in the
 * order their key first appears; values that are not finite numbers are skipped, as in SQL's SUM.
 */
export function sumBy<T extends object, K extends keyof T & string, F extends keyof T & string>(
  rows: readonly T[],
  key: K,
  fields: readonly F[],
): Array<{ [P in K]: T[K] } & { [P in F]: number }> {
  const groups = new Map<unknown, Record<string, unknown>>();
  for (const row of rows) {
    const k = row[key];
    let g = groups.get(k);
    if (!g) {
      g = { [key]: k };
      for (const f of fields) g[f] = 0;
      groups.set(k, g);
    }
    for (const f of fields) {
      const v = row[f];
      if (typeof v === 'number' && Number.isFinite(v)) g[f] = (g[f] as number) + v;
    }
  }
  return [...groups.values()] as Array<{ [P in K]: T[K] } & { [P in F]: number }>;
}

/** A copy sorted by a numeric field, largest first (ties keep their order). */
export function descendingBy<T, F extends keyof T>(rows: readonly T[], field: F): T[] {
  return [...rows].sort((a, b) => (b[field] as number) - (a[field] as number));
}
