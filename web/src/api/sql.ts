/**
 * The SQL workbench's API (server/api/sql-routes.ts): schema, running and cancelling a query,
 * downloads of a whole result, saved queries and history. State changes go through the shared
 * `request` (same-origin fetch; the browser sends the Origin the server checks).
 */
import { ApiError, messageFrom, request, sessionIsOver } from './client.js';
import type { SavedQuery } from '../../../server/api/access-shapes.js';

export type Cell = string | number | boolean | null | Cell[] | { [key: string]: Cell };

export interface SqlSchemaTable {
  name: string;
  description: string;
  columns: { name: string; type: string; description: string }[];
}
export interface SqlSchema {
  scope: string;
  tables: SqlSchemaTable[];
}

export interface ResultColumn {
  name: string;
  type: string;
}

export interface SqlResult {
  queryId: string;
  columns: ResultColumn[];
  rows: Cell[][];
  rowCount: number;
  truncated: boolean;
  elapsedMs: number;
  scope: string;
  dataVersion: string;
}

export type SqlErrorCode = 'refused' | 'syntax' | 'invalid' | 'timeout' | 'memory' | 'cancelled' | 'busy' | 'crashed';

/** A query the server did not run to the end: its message, code and (syntax) position. */
export class SqlError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: SqlErrorCode,
    /** Code points into the SQL sent (a syntax error). */
    readonly position?: number,
  ) {
    super(message);
    this.name = 'SqlError';
  }
}

function sqlError(e: unknown): unknown {
  if (!(e instanceof ApiError)) return e;
  const body = (e.body && typeof e.body === 'object' ? e.body : {}) as { code?: SqlErrorCode; position?: number };
  return new SqlError(e.message, e.status, body.code, typeof body.position === 'number' ? body.position : undefined);
}

export type { SavedQuery } from '../../../server/api/access-shapes.js';
export interface SavedInput {
  name: string;
  description?: string | null;
  sql: string;
  shared: boolean;
}

export interface HistoryItem {
  at: string;
  action: string;
  sql: string;
  outcome: string;
  status: number | null;
  rows: number | null;
  elapsedMs: number | null;
  error: string | null;
}

export interface ExampleQuery {
  name: string;
  title: string;
  description: string;
  sql: string;
}

export interface PublicationSpec {
  counts: string[];
  dimensions?: string[];
}

/** A query id the client chooses, so that the query can be cancelled while it runs. */
export function newQueryId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `q${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export interface Download {
  blob: Blob;
  fileName: string;
}

function fileNameFrom(disposition: string | null, fallback: string): string {
  const m = /filename="?([^";]+)"?/i.exec(disposition ?? '');
  return m?.[1] ?? fallback;
}

export const sqlApi = {
  schema: (signal?: AbortSignal) => request<SqlSchema>('GET', '/api/sql/schema', undefined, signal),
  examples: (signal?: AbortSignal) => request<{ examples: ExampleQuery[] }>('GET', '/api/sql/examples', undefined, signal),
  run: (sql: string, queryId: string, limit = 10_000, signal?: AbortSignal) =>
    request<SqlResult>('POST', '/api/sql', { sql, limit, queryId }, signal).catch((e: unknown) => {
      throw sqlError(e);
    }),
  cancel: (queryId: string) => request<{ cancelled: true }>('DELETE', `/api/sql/queries/${encodeURIComponent(queryId)}`),
  /** The whole result as a file (POST /api/sql/export): CSV or Parquet, CSV optionally for publication. */
  async download(format: 'csv' | 'parquet', sql: string, publication?: PublicationSpec, signal?: AbortSignal): Promise<Download> {
    let res: Response;
    try {
      res = await fetch(`/api/sql/export?format=${format}`, {
        method: 'POST',
        headers: { accept: format === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet', 'content-type': 'application/json' },
        body: JSON.stringify(publication ? { sql, publication } : { sql }),
        cache: 'no-store',
        credentials: 'same-origin',
        signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new SqlError('Cannot reach the Portal Insights server. Check that it is running.', 0);
    }
    if (!res.ok) {
      if (res.status === 401) sessionIsOver();
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON: the status says it */
      }
      const b = (body && typeof body === 'object' ? body : {}) as { code?: SqlErrorCode; position?: number };
      throw new SqlError(messageFrom(body, res.status), res.status, b.code, b.position);
    }
    const blob = await res.blob();
    return { blob, fileName: fileNameFrom(res.headers.get('content-disposition'), `query.${format}`) };
  },
  saved: (signal?: AbortSignal) => request<{ saved: SavedQuery[] }>('GET', '/api/sql/saved', undefined, signal),
  save: (input: SavedInput) => request<SavedQuery>('POST', '/api/sql/saved', input),
  change: (id: number, changes: Partial<SavedInput>) => request<SavedQuery>('PATCH', `/api/sql/saved/${id}`, changes),
  remove: (id: number) => request<{ deleted: true }>('DELETE', `/api/sql/saved/${id}`),
  history: (limit = 50, signal?: AbortSignal) => request<{ history: HistoryItem[] }>('GET', `/api/sql/history?limit=${limit}`, undefined, signal),
};

/** Saves a downloaded file in the browser (a blob: URL behind a download link). */
export function saveFile({ blob, fileName }: Download): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
