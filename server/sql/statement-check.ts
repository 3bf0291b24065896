/**
 * Which SQL the workbench runs: exactly one statement, and only a query. Decided by DuckDB's own
 * parser, never by looking at the text: json_serialize_sql serialises SELECT statements only (a
 * PRAGMA, which the prepared statement reports as a SELECT, SET, CALL, EXPLAIN, ATTACH, COPY, DDL
 * and DML all fail it) and says where a syntax error is; the prepared statement's type is checked
 * too. DESCRIBE, SHOW and SUMMARIZE are queries in DuckDB and allowed.
 */
import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';

/** On success, the statement prepared (parsed and bound once): run it, do not parse the text again. */
export type Verdict = { ok: true; prepared: DuckDBPreparedStatement } | { ok: false; code: 'refused' | 'syntax'; message: string; position?: number };

const ONLY_QUERIES = 'Only a query can run here: one SELECT (or WITH … SELECT, FROM …, DESCRIBE, SHOW, SUMMARIZE). The data is read-only.';

export async function checkStatement(conn: DuckDBConnection, sql: string): Promise<Verdict> {
  if (!sql.trim()) return { ok: false, code: 'refused', message: 'Write a query first.' };
  const serialised = (await conn.runAndReadAll(`SELECT json_serialize_sql($sql::VARCHAR)`, { sql })).getRows()[0]?.[0];
  const parsed = JSON.parse(String(serialised)) as
    | { error: true; error_type: string; error_message: string; position?: string }
    | { error: false; statements: unknown[] };
  if (parsed.error) {
    if (parsed.error_type === 'parser') {
      const position = parsed.position === undefined ? undefined : Number(parsed.position);
      return { ok: false, code: 'syntax', message: `Syntax error: ${parsed.error_message}`, ...(Number.isFinite(position) ? { position } : {}) };
    }
    return { ok: false, code: 'refused', message: ONLY_QUERIES };
  }
  if (parsed.statements.length !== 1) {
    return { ok: false, code: 'refused', message: `Exactly one statement can run at a time; this has ${parsed.statements.length}. Select the one to run.` };
  }
  const extracted = await conn.extractStatements(sql);
  if (extracted.count !== 1) return { ok: false, code: 'refused', message: `Exactly one statement can run at a time; this has ${extracted.count}.` };
  const prepared = await extracted.prepare(0);
  if (prepared.statementType !== StatementType.SELECT) {
    prepared.destroySync();
    return { ok: false, code: 'refused', message: ONLY_QUERIES };
  }
  return { ok: true, prepared };
}
