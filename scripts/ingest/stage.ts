/**
 * Reads one delivered file into a TEMP staging table `stg` — (line, every contract column as raw
 * text) — plus `stg_malformed` for CSV lines that could not be parsed at all. Temp tables live in
 * memory (or DuckDB's temp spill directory), never in the store file, which is why raw NHS numbers
 * may pass through them.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FILE_SPECS, type BatchFile } from './contract.js';
import { RefusedError } from './errors.js';
import { describeError } from './redact.js';
import { ident, literal } from './validation-sql.js';

export interface StagedFile {
  rowsIn: number;
  malformed: number;
}

const isGzip = (file: BatchFile) => file.format.endsWith('.gz');

/** First line of a (possibly gzipped) text file, without reading the rest. */
async function firstLine(file: BatchFile): Promise<string | null> {
  const raw = createReadStream(file.path);
  const input = isGzip(file) ? raw.pipe(createGunzip()) : raw;
  // Stopping early can make gunzip report the unread rest as an error; completeness of the file is
  // verifyGzip's job, so late errors are ignored here rather than left unhandled.
  input.on('error', () => undefined);
  raw.on('error', () => undefined);
  const clean = (line: string) => line.replace(/\r$/, '').replace(/^\uFEFF/, '');
  let text = '';
  try {
    for await (const chunk of input) {
      text += (chunk as Buffer).toString('utf8');
      const end = text.indexOf('\n');
      if (end >= 0) return clean(text.slice(0, end));
      if (text.length > 1_000_000) break;
    }
    return text === '' ? null : clean(text);
  } catch (err) {
    throw new RefusedError(`${file.fileName} cannot be read: ${describeError(err)}. Nothing from this batch was loaded.`);
  } finally {
    input.destroy();
    raw.destroy();
  }
}

/**
 * Decompresses the whole file to check it is complete. A cut-off gzip otherwise reads as a file
 * whose last line is merely malformed, and half a delivery would load without complaint.
 */
export async function verifyGzip(file: BatchFile): Promise<void> {
  if (!isGzip(file)) return;
  try {
    await pipeline(createReadStream(file.path), createGunzip(), new Writable({ write: (_c, _e, done) => done() }));
  } catch (err) {
    throw new RefusedError(`${file.fileName} is truncated or not valid gzip (${describeError(err)}). Nothing from this batch was loaded; ask for the file to be re-sent.`);
  }
}

/** Minimal RFC 4180 split of a header line (names may be quoted). */
function splitHeader(line: string): string[] {
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (current += '"'), i++;
      else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') names.push(current), (current = '');
    else current += ch;
  }
  names.push(current);
  return names.map((n) => n.trim());
}

/** The contract demands exactly its columns (any order): a missing or extra one refuses the file. */
export function checkColumns(file: BatchFile, found: string[]): void {
  const expected = FILE_SPECS[file.kind].columns.map((c) => c.name);
  const missing = expected.filter((c) => !found.includes(c));
  const extra = found.filter((c) => !expected.includes(c));
  const repeated = found.filter((c, i) => found.indexOf(c) !== i);
  const problems = [
    missing.length ? `missing column(s) ${missing.join(', ')}` : '',
    extra.length ? `unexpected column(s) ${extra.map((c) => JSON.stringify(c.slice(0, 40))).join(', ')}` : '',
    repeated.length ? `repeated column(s) ${repeated.join(', ')}` : '',
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new RefusedError(
      `${file.fileName} has ${problems.join('; ')}. The contract's ${file.kind} columns are: ${expected.join(', ')}. Nothing from this batch was loaded.`,
    );
  }
}

const contractColumns = (file: BatchFile) => FILE_SPECS[file.kind].columns.map((c) => c.name);

async function stageCsv(conn: DuckDBConnection, file: BatchFile): Promise<void> {
  const header = await firstLine(file);
  if (header === null || header.trim() === '') {
    throw new RefusedError(`${file.fileName} is empty: a CSV file must start with its header line. Nothing from this batch was loaded.`);
  }
  const found = splitHeader(header);
  checkColumns(file, found);
  const columns = `{${found.map((c) => `${literal(c)}: 'VARCHAR'`).join(', ')}}`;
  const reader = (extra: string) =>
    `read_csv(${literal(file.path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', ` +
    `columns = ${columns}, compression = '${isGzip(file) ? 'gzip' : 'none'}'${extra})`;
  const select = contractColumns(file).map(ident).join(', ');
  try {
    await conn.run(`CREATE OR REPLACE TEMP TABLE stg AS SELECT (row_number() OVER ()) + 1 AS line, ${select} FROM ${reader('')}`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE stg_malformed (line BIGINT, reason VARCHAR, record VARCHAR)`);
    return;
  } catch (err) {
    if (!/CSV Error|Expected Number of Columns|unterminated quote/i.test((err as Error).message)) throw err;
  }
  // Some lines do not parse as CSV rows. Read again keeping the parsable rows; the others are
  // quarantined. Line numbers of the kept rows are recovered by skipping the rejected lines.
  await conn.run(`DROP TABLE IF EXISTS rejects_errors; DROP TABLE IF EXISTS rejects_scans;`);
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE stg_parsed AS SELECT row_number() OVER () AS k, ${select} FROM ${reader(
      `, ignore_errors = true, store_rejects = true, rejects_table = 'rejects_errors', rejects_scan = 'rejects_scans'`,
    )}`,
  );
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE stg_malformed AS
      SELECT line, 'the line is not a well-formed CSV row: ' || lower(arg_min(error_type, column_idx)) AS reason,
             arg_min(csv_line, column_idx) AS record
      FROM rejects_errors GROUP BY line;
    CREATE OR REPLACE TEMP TABLE stg AS
      WITH kept_lines AS (
        SELECT l AS line, row_number() OVER (ORDER BY l) AS k
        FROM range(2, 2 + (SELECT count(*) FROM stg_parsed) + (SELECT count(*) FROM stg_malformed)) t(l)
        WHERE l NOT IN (SELECT line FROM stg_malformed)
      )
      SELECT kept_lines.line, ${select} FROM stg_parsed JOIN kept_lines USING (k);
    DROP TABLE stg_parsed; DROP TABLE rejects_errors; DROP TABLE rejects_scans;`);
}

async function stageNdjson(conn: DuckDBConnection, file: BatchFile): Promise<void> {
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE stg_json AS SELECT row_number() OVER () AS line, json FROM read_ndjson_objects(${literal(file.path)}, compression = '${isGzip(file) ? 'gzip' : 'uncompressed'}')`,
  );
  const keys = await conn.runAndReadAll(`SELECT DISTINCT unnest(json_keys(json)) AS k FROM stg_json ORDER BY k`);
  const found = keys.getRows().map((r) => String(r[0]));
  // A key absent from every object is a missing column; absent from some objects is a missing value.
  checkColumns(file, (await countRows(conn, 'stg_json')) === 0 ? contractColumns(file) : found);
  const select = contractColumns(file)
    .map((c) => `json_extract_string(json, ${literal(`$."${c}"`)}) AS ${ident(c)}`)
    .join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE stg AS SELECT line, ${select} FROM stg_json; DROP TABLE stg_json;`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE stg_malformed (line BIGINT, reason VARCHAR, record VARCHAR)`);
}

async function stageParquet(conn: DuckDBConnection, file: BatchFile): Promise<void> {
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${literal(file.path)})`);
  const types = new Map(described.getRows().map((r) => [String(r[0]), String(r[1])]));
  checkColumns(file, [...types.keys()]);
  // Natural Parquet types become the text the CSV path would have seen; a timestamp without a
  // zone is taken as UTC.
  const asText = (c: string) => (types.get(c) === 'TIMESTAMP' ? `CAST(${ident(c)} AS VARCHAR) || 'Z'` : `CAST(${ident(c)} AS VARCHAR)`);
  const select = contractColumns(file).map((c) => `${asText(c)} AS ${ident(c)}`).join(', ');
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE stg AS SELECT file_row_number + 1 AS line, ${select} FROM read_parquet(${literal(file.path)}, file_row_number = true)`,
  );
  await conn.run(`CREATE OR REPLACE TEMP TABLE stg_malformed (line BIGINT, reason VARCHAR, record VARCHAR)`);
}

async function countRows(conn: DuckDBConnection, table: string): Promise<number> {
  const result = await conn.runAndReadAll(`SELECT count(*)::BIGINT FROM ${table}`);
  return Number(result.getRows()[0]![0]);
}

export async function stageFile(conn: DuckDBConnection, file: BatchFile): Promise<StagedFile> {
  const integrity = verifyGzip(file);
  try {
    if (file.format.startsWith('csv')) await stageCsv(conn, file);
    else if (file.format.startsWith('ndjson')) await stageNdjson(conn, file);
    else await stageParquet(conn, file);
  } catch (err) {
    await integrity.catch(() => undefined);
    if (err instanceof RefusedError) throw err;
    throw new RefusedError(`${file.fileName} cannot be read: ${describeError(err)}. Nothing from this batch was loaded.`);
  }
  await integrity;
  const rows = await countRows(conn, 'stg');
  const malformed = await countRows(conn, 'stg_malformed');
  return { rowsIn: rows + malformed, malformed };
}
