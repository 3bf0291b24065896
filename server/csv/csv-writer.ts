/**
 * Writing CSV as RFC 4180 (and the export contract) has it: a field is quoted only when it holds a
 * comma, a double quote or a line break, and a quote inside a quoted field is doubled. Everything
 * else is written as it is, so a file of plain codes and numbers stays byte-for-byte unquoted.
 * Line ends are the caller's: the metric export writes CRLF as RFC 4180 says, export batches LF.
 */

const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export type LineEnd = '\n' | '\r\n';

/** One record: each value written by csvCell, separated by commas, then the line end. */
export function csvLine(values: readonly string[], lineEnd: LineEnd): string {
  return values.map(csvCell).join(',') + lineEnd;
}
