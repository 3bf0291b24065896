import type { Cell, ResultColumn } from '../../api/sql.js';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL|REAL)/i;
const TEMPORAL = /^(DATE|TIMESTAMP)/i;

export const isNumeric = (c: ResultColumn): boolean => NUMERIC.test(c.type);
export const isTemporal = (c: ResultColumn): boolean => TEMPORAL.test(c.type);

/** A cell as text: NULL for null, JSON for lists and structs, numbers as the server sent them. */
export function cellText(v: Cell): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A cell as a number for a chart (big integers come as text), or null. */
export function cellNumber(v: Cell): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** A DATE or TIMESTAMP cell as a Date for a chart, or null. */
export function cellDate(v: Cell): Date | null {
  if (typeof v !== 'string') return null;
  // '2026-02-28', '2026-02-28 10:00:00', '2026-02-28 10:00:00+00'
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}
