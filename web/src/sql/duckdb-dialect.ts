/**
 * DuckDB's SQL dialect for CodeMirror: its keywords, function and type names (a static list,
 * web/src/sql/duckdb-words.ts, generated once from duckdb_keywords(), duckdb_functions() and
 * duckdb_types() by scripts/generate-duckdb-dialect.ts — never fetched at run time) and its
 * lexical rules: '…' strings, "…" names, $$…$$ strings, -- and /* *\/ comments. Only the SQL
 * workbench page imports it (with CodeMirror, in its own chunk).
 */
import { SQLDialect } from '@codemirror/lang-sql';
import { DUCKDB_FUNCTIONS, DUCKDB_KEYWORDS, DUCKDB_TYPES } from './duckdb-words.js';

export const DuckDB = SQLDialect.define({
  keywords: DUCKDB_KEYWORDS,
  builtin: DUCKDB_FUNCTIONS,
  types: DUCKDB_TYPES,
  backslashEscapes: false,
  hashComments: false,
  slashComments: false,
  doubleDollarQuotedStrings: true,
  doubleQuotedStrings: false,
  identifierQuotes: '"',
  // DuckDB folds unquoted names: completing a name never needs quotes for its case.
  caseInsensitiveIdentifiers: true,
  operatorChars: '*+-%<>!=&|~^/@:',
  specialVar: '?$',
});
