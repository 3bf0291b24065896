/**
 * Last line of defence for logs, errors and stored messages: nothing that looks like an NHS number
 * (10 digits, possibly spaced 3-3-4) leaves the importer, and DuckDB's habit of echoing the
 * offending CSV line ("Original Line: …") is cut out, since that line holds patient data.
 */
const NHS_LIKE = /\d(?:[ -]?\d){9,}/g;
const ECHOED_LINES = /^\s*(Original Line|LINE \d+|csv_line)\b.*$/gim;
const KEY_MATERIAL = /[0-9a-f]{64,}/gi;

export function redact(text: string): string {
  return text.replace(ECHOED_LINES, '').replace(KEY_MATERIAL, '[redacted]').replace(NHS_LIKE, '[redacted]').replace(/\n{2,}/g, '\n').trim();
}

/** The first useful line of a DuckDB error, redacted: enough to act on, nothing identifying. */
export function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const firstLines = message.split('\n').slice(0, 3).join('\n');
  return redact(firstLines);
}
