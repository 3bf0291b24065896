/**
 * Messages between the server and a sandbox process (server/sql/sandbox-worker.ts), over Node's
 * IPC channel. One process serves one extract; each query has an id of the server's choosing.
 */
export interface SandboxSettings {
  /** The extract, opened read-only. */
  path: string;
  /** DuckDB's memory_limit for the whole process, e.g. "1GB". */
  memoryLimit: string;
  /** The same in bytes: with a margin, the size past which the process lets go of kept plans. */
  memoryLimitBytes: number;
  threads: number;
}

export interface ResultColumn {
  name: string;
  /** DuckDB's name of the type, e.g. BIGINT, VARCHAR, DECIMAL(14,2), TIMESTAMP WITH TIME ZONE. */
  type: string;
}

export type Cell = string | number | boolean | null | Cell[] | { [key: string]: Cell };

export type ToSandbox =
  | { kind: 'query'; id: string; sql: string; limit: number; timeoutMs: number; maxBytes: number }
  /** Streams every row in chunks; the next chunk is sent after an `ack` of the previous one. */
  | { kind: 'stream'; id: string; sql: string; timeoutMs: number }
  | { kind: 'ack'; id: string }
  | { kind: 'cancel'; id: string };

/** Why a query did not complete: decides the HTTP status and what the analyst is told. */
export type FailureCode = 'refused' | 'syntax' | 'invalid' | 'timeout' | 'cancelled' | 'memory' | 'crashed' | 'busy';

export type FromSandbox =
  | { kind: 'ready' }
  | { kind: 'fatal'; message: string }
  /**
   * The first rows as JSON text (an array of arrays of cells): the worker serialises each row once
   * anyway, to keep the answer under its size limit, and the server puts the text into its answer
   * as it is, so rows are neither cloned across the channel nor serialised a second time.
   */
  | { kind: 'result'; id: string; columns: ResultColumn[]; rowsJson: string; rowCount: number; truncated: boolean; elapsedMs: number }
  | { kind: 'columns'; id: string; columns: ResultColumn[] }
  | { kind: 'chunk'; id: string; rows: Cell[][] }
  | { kind: 'end'; id: string; rowCount: number; elapsedMs: number }
  | { kind: 'failed'; id: string; code: FailureCode; message: string; position?: number };
