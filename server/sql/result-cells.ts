/**
 * A query result's cells as JSON, for the workbench's answers and downloads: whole numbers as
 * numbers while exact (else as text, so a 128-bit id is not rounded), decimals and floats as
 * numbers (NaN and the infinities as text: JSON has no number for them), text as it is; dates,
 * times, lists and structs as DuckDB's own JSON converter makes them (ISO text, arrays, objects).
 *
 * Read column by column from the vectors with a reader chosen once per column (looking the type up
 * for every cell, then converting a second time, took twice as long), and a shown result is
 * serialised a chunk at a time.
 */
import { DuckDBTypeId, JsonDuckDBValueConverter, type DuckDBDataChunk, type DuckDBResult, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { Cell } from './protocol.js';

export type CellReader = (v: DuckDBValue) => Cell;

const INTEGER_TYPES = new Set([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.UHUGEINT,
]);

function cellReader(type: DuckDBType): CellReader {
  const id = type.typeId;
  if (INTEGER_TYPES.has(id)) {
    return (v) => {
      if (v === null || typeof v === 'number') return v;
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : String(v);
    };
  }
  if (id === DuckDBTypeId.DOUBLE || id === DuckDBTypeId.FLOAT) return (v) => (v === null ? null : Number.isFinite(v) ? (v as number) : String(v));
  // The decimal's exact text, read as a number: the same double as the text gives.
  if (id === DuckDBTypeId.DECIMAL) return (v) => (v === null ? null : Number(String(v)));
  if (id === DuckDBTypeId.VARCHAR) return (v) => v as string | null;
  return (v) => JsonDuckDBValueConverter(v, type, JsonDuckDBValueConverter) as Cell;
}

/** One reader per column of the result. */
export function cellReaders(result: DuckDBResult): CellReader[] {
  return result.columnTypes().map(cellReader);
}

/** The first `count` rows of a chunk (all by default) as arrays of cells. */
export function rowsOf(chunk: DuckDBDataChunk, readers: readonly CellReader[], count = chunk.rowCount): Cell[][] {
  const columns = readers.map((read, i) => {
    const vector = chunk.getColumnVector(i);
    const cells = new Array<Cell>(count);
    for (let j = 0; j < count; j++) cells[j] = read(vector.getItem(j));
    return cells;
  });
  const rows = new Array<Cell[]>(count);
  for (let j = 0; j < count; j++) rows[j] = columns.map((cells) => cells[j]!);
  return rows;
}

export interface FirstRows {
  /** An array of arrays of cells, as JSON text. */
  rowsJson: string;
  rowCount: number;
  /** True when the result has rows beyond those given (past `limit`, or past `maxBytes` of JSON). */
  truncated: boolean;
}

/**
 * The first `limit` rows of a result as JSON text, stopping once `maxBytes` of it are taken (the
 * row that crosses the mark is the last). A chunk is serialised in one call; only the chunk that
 * crosses `maxBytes` is serialised row by row, to find where to cut.
 */
export async function firstRowsJson(result: DuckDBResult, readers: readonly CellReader[], options: { limit: number; maxBytes: number }): Promise<FirstRows> {
  const parts: string[] = [];
  let rowCount = 0;
  let bytes = 0;
  let truncated = false;
  while (!truncated) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const room = options.limit - rowCount;
    if (room <= 0 || bytes > options.maxBytes) {
      truncated = true;
      break;
    }
    const rows = rowsOf(chunk, readers, Math.min(chunk.rowCount, room));
    truncated = chunk.rowCount > room;
    const text = JSON.stringify(rows).slice(1, -1);
    if (bytes + text.length <= options.maxBytes) {
      parts.push(text);
      rowCount += rows.length;
      bytes += text.length;
      continue;
    }
    for (const row of rows) {
      if (bytes > options.maxBytes) {
        truncated = true;
        break;
      }
      const json = JSON.stringify(row);
      parts.push(json);
      rowCount++;
      bytes += json.length;
    }
  }
  return { rowsJson: `[${parts.join(',')}]`, rowCount, truncated };
}
