/**
 * A workbench result marked for publication: the NHS disclosure rule of the metrics
 * (server/metrics/disclosure.ts, protectCount) applied to the columns the analyst declares as
 * counts of people, and every other numeric column refused unless declared a dimension (a year, a
 * decile): an average, a sum or a ratio over a few patients could identify them, and nothing here
 * can tell what a free-form column was derived from. Row-level identifiers are refused outright.
 */
import { protectCount } from '../metrics/disclosure.js';
import type { Cell, ResultColumn } from './protocol.js';

export interface PublicationSpec {
  /** Columns holding counts of people: 0 shown, 1–7 suppressed, others rounded to the nearest 5. */
  counts: string[];
  /** Numeric columns that are categories, not measures (e.g. imd_decile, birth_year): shown as they are. */
  dimensions?: string[];
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/i;

export class PublicationRefusal extends Error {
  override name = 'PublicationRefusal';
}

export interface ProtectedSqlRow {
  cells: Cell[];
  /** Names of the cells suppressed (null in cells; '*' in CSV). */
  suppressed: string[];
}

/** Checks the columns against the declaration; returns how each row is protected. */
export function publicationPlan(columns: readonly ResultColumn[], spec: PublicationSpec): (row: readonly Cell[]) => ProtectedSqlRow {
  const names = columns.map((c) => c.name);
  const unknown = [...spec.counts, ...(spec.dimensions ?? [])].filter((n) => !names.includes(n));
  if (unknown.length) throw new PublicationRefusal(`Declared column(s) not in the result: ${unknown.join(', ')}. The result has: ${names.join(', ')}.`);
  if (new Set(names).size !== names.length) throw new PublicationRefusal('Give every column of a result for publication its own name (AS …).');
  const identifiers = names.filter((n) => /(^|_)(patient_id|pseudonym|event_id)$/i.test(n));
  if (identifiers.length) throw new PublicationRefusal(`A result for publication must be aggregated: it has row-level identifier column(s) ${identifiers.join(', ')}.`);
  const undeclared = columns.filter((c) => NUMERIC.test(c.type) && !spec.counts.includes(c.name) && !(spec.dimensions ?? []).includes(c.name)).map((c) => c.name);
  if (undeclared.length) {
    throw new PublicationRefusal(
      `Numeric column(s) ${undeclared.join(', ')} are neither declared counts of people nor dimensions. A sum, average or ratio over a few ` +
        'patients could identify them: publish counts (declared as such) and compute rates from the published counts, or declare a ' +
        'numeric category (a year, a decile) as a dimension.',
    );
  }
  const nonNumericCounts = columns.filter((c) => spec.counts.includes(c.name) && !NUMERIC.test(c.type)).map((c) => c.name);
  if (nonNumericCounts.length) throw new PublicationRefusal(`Declared count column(s) ${nonNumericCounts.join(', ')} are not numbers.`);
  const isCount = columns.map((c) => spec.counts.includes(c.name));
  return (row) => {
    const suppressed: string[] = [];
    const cells = row.map((cell, i) => {
      if (!isCount[i] || cell === null) return cell;
      const n = Number(cell);
      if (!Number.isInteger(n) || n < 0) throw new PublicationRefusal(`Column ${names[i]} is declared a count of people but holds ${String(cell)}.`);
      const shown = protectCount(n, 'people');
      if (shown === null) suppressed.push(names[i]!);
      return shown;
    });
    return { cells, suppressed };
  };
}
