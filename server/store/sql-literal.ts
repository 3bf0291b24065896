/**
 * A text value as a SQL string literal, for the few places where a value cannot be a bound
 * parameter (DuckDB's COPY and read_* take file names only as literals; DDL and ENUM types take
 * no parameters). Doubling the single quote is all a standard SQL string needs: DuckDB treats
 * backslashes in '…' literals as ordinary characters.
 */
export function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
