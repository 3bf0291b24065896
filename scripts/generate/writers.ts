/**
 * File writers for one file kind in one batch folder. Rows are streamed through gzip (level 1:
 * the files are read once by the importer, speed matters more than size) and split into parts
 * of at most `partRows` rows. Output bytes depend only on the rows: gzip headers carry no
 * timestamp and chunk boundaries are fixed by row content.
 *
 * Parquet is written in two steps: rows go to a temporary CSV first, then DuckDB converts it
 * (see parquet.ts) — DuckDB is the one Parquet writer we have, and it lives in the main thread.
 */
import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { csvLine } from '../../server/csv/csv-writer.js';
import { EXPORT_FILES, naturalType, type FileKind, type NaturalType } from '../../server/contract/export-format.js';
import { MAX_EVENT_ROW_BYTES, type CsvEncodable } from './event-row.js';
import type { Compression, OutputFormat } from './options.js';

const GZIP_LEVEL = 1;
const CHUNK_BYTES = 1 << 20;
/** zlib's output buffer: larger than its 16 KiB default so the file stream sees fewer, bigger writes. */
const GZIP_OUTPUT_BYTES = 256 << 10;

/**
 * Row buffers that zlib has finished reading, for reuse (per thread). Allocating a fresh 1 MiB
 * buffer per chunk made the garbage collector run far more often.
 */
const spareChunks: Buffer[] = [];
const MAX_SPARE_CHUNKS = 8;

function takeChunk(): Buffer {
  return spareChunks.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
}

export interface WrittenFile {
  name: string;
  kind: FileKind;
  rows: number;
}

export interface PendingParquet {
  csvPath: string;
  parquetPath: string;
  kind: FileKind;
}

export interface RowPosition {
  /** 1-based part number. */
  part: number;
  /** 1-based data row within the part. */
  row: number;
}

export interface CloseResult {
  files: WrittenFile[];
  pending: PendingParquet[];
  /** Final file name of each part (index = part - 1). */
  partNames: string[];
}

function extension(format: OutputFormat, compression: Compression): string {
  const base = format === 'ndjson' ? 'ndjson' : 'csv';
  return compression === 'gzip' ? `${base}.gz` : base;
}

/**
 * Buffer#latin1Write is what Buffer#write(…, 'latin1') calls after its argument juggling, which
 * costs more than the copy itself for short rows.
 */
type LatinWritable = Buffer & { latin1Write(text: string, offset: number): number };
if (typeof (Buffer.prototype as Partial<LatinWritable>).latin1Write !== 'function') {
  (Buffer.prototype as LatinWritable).latin1Write = function (this: Buffer, text: string, offset: number) {
    return this.write(text, offset, 'latin1');
  };
}

class Part {
  /** Where the bytes go: gzip (then the file), or the file itself. */
  private readonly sink: Writable;
  readonly done: Promise<void>;
  /** Set while gzip's buffer is full; resolves on its 'drain' (listened for at once, so it can't be missed). */
  drained: Promise<unknown> | undefined;
  rows = 0;
  private buffer = takeChunk();
  private used = 0;

  /**
   * `encoding`: event and patient files are pure ASCII (codes, digits, ISO timestamps), so they
   * are copied byte for byte (latin1), which is several times cheaper than UTF-8 encoding a
   * concatenated string; reference files with free-text names use UTF-8.
   */
  constructor(
    readonly path: string,
    private readonly encoding: 'latin1' | 'utf8',
    gzip: boolean,
  ) {
    const file = createWriteStream(path);
    if (gzip) {
      const gzipStream = createGzip({ level: GZIP_LEVEL, chunkSize: GZIP_OUTPUT_BYTES });
      this.sink = gzipStream;
      this.done = pipeline(gzipStream, file);
    } else {
      this.sink = file;
      this.done = finished(file);
    }
    // The promise surfaces failures at close (pipeline/finished attach their own error handling).
    this.done.catch(() => undefined);
  }

  push(text: string): void {
    // UTF-8 needs up to 3 bytes per UTF-16 unit; latin1 exactly one.
    const worst = this.encoding === 'latin1' ? text.length : text.length * 3;
    if (this.used + worst > CHUNK_BYTES) {
      this.flush();
      if (worst > CHUNK_BYTES) {
        this.send(Buffer.from(text, this.encoding));
        return;
      }
    }
    this.used +=
      this.encoding === 'latin1'
        ? (this.buffer as LatinWritable).latin1Write(text, this.used)
        : this.buffer.write(text, this.used, 'utf8');
  }

  /** Encodes one CSV row (ASCII, at most `maxBytes` before its newline) straight into the buffer. */
  pushEncoded(row: CsvEncodable, maxBytes: number): void {
    if (this.used + maxBytes + 1 > CHUNK_BYTES) this.flush();
    const end = row.encodeCsv(this.buffer, this.used);
    if (end - this.used > maxBytes) throw new Error(`an encoded row is longer than ${maxBytes} bytes`);
    this.buffer[end] = 10; // \n
    this.used = end + 1;
  }

  /** `recycle`: the buffer `chunk` is a view of, to reuse once zlib has consumed it. */
  private send(chunk: Buffer, recycle?: Buffer): void {
    const consumed = recycle
      ? (err?: Error | null) => {
          if (!err && spareChunks.length < MAX_SPARE_CHUNKS) spareChunks.push(recycle);
        }
      : undefined;
    if (!this.sink.write(chunk, consumed) && !this.drained) {
      this.drained = once(this.sink, 'drain').then(() => {
        this.drained = undefined;
      });
    }
  }

  flush(): void {
    if (this.used === 0) return;
    // zlib reads the chunk until it is compressed, so continue in another buffer.
    this.send(this.buffer.subarray(0, this.used), this.buffer);
    this.buffer = takeChunk();
    this.used = 0;
  }

  async close(): Promise<void> {
    this.flush();
    if (spareChunks.length < MAX_SPARE_CHUNKS) spareChunks.push(this.buffer);
    this.sink.end();
    await this.done;
  }
}

export interface KindWriterOptions {
  dir: string;
  kind: FileKind;
  format: OutputFormat;
  /** CSV / NDJSON files gzip-compressed (the default) or plain (Parquet is staged as gzip CSV). */
  compression: Compression;
  partRows: number;
  /** Quote fields that need it (reference data has free-text names; event fields never do). */
  quote: boolean;
}

export class KindWriter {
  private readonly columnTypes: readonly NaturalType[];
  private readonly parts: Part[] = [];
  private current: Part | undefined;
  private readonly header: string;
  private readonly jsonKeys: string[];

  constructor(private readonly options: KindWriterOptions) {
    const columns = EXPORT_FILES[options.kind].columns;
    this.columnTypes = columns.map((c) => naturalType(c.value));
    this.header = `${columns.map((c) => c.name).join(',')}\n`;
    this.jsonKeys = columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`);
  }

  get kind(): FileKind {
    return this.options.kind;
  }

  get rows(): number {
    return this.parts.reduce((a, p) => a + p.rows, 0);
  }

  private partPath(n: number): string {
    const { dir, kind, format, compression } = this.options;
    const num = String(n).padStart(4, '0');
    // Parquet parts are staged as hidden CSVs until converted.
    if (format === 'parquet') return join(dir, `.${kind}.part-${num}.stage.csv.gz`);
    return join(dir, `${kind}.part-${num}.${extension(format, compression)}`);
  }

  private openPart(): Part {
    const gzip = this.options.format === 'parquet' || this.options.compression === 'gzip';
    const part = new Part(this.partPath(this.parts.length + 1), this.options.quote ? 'utf8' : 'latin1', gzip);
    if (this.options.format !== 'ndjson') part.push(this.header);
    this.parts.push(part);
    return part;
  }

  /** The part the next row goes into (a new one once the current part is full). */
  private partForRow(): Part {
    let part = this.current;
    if (!part || part.rows >= this.options.partRows) {
      part?.flush();
      part = this.current = this.openPart();
    }
    part.rows++;
    return part;
  }

  write(values: readonly string[]): RowPosition {
    const part = this.partForRow();
    part.push(this.options.format === 'ndjson' ? this.json(values) : this.csv(values));
    return { part: this.parts.length, row: part.rows };
  }

  /**
   * Writes an event row without building its strings (the hot path). Same bytes as
   * `write(row.values())`; NDJSON and quoted files take that path.
   */
  writeRow(row: CsvEncodable): void {
    if (this.options.format === 'ndjson' || this.options.quote) {
      this.write(row.values());
      return;
    }
    this.partForRow().pushEncoded(row, MAX_EVENT_ROW_BYTES);
  }

  private csv(values: readonly string[]): string {
    // Unquoted files hold only codes, numbers and timestamps: joining skips a test per field.
    if (!this.options.quote) return `${values.join(',')}\n`;
    return csvLine(values, '\n');
  }

  private json(values: readonly string[]): string {
    let line = '';
    for (let i = 0; i < this.columnTypes.length; i++) {
      const v = values[i] ?? '';
      const type = this.columnTypes[i];
      let encoded: string;
      if (v === '') encoded = 'null';
      else if ((type === 'int' || type === 'number') && /^-?\d+(\.\d+)?$/.test(v)) encoded = v;
      else encoded = JSON.stringify(v);
      line += this.jsonKeys[i] + encoded;
    }
    return `${line}}\n`;
  }

  get needsDrain(): boolean {
    return this.current?.drained !== undefined;
  }

  async drain(): Promise<void> {
    await this.current?.drained;
  }

  /** Final name of a part, as it will be after close(). */
  finalName(part: number): string {
    const { kind, format, compression } = this.options;
    const ext = format === 'parquet' ? 'parquet' : extension(format, compression);
    if (this.parts.length <= 1) return `${kind}.${ext}`;
    return `${kind}.part-${String(part).padStart(4, '0')}.${ext}`;
  }

  async close(): Promise<CloseResult> {
    const files: WrittenFile[] = [];
    const pending: PendingParquet[] = [];
    const partNames: string[] = [];
    for (let i = 0; i < this.parts.length; i++) {
      const part = this.parts[i] as Part;
      await part.close();
      const name = this.finalName(i + 1);
      const finalPath = join(this.options.dir, name);
      if (this.options.format === 'parquet') pending.push({ csvPath: part.path, parquetPath: finalPath, kind: this.kind });
      else if (part.path !== finalPath) await rename(part.path, finalPath);
      files.push({ name, kind: this.kind, rows: part.rows });
      partNames.push(name);
    }
    return { files, pending, partNames };
  }
}
