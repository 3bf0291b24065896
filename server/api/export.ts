/**
 * CSV and Parquet exports of a metric result. Both carry exactly the protected rows of the JSON
 * answer: CSV writes '*' for a suppressed cell; Parquet leaves it null and lists the row's
 * suppressed columns in a `_suppressed` column.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvLine } from '../csv/csv-writer.js';
import { sqlLiteral } from '../store/sql-literal.js';
import type { Store } from '../store/store.js';
import type { MetricColumn } from '../metrics/catalogue.js';
import type { ProtectedRow } from '../metrics/disclosure.js';

export function toCsv(columns: readonly MetricColumn[], rows: readonly ProtectedRow[]): string {
  // CRLF line ends, as RFC 4180 has them (spreadsheets expect them).
  let text = csvLine(columns.map((c) => c.name), '\r\n');
  for (const row of rows) {
    const hidden = new Set(row._suppressed ?? []);
    const cells = columns.map((c) => {
      const v = row[c.name];
      // a series is one field, its values separated by ';' (a suppressed value is '*')
      if (Array.isArray(v)) return v.map((x: number | null) => (x === null ? '*' : String(x))).join(';');
      if (hidden.has(c.name)) return '*';
      return v === null || v === undefined ? '' : String(v);
    });
    text += csvLine(cells, '\r\n');
  }
  return text;
}

const DUCK_TYPES = { string: 'VARCHAR', number: 'DOUBLE', date: 'DATE', boolean: 'BOOLEAN', 'number[]': 'DOUBLE[]' } as const;
const SAFE_NAME = /^[a-z_][a-z0-9_]*$/;

/** Writes the rows through DuckDB's Parquet writer (via a temporary NDJSON file) and returns the bytes. */
export async function toParquet(store: Store, columns: readonly MetricColumn[], rows: readonly ProtectedRow[]): Promise<Uint8Array> {
  for (const c of columns) if (!SAFE_NAME.test(c.name)) throw new Error(`Unsafe column name ${c.name}`);
  const dir = await mkdtemp(join(tmpdir(), 'portal-export-'));
  const jsonPath = join(dir, 'rows.ndjson');
  const parquetPath = join(dir, 'rows.parquet');
  try {
    const lines = rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const c of columns) out[c.name] = row[c.name] ?? null;
      out._suppressed = row._suppressed?.join(',') ?? null;
      return JSON.stringify(out);
    });
    await writeFile(jsonPath, `${lines.join('\n')}\n`, 'utf8');
    const spec = [...columns.map((c) => `${sqlLiteral(c.name)}: ${sqlLiteral(DUCK_TYPES[c.type])}`), `'_suppressed': 'VARCHAR'`].join(', ');
    const select = [...columns.map((c) => `"${c.name}"`), `string_split("_suppressed", ',') AS "_suppressed"`].join(', ');
    // Paths come from mkdtemp (no user input); DuckDB's COPY takes no bound file names.
    await store.withConnection((conn) =>
      conn.run(
        `COPY (SELECT ${select} FROM read_json(${sqlLiteral(jsonPath)}, format = 'newline_delimited', columns = {${spec}})) ` +
          `TO ${sqlLiteral(parquetPath)} (FORMAT parquet)`,
      ),
    );
    return new Uint8Array(await readFile(parquetPath));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
