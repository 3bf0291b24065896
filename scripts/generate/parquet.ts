/**
 * Converts staged CSV parts to Parquet with natural column types (dates, timestamps with time
 * zone, integers, doubles). One single-threaded in-memory DuckDB keeps the output byte-stable.
 */
import { unlink } from 'node:fs/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { EXPORT_FILES, naturalType, type NaturalType } from '../../server/contract/export-format.js';
import { sqlLiteral } from '../../server/store/sql-literal.js';
import type { PendingParquet } from './writers.js';

const DUCK_TYPE: Record<NaturalType, string> = {
  text: 'VARCHAR',
  int: 'INTEGER',
  number: 'DOUBLE',
  date: 'DATE',
  timestamp: 'TIMESTAMPTZ',
};


export class ParquetConverter {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async create(): Promise<ParquetConverter> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const conn = await instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    return new ParquetConverter(instance, conn);
  }

  async convert(file: PendingParquet): Promise<void> {
    // Paths are generator-made, but quoted properly anyway: COPY cannot take bound parameters.
    const columns = EXPORT_FILES[file.kind].columns
      .map((c) => `${sqlLiteral(c.name)}: ${sqlLiteral(DUCK_TYPE[naturalType(c.value)])}`)
      .join(', ');
    await this.conn.run(
      `COPY (SELECT * FROM read_csv(${sqlLiteral(file.csvPath)}, header = true, auto_detect = false, ` +
        `columns = {${columns}}, quote = '"', escape = '"', compression = 'gzip')) ` +
        `TO ${sqlLiteral(file.parquetPath)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    await unlink(file.csvPath);
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
