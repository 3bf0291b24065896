/**
 * A query result's cells as JSON, for the workbench's answers and downloads: whole numbers as
 * numbers while exact (else as text, so a 128-bit id is not rounded), decimals and floats as
 * numbers (NaN and the infinities as text: JSON has no number for them), text as it is; dates,
 * times, lists and structs as DuckDB's own JSON converter makes them (ISO text, arrays, objects).
 *
 * Read column by column from the vectors with a reader chosen once per column (looking the type up
 * for every cell, then converting a second time, took twice as long).
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

/** Reads a chunk's rows from `from` up to `to` as arrays of cells (a vector reads a cell when asked). */
function chunkReader(chunk: DuckDBDataChunk, readers: readonly CellReader[]): (from: number, to: number) => Cell[][] {
  const vectors = readers.map((_, i) => chunk.getColumnVector(i));
  return (from, to) => {
    const columns = readers.map((read, i) => {
      const vector = vectors[i]!;
      const cells = new Array<Cell>(to - from);
      for (let j = from; j < to; j++) cells[j - from] = read(vector.getItem(j));
      return cells;
    });
    const rows = new Array<Cell[]>(to - from);
    for (let j = 0; j < rows.length; j++) rows[j] = columns.map((cells) => cells[j]!);
    return rows;
  };
}

/** Every row of a chunk as arrays of cells. */
export function rowsOf(chunk: DuckDBDataChunk, readers: readonly CellReader[]): Cell[][] {
  return chunkReader(chunk, readers)(0, chunk.rowCount);
}

/** Rows read at a time for a shown result: a chunk of huge cells is not read past the byte limit. */
const BLOCK_ROWS = 64;

export interface FirstRows {
  /** An array of arrays of cells, as JSON text. */
  rowsJson: string;
  rowCount: number;
  /** True when the result has rows beyond those given (past `limit`, or past `maxBytes` of JSON). */
  truncated: boolean;
}

/**
 * The first `limit` rows of a result as JSON text, stopping once more than `maxBytes` of it are
 * taken (the row that crosses the mark is the last). Rows are read a block at a time and each is
 * serialised on its own, so a result of huge cells stops at the mark instead of holding a whole
 * chunk of them.
 */
export async function firstRowsJson(result: DuckDBResult, readers: readonly CellReader[], options: { limit: number; maxBytes: number }): Promise<FirstRows> {
  const rows: string[] = [];
  let bytes = 0;
  let truncated = false;
  while (!truncated) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const take = Math.min(chunk.rowCount, options.limit - rows.length);
    const read = chunkReader(chunk, readers);
    for (let from = 0; from < take && !truncated; from += BLOCK_ROWS) {
      for (const cells of read(from, Math.min(from + BLOCK_ROWS, take))) {
        if (bytes > options.maxBytes) {
          truncated = true;
          break;
        }
        const json = JSON.stringify(cells);
        rows.push(json);
        bytes += json.length;
      }
    }
    if (chunk.rowCount > take) truncated = true;
  }
  return { rowsJson: `[${rows.join(',')}]`, rowCount: rows.length, truncated };
}
