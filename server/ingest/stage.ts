/**
 * Turns the delivered files of one kind into a SQL relation the checks read from: file_no (index in
 * the list), line (NULL when it is to be recovered from the row's position) and every contract
 * column as raw text. Files arrive plain (gzip is inflated before, see decompress.ts). CSV files
 * are read straight from disk by one multi-file read_csv, so DuckDB
 * parses them in parallel and nothing is copied before it is checked; a file with lines that do
 * not parse is staged on its own with those lines set aside in `stg_malformed`. Staged data lives
 * in TEMP tables (memory or DuckDB's temp spill directory), never in the store file, which is why
 * raw NHS numbers may pass through them.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlLiteral } from '../store/sql-literal.js';
import type { BatchFile } from './discover.js';
import { FILE_SPECS } from './import-rules.js';
import { RefusedError } from './errors.js';
import { describeError } from '../store/redact.js';
import { ident } from './validation-sql.js';

/** First line of a text file, without reading the rest. */
async function firstLine(file: BatchFile): Promise<string | null> {
  const input = createReadStream(file.path);
  // A read error after the first line is not this function's business; it must not go unhandled.
  input.on('error', () => undefined);
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
      if (ch === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      }
      else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      names.push(current);
      current = '';
    }
    else current += ch;
  }
  names.push(current);
  return names.map((n) => n.trim());
}

/** The contract demands exactly its columns (any order): a missing or extra one refuses the file. */
function checkColumns(file: BatchFile, found: string[]): void {
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

/** How to read the files: straight from disk, or each staged on its own with bad lines set aside. */
export type StageMode = 'direct' | 'careful';

/** The relation of staged rows and the TEMP tables created for it (dropped by dropStaged). */
export interface Staged {
  source: string;
  temps: string[];
  /** False when every row's line is to be recovered from its position (plain CSV read directly). */
  hasLines: boolean;
  /**
   * Tables where a direct read records lines it could not parse. A parse error must not abort
   * the batch's transaction (the careful path could then not run), so direct reads skip such
   * lines, and any line recorded here sends the kind down the careful path.
   */
  rejectTables: string[];
}

const MALFORMED = `CREATE OR REPLACE TEMP TABLE stg_malformed (file_no INTEGER, line BIGINT, reason VARCHAR, record VARCHAR)`;

/**
 * The longest line a CSV file may hold. DuckDB's reader, asked to skip lines it cannot parse, sets
 * aside a line over its 2 MB limit as a reject (quarantined as malformed_row), but a line longer
 * than its read buffer (about 32 MB) it drops without a trace, which would lose a row. No contract
 * row comes near this, so a file with such a line is refused whole, saying so.
 */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
const HALF = MAX_LINE_BYTES / 2;
const PROBE = 64 * 1024;
const SCAN_BLOCK = 1 << 20;

/**
 * Cheap first look: a line over MAX_LINE_BYTES covers at least one whole aligned block of half
 * that size, so a file where every such block holds a line break (found in its first bytes, as a
 * rule) has none. Costs one small read per 8 MB.
 */
async function everyHalfBlockHasLineBreak(handle: FileHandle, size: number): Promise<boolean> {
  const probe = Buffer.allocUnsafe(PROBE);
  for (let start = 0; start + HALF <= size; start += HALF) {
    let offset = start;
    let found = false;
    while (!found && offset < start + HALF) {
      const { bytesRead } = await handle.read(probe, 0, Math.min(PROBE, start + HALF - offset), offset);
      if (bytesRead === 0) break;
      found = probe.subarray(0, bytesRead).indexOf(10) !== -1;
      offset += bytesRead;
    }
    if (!found) return false;
  }
  return true;
}

async function refuseOverlongLine(file: BatchFile): Promise<void> {
  if (file.size <= MAX_LINE_BYTES) return;
  const handle = await open(file.path, 'r');
  try {
    if (await everyHalfBlockHasLineBreak(handle, file.size)) return;
    // Some 8 MB hold no line break: measure every line (1 MB blocks, two searches each).
    const block = Buffer.allocUnsafe(SCAN_BLOCK);
    let run = 0; // bytes since the last line break
    let offset = 0;
    for (;;) {
      const { bytesRead } = await handle.read(block, 0, SCAN_BLOCK, offset);
      if (bytesRead === 0) break;
      const chunk = bytesRead === SCAN_BLOCK ? block : block.subarray(0, bytesRead);
      const first = chunk.indexOf(10);
      // Lines inside a block are shorter than the block; only a run across blocks can be too long.
      run = first === -1 ? run + bytesRead : run + first;
      if (run > MAX_LINE_BYTES) {
        throw new RefusedError(
          `${file.fileName} has a line of more than ${MAX_LINE_BYTES / 1024 / 1024} MB (from byte ${offset + bytesRead - run}); ` +
            'no row of the contract is that long, so the file is damaged or not the export. Nothing from this batch was loaded.',
        );
      }
      if (first !== -1) run = bytesRead - chunk.lastIndexOf(10) - 1;
      offset += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

async function csvHeader(file: BatchFile): Promise<string[]> {
  const header = await firstLine(file);
  if (header === null || header.trim() === '') {
    throw new RefusedError(`${file.fileName} is empty: a CSV file must start with its header line. Nothing from this batch was loaded.`);
  }
  const found = splitHeader(header);
  checkColumns(file, found);
  await refuseOverlongLine(file);
  return found;
}

function csvReader(paths: string[], found: string[], extra = ''): string {
  const columns = `{${found.map((c) => `${sqlLiteral(c)}: 'VARCHAR'`).join(', ')}}`;
  const list = paths.length === 1 ? sqlLiteral(paths[0]!) : `[${paths.map(sqlLiteral).join(', ')}]`;
  return (
    `read_csv(${list}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', ` +
    `columns = ${columns}, compression = 'none'${extra})`
  );
}

type CsvEntry = { file: BatchFile; fileNo: number; found: string[] };

/**
 * Consecutive CSV files of the kind with the same header in one read_csv, so the
 * rows stay in delivery order. The file a row came from is told by read_csv's file_index;
 * its line is recovered from its position later.
 */
function directCsv(files: CsvEntry[], rejectTables: string[]): string[] {
  const groups: CsvEntry[][] = [];
  const sameShape = (a: CsvEntry, b: CsvEntry) => a.found.join(',') === b.found.join(',');
  for (const entry of files) {
    const last = groups.at(-1);
    if (last && sameShape(last[0]!, entry)) last.push(entry);
    else groups.push([entry]);
  }
  return groups.map((group) => {
    // file_index is the file's place in this read_csv's list (a virtual column: no per-row text to compare).
    const fileNo = `CAST(CASE file_index ${group.map((g, i) => `WHEN ${i} THEN ${g.fileNo}`).join(' ')} END AS INTEGER)`;
    const select = contractColumns(group[0]!.file).map(ident).join(', ');
    const rejects = `direct_rejects_${group[0]!.fileNo}`;
    rejectTables.push(rejects);
    const reader = csvReader(
      group.map((g) => g.file.path),
      group[0]!.found,
      `, ignore_errors = true, store_rejects = true, rejects_table = ${sqlLiteral(rejects)}, rejects_scan = ${sqlLiteral(`${rejects}_scans`)}`,
    );
    return `SELECT ${fileNo} AS file_no, NULL::BIGINT AS line, ${select} FROM ${reader}`;
  });
}

/**
 * One CSV file whose lines do not all parse: the parsable rows are kept with their line numbers
 * (recovered by skipping the rejected lines) and the others go to stg_malformed for the quarantine.
 */
async function stageCsvCarefully(conn: DuckDBConnection, file: BatchFile, fileNo: number, found: string[], table: string): Promise<void> {
  const select = contractColumns(file).map(ident).join(', ');
  await conn.run(`DROP TABLE IF EXISTS rejects_errors; DROP TABLE IF EXISTS rejects_scans;`);
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE stg_parsed AS SELECT row_number() OVER () AS k, ${select} FROM ${csvReader([file.path], found,
      `, ignore_errors = true, store_rejects = true, rejects_table = 'rejects_errors', rejects_scan = 'rejects_scans'`,
    )}`,
  );
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE file_malformed AS
      -- column_idx is NULL for an error of the whole line (one over the maximum line size).
      SELECT line, 'the line is not a well-formed CSV row: ' || lower(arg_min(error_type, coalesce(column_idx, -1))) AS reason,
             coalesce(arg_min(csv_line, coalesce(column_idx, -1)), '') AS record
      FROM rejects_errors GROUP BY line;
    INSERT INTO stg_malformed SELECT ${fileNo}, line, reason, record FROM file_malformed;
    CREATE OR REPLACE TEMP TABLE ${table} AS
      WITH kept_lines AS (
        SELECT l AS line, row_number() OVER (ORDER BY l) AS k
        FROM range(2, 2 + (SELECT count(*) FROM stg_parsed) + (SELECT count(*) FROM file_malformed)) t(l)
        WHERE l NOT IN (SELECT line FROM file_malformed)
      )
      SELECT ${fileNo} AS file_no, kept_lines.line, ${select} FROM stg_parsed JOIN kept_lines USING (k) ORDER BY kept_lines.line;
    DROP TABLE stg_parsed; DROP TABLE file_malformed; DROP TABLE rejects_errors; DROP TABLE rejects_scans;`);
}

async function stageNdjson(conn: DuckDBConnection, file: BatchFile, fileNo: number, table: string): Promise<void> {
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE stg_json AS SELECT row_number() OVER () AS line, json FROM read_ndjson_objects(${sqlLiteral(file.path)}, compression = 'uncompressed')`,
  );
  const keys = await conn.runAndReadAll(`SELECT DISTINCT unnest(json_keys(json)) AS k FROM stg_json ORDER BY k`);
  const found = keys.getRows().map((r) => String(r[0]));
  // A key absent from every object is a missing column; absent from some objects is a missing value.
  checkColumns(file, (await countRows(conn, 'stg_json')) === 0 ? contractColumns(file) : found);
  // An empty string is a missing value, as an empty CSV field is.
  const select = contractColumns(file)
    .map((c) => `nullif(json_extract_string(json, ${sqlLiteral(`$."${c}"`)}), '') AS ${ident(c)}`)
    .join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT ${fileNo} AS file_no, line, ${select} FROM stg_json ORDER BY line; DROP TABLE stg_json;`);
}

async function parquetSource(conn: DuckDBConnection, file: BatchFile, fileNo: number): Promise<string> {
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlLiteral(file.path)})`);
  const types = new Map(described.getRows().map((r) => [String(r[0]), String(r[1])]));
  checkColumns(file, [...types.keys()]);
  // Natural Parquet types become the text the CSV path would have seen; a timestamp without a
  // zone is taken as UTC.
  const asText = (c: string) => (types.get(c) === 'TIMESTAMP' ? `CAST(${ident(c)} AS VARCHAR) || 'Z'` : `CAST(${ident(c)} AS VARCHAR)`);
  const select = contractColumns(file).map((c) => `nullif(${asText(c)}, '') AS ${ident(c)}`).join(', ');
  return `SELECT ${fileNo} AS file_no, file_row_number + 1 AS line, ${select} FROM read_parquet(${sqlLiteral(file.path)}, file_row_number = true)`;
}

async function countRows(conn: DuckDBConnection, table: string): Promise<number> {
  const result = await conn.runAndReadAll(`SELECT count(*)::BIGINT FROM ${table}`);
  return Number(result.getRows()[0]![0]);
}

/**
 * The files of one kind as one relation, in file order then line order (UNION ALL keeps that
 * order, which is how a row's line is recovered from its position). `direct` reads CSV straight
 * from disk; `careful` stages each CSV file with its malformed lines set aside.
 */
export async function stageFiles(conn: DuckDBConnection, files: BatchFile[], mode: StageMode): Promise<Staged> {
  // Gzipped deliveries are inflated (and proven complete) by decompress.ts before they get here.
  const gzipped = files.find((f) => f.format.endsWith('.gz'));
  if (gzipped) throw new Error(`stageFiles was given ${gzipped.fileName}: inflate it first (plainCopies)`);
  await conn.run(MALFORMED);
  const parts: string[] = [];
  let directParts = 0;
  const temps: string[] = ['stg_malformed'];
  const rejectTables: string[] = [];
  const csv: CsvEntry[] = [];
  const flushCsv = () => {
    if (csv.length === 0) return;
    const direct = directCsv(csv.splice(0), rejectTables);
    parts.push(...direct);
    directParts += direct.length;
  };
  for (const [fileNo, file] of files.entries()) {
    try {
      if (file.format.startsWith('csv')) {
        const found = await csvHeader(file);
        if (mode === 'direct') {
          csv.push({ file, fileNo, found });
          continue;
        }
        const table = `stg_${fileNo}`;
        await stageCsvCarefully(conn, file, fileNo, found, table);
        temps.push(table);
        parts.push(`SELECT * FROM ${table}`);
      } else if (file.format.startsWith('ndjson')) {
        flushCsv();
        const table = `stg_${fileNo}`;
        await stageNdjson(conn, file, fileNo, table);
        temps.push(table);
        parts.push(`SELECT * FROM ${table}`);
      } else {
        flushCsv();
        parts.push(await parquetSource(conn, file, fileNo));
      }
    } catch (err) {
      if (err instanceof RefusedError) throw err;
      throw new RefusedError(`${file.fileName} cannot be read: ${describeError(err)}. Nothing from this batch was loaded.`);
    }
  }
  flushCsv();
  for (const table of rejectTables) await conn.run(`DROP TABLE IF EXISTS temp.${table}; DROP TABLE IF EXISTS temp.${table}_scans`);
  return {
    source: parts.map((p) => `(${p})`).join(' UNION ALL '),
    temps: [...temps, ...rejectTables.flatMap((t) => [t, `${t}_scans`])],
    rejectTables,
    hasLines: parts.length > directParts,
  };
}

/** True when a direct read skipped lines it could not parse. */
export async function hasRejectedLines(conn: DuckDBConnection, staged: Staged): Promise<boolean> {
  for (const table of staged.rejectTables) {
    const exists = await conn.runAndReadAll(`SELECT count(*)::INTEGER FROM duckdb_tables() WHERE temporary AND table_name = ${sqlLiteral(table)}`);
    if (Number(exists.getRows()[0]![0]) === 0) continue;
    if ((await countRows(conn, `temp.${table}`)) > 0) return true;
  }
  return false;
}

export async function dropStaged(conn: DuckDBConnection, staged: Staged | undefined): Promise<void> {
  for (const table of staged?.temps ?? []) await conn.run(`DROP TABLE IF EXISTS temp.${table}`);
}
