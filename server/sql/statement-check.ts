/**
 * Which SQL the workbench runs: exactly one statement, and only a query. Decided by DuckDB's own
 * parser, never by looking at the text: json_serialize_sql serialises SELECT statements only (a
 * PRAGMA, which the prepared statement reports as a SELECT, SET, CALL, EXPLAIN, ATTACH, COPY, DDL
 * and DML all fail it) and says where a syntax error is; the prepared statement's type is checked
 * too. DESCRIBE, SHOW and SUMMARIZE are queries in DuckDB and allowed.
 */
import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';

/**
 * On success, the statement prepared (parsed and bound once): run it, do not parse the text again.
 * `keepable` is false when keeping its plan or its connection for a later run would change what
 * that run answers: a sample drawn at random (the seed is fixed when the plan is made) or
 * setseed() (it seeds the connection's random()).
 */
export type Verdict =
  | { ok: true; prepared: DuckDBPreparedStatement; keepable: boolean }
  | { ok: false; code: 'refused' | 'syntax'; message: string; position?: number };

const ONLY_QUERIES = 'Only a query can run here: one SELECT (or WITH … SELECT, FROM …, DESCRIBE, SHOW, SUMMARIZE). The data is read-only.';

type TextVerdict = { ok: true; keepable: boolean } | Exclude<Verdict, { ok: true }>;

/** True when the parsed statement samples at random or calls setseed() (see Verdict). */
function changesBetweenRuns(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(changesBetweenRuns);
  if (node === null || typeof node !== 'object') return false;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'sample' && value !== null) return true;
    if (key === 'function_name' && value === 'setseed') return true;
    if (changesBetweenRuns(value)) return true;
  }
  return false;
}

/**
 * What the parser says of a text depends on the text alone, and analysts run the same query again
 * and again (a chart tweaked, a page reloaded): the verdicts of recent texts are kept.
 */
const parsedTexts = new Map<string, TextVerdict>();
const PARSED_TEXTS_KEPT = 500;

/**
 * The parser's call, prepared once per connection: run with bound text it is one trip to DuckDB,
 * where a query with a parameter is three (split, prepare, run) — half the check's time. Calls on
 * one connection take turns: the text is bound to the one statement, so a second call binding its
 * text before the first has run would have the first judged on the second's text.
 */
const serialisers = new WeakMap<DuckDBConnection, { statement: Promise<DuckDBPreparedStatement>; turn: Promise<unknown> }>();

function serialise(conn: DuckDBConnection, sql: string): Promise<unknown> {
  let serialiser = serialisers.get(conn);
  if (!serialiser) {
    const statement = conn.prepare('SELECT json_serialize_sql($1::VARCHAR)');
    serialiser = { statement, turn: Promise.resolve() };
    serialisers.set(conn, serialiser);
    statement.catch(() => serialisers.delete(conn));
  }
  const mine = serialiser;
  const result = mine.turn.then(async () => {
    const statement = await mine.statement;
    statement.bindVarchar(1, sql);
    return (await statement.runAndReadAll()).getRows()[0]?.[0];
  });
  mine.turn = result.catch(() => undefined);
  return result;
}

async function parseVerdict(conn: DuckDBConnection, sql: string): Promise<TextVerdict> {
  const kept = parsedTexts.get(sql);
  if (kept) return kept;
  const serialised = await serialise(conn, sql);
  const parsed = JSON.parse(String(serialised)) as
    | { error: true; error_type: string; error_message: string; position?: string }
    | { error: false; statements: unknown[] };
  let verdict: TextVerdict = { ok: true, keepable: !changesBetweenRuns(parsed) };
  if (parsed.error && parsed.error_type === 'parser') {
    const position = parsed.position === undefined ? undefined : Number(parsed.position);
    verdict = { ok: false, code: 'syntax', message: `Syntax error: ${parsed.error_message}`, ...(Number.isFinite(position) ? { position } : {}) };
  } else if (parsed.error) {
    verdict = { ok: false, code: 'refused', message: ONLY_QUERIES };
  } else if (parsed.statements.length !== 1) {
    verdict = { ok: false, code: 'refused', message: `Exactly one statement can run at a time; this has ${parsed.statements.length}. Select the one to run.` };
  }
  if (parsedTexts.size >= PARSED_TEXTS_KEPT) parsedTexts.delete(parsedTexts.keys().next().value as string);
  parsedTexts.set(sql, verdict);
  return verdict;
}

export async function checkStatement(conn: DuckDBConnection, sql: string): Promise<Verdict> {
  if (!sql.trim()) return { ok: false, code: 'refused', message: 'Write a query first.' };
  const verdict = await parseVerdict(conn, sql);
  if (!verdict.ok) return verdict;
  // The parser's verdict says one statement (a text of several would not prepare at all).
  const prepared = await conn.prepare(sql);
  if (prepared.statementType !== StatementType.SELECT) {
    prepared.destroySync();
    return { ok: false, code: 'refused', message: ONLY_QUERIES };
  }
  return { ok: true, prepared, keepable: verdict.keepable };
}
