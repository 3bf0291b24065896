/**
 * Statistical disclosure control, applied to every metric result before it leaves the server.
 *
 * The NHS Digital rule for sub-national statistics, driven by each column's metadata:
 * - counts of people: 0 stays 0, 1–7 is suppressed, anything else is rounded to the nearest 5;
 * - rates and other derived values are recomputed from the rounded figures, and suppressed when
 *   any figure they come from is;
 * - means and medians over fewer than 8 people are suppressed.
 * Counts of events (logins, items received, …) are not counts of people, but a handful of events
 * can only come from a handful of people, so 1–7 is suppressed there too; larger event counts are
 * shown exactly (they say how much happened, not to whom).
 *
 * And beyond it, complementary suppression: wherever the response holds a total and the parts it
 * is made of (a breakdown's "All" row, or columns that add up), a group with exactly one
 * suppressed cell gets a second one suppressed (the smallest visible non-zero part, else the total),
 * so no suppressed cell can be recovered by subtracting the visible cells from the total.
 *
 * Pure: no I/O, no clock; rows in, protected rows out.
 */

/** A value; a list of numbers is a short series in one cell (e.g. a weekly trend). */
export type Cell = string | number | boolean | null | readonly (number | null)[];
export type RawRow = Record<string, Cell>;
/** _suppressed names the cells shown as null, and series cells with some values null. */
export type ProtectedRow = Record<string, Cell> & { _suppressed?: string[] };

const SMALLEST_SHOWN = 8;
const ROUND_TO = 5;
export const SUPPRESSION_RULE =
  'NHS Digital sub-national rule: counts of people 0 shown, 1–7 suppressed (*), others rounded to the nearest 5; ' +
  'rates computed from the rounded counts and suppressed when either is; means/medians over fewer than 8 people suppressed; ' +
  'event counts 1–7 suppressed; complementary suppression so no suppressed cell can be derived from a total in the same response.';

export type Protection =
  /** Dimensions, money, reference figures: passed through unchanged. */
  | { kind: 'none' }
  /** A count of distinct people. */
  | { kind: 'people' }
  /** A count of events or items. */
  | { kind: 'events' }
  /**
   * Derived from other columns of the same row. With `compute`, recomputed from their protected
   * (rounded) values; without, the query's value is kept. Suppressed when any input is suppressed.
   */
  | { kind: 'derived'; from: readonly string[]; compute?: (row: Readonly<ProtectedRow>) => Cell }
  /** A mean or median over the people counted (raw, before rounding) in column `n`. */
  | { kind: 'statistic'; n: string };

export interface ProtectedColumn {
  name: string;
  protect: Protection;
}

/** A set of cells where `total` = sum of `parts`, given as [row index, column name]. */
export interface AdditiveGroup {
  total: CellRef;
  parts: CellRef[];
}
type CellRef = readonly [row: number, column: string];

export interface ProtectedResult {
  rows: ProtectedRow[];
  /** Every cell shown as suppressed, complementary ones included. */
  suppressedCells: number;
  /** Cells suppressed only so that another suppressed cell cannot be recovered. */
  complementary: number;
}

function roundToFive(value: number): number {
  return Math.round(value / ROUND_TO) * ROUND_TO;
}

/** Protects one count: null when suppressed. */
export function protectCount(value: number, kind: 'people' | 'events'): number | null {
  if (value === 0) return 0;
  if (Math.abs(value) < SMALLEST_SHOWN) return null;
  return kind === 'people' ? roundToFive(value) : value;
}

/**
 * Applies the rule to `rows`. `groups` lists the additive relations present in this response
 * (see breakdownGroups / columnGroups); counts in them get complementary suppression.
 */
export function protectRows(
  rows: readonly RawRow[],
  columns: readonly ProtectedColumn[],
  groups: readonly AdditiveGroup[] = [],
): ProtectedResult {
  return protectRowsInPlace(rows.map((raw) => ({ ...raw })), columns, groups);
}

/**
 * protectRows without the copy, for rows made only to be protected (a metric's freshly read
 * result): answers of thousands of rows are protected in one pass over each column kind, with no
 * allocation for rows that keep every cell.
 */
export function protectRowsInPlace(
  rows: ProtectedRow[],
  columns: readonly ProtectedColumn[],
  groups: readonly AdditiveGroup[] = [],
): ProtectedResult {
  // Cells hidden per row, in the order they were hidden (undefined: none).
  const hidden: (string[] | undefined)[] = new Array(rows.length);
  // Series cells with some values hidden (the cell itself is shown).
  const partial: (string[] | undefined)[] = new Array(rows.length);
  let suppressedCells = 0;
  let complementary = 0;
  const isHidden = (r: number, column: string) => hidden[r]?.includes(column) ?? false;
  const hide = (r: number, column: string) => {
    rows[r]![column] = null;
    const list = hidden[r] ?? [];
    hidden[r] = list;
    list.push(column);
    suppressedCells += 1;
  };

  const counts = columns.filter((c) => c.protect.kind === 'people' || c.protect.kind === 'events');
  const derived = columns.filter((c) => c.protect.kind === 'derived');

  // 1. Primary suppression and rounding of counts; statistics over too few people. Column by
  // column (each loop reads one property name, which keeps property access fast on answers of
  // thousands of rows); in catalogue order, so a row's cells are still hidden in column order.
  for (const col of columns) {
    const p = col.protect;
    const name = col.name;
    if (p.kind === 'people' || p.kind === 'events') {
      const people = p.kind === 'people';
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        const value = row[name];
        if (value === null || value === undefined) continue;
        if (Array.isArray(value)) {
          // a series: each count protected on its own; the cell is named in _suppressed when any is
          let hiddenHere = 0;
          row[name] = value.map((v: number | null) => {
            if (v === null) return null;
            const shown = protectCount(v, p.kind);
            if (shown === null) hiddenHere += 1;
            return shown;
          });
          if (hiddenHere > 0) {
            const list = partial[i] ?? [];
            partial[i] = list;
            list.push(name);
            suppressedCells += hiddenHere;
          }
          continue;
        }
        const n = typeof value === 'number' ? value : Number(value);
        if (n === 0) row[name] = 0;
        else if (Math.abs(n) < SMALLEST_SHOWN) hide(i, name);
        else row[name] = people ? roundToFive(n) : n;
      }
    } else if (p.kind === 'statistic') {
      // n may already be protected here: still < 8 exactly when the raw count was (1-7 became
      // null, 0 stayed 0, 8 and more round to 10 and more).
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        if (row[name] === null || row[name] === undefined) continue;
        const n = row[p.n];
        if (n === null || n === undefined || Number(n) < SMALLEST_SHOWN) hide(i, name);
      }
    }
  }

  // 2. Complementary suppression until every additive group has 0 or >= 2 suppressed cells.
  const isCount = new Set(counts.map((c) => c.name));
  const countGroups = groups.filter((g) => isCount.has(g.total[1]) && g.parts.every(([, c]) => isCount.has(c)));
  const hiddenRef = ([r, c]: CellRef) => isHidden(r, c);
  let changed = countGroups.length > 0;
  while (changed) {
    changed = false;
    for (const group of countGroups) {
      let hiddenCount = hiddenRef(group.total) ? 1 : 0;
      for (const part of group.parts) if (hiddenRef(part)) hiddenCount += 1;
      if (hiddenCount !== 1) continue;
      const visibleParts = group.parts.filter((ref) => !hiddenRef(ref) && rows[ref[0]]![ref[1]] !== null);
      const nonZero = visibleParts
        .filter((ref) => Number(rows[ref[0]]![ref[1]]) !== 0)
        .sort((a, b) => Number(rows[a[0]]![a[1]]) - Number(rows[b[0]]![b[1]]));
      const pick = nonZero[0] ?? (hiddenRef(group.total) ? visibleParts[0] : group.total);
      if (!pick) continue;
      hide(pick[0], pick[1]);
      complementary += 1;
      changed = true;
    }
  }

  // 3. Derived values from the protected figures.
  if (derived.length > 0) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      for (const col of derived) {
        const p = col.protect as Extract<Protection, { kind: 'derived' }>;
        const h = hidden[i];
        if (h !== undefined && p.from.some((source) => h.includes(source))) {
          hide(i, col.name);
          continue;
        }
        if (p.compute) row[col.name] = p.compute(row);
      }
    }
  }

  for (let i = 0; i < rows.length; i++) {
    const h = hidden[i];
    const p = partial[i];
    if (h !== undefined || p !== undefined) rows[i]!._suppressed = p === undefined ? h : [...(h ?? []), ...p];
  }
  return { rows, suppressedCells, complementary };
}

/**
 * Additive groups of a breakdown: within each partition (rows equal on `partitionBy`), the row whose
 * `dimension` is `totalValue` is the sum of the other rows, for each of `countColumns`.
 */
export function breakdownGroups(
  rows: readonly RawRow[],
  partitionBy: readonly string[],
  dimension: string,
  totalValue: string,
  countColumns: readonly string[],
): AdditiveGroup[] {
  const partitions = new Map<string, { total?: number; parts: number[] }>();
  rows.forEach((row, i) => {
    const key = JSON.stringify(partitionBy.map((k) => row[k] ?? null));
    const entry = partitions.get(key) ?? { parts: [] };
    if (row[dimension] === totalValue) entry.total = i;
    else entry.parts.push(i);
    partitions.set(key, entry);
  });
  const groups: AdditiveGroup[] = [];
  for (const { total, parts } of partitions.values()) {
    if (total === undefined || parts.length === 0) continue;
    for (const column of countColumns) {
      groups.push({ total: [total, column], parts: parts.map((r) => [r, column] as const) });
    }
  }
  return groups;
}

/** Additive groups across columns: in every row, `total` = sum of `parts`. */
export function columnGroups(rowCount: number, total: string, parts: readonly string[]): AdditiveGroup[] {
  return Array.from({ length: rowCount }, (_, r) => ({
    total: [r, total] as const,
    parts: parts.map((c) => [r, c] as const),
  }));
}

/** A percentage (or other rate) from protected figures; null when either is missing or the base is 0. */
export function rate(numerator: Cell, denominator: Cell, scale = 100, decimals = 1): number | null {
  if (numerator === null || denominator === null) return null;
  const d = Number(denominator);
  if (!Number.isFinite(d) || d === 0) return null;
  const f = 10 ** decimals;
  return Math.round((Number(numerator) / d) * scale * f) / f;
}
