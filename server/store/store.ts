import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { migrate } from './migrate.js';
import { StoreError } from './errors.js';

const DEFAULT_DB_PATH = 'data/portal.duckdb';

export function storePath(): string {
  return resolve(process.env.PORTAL_DB ?? DEFAULT_DB_PATH);
}

export interface Store {
  readonly path: string;
  readonly instance: DuckDBInstance;
  /**
   * Runs `fn` on a connection of its own. A DuckDB connection must never run two queries at
   * once, so each in-flight unit of work gets its own; connections are cheap to create.
   */
  withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  path?: string;
  /** Apply pending migrations (default true). Read-only opens never migrate. */
  migrate?: boolean;
  readOnly?: boolean;
  threads?: number;
  memoryLimit?: string;
}

/** DuckDB's lock message names the file and the holder's PID; say it in the product's words. */
export function explainOpenError(path: string, err: unknown): StoreError {
  const message = err instanceof Error ? err.message : String(err);
  if (/lock/i.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    return new StoreError(
      `The store ${path} is in use by another process${pid ? ` (PID ${pid})` : ''}. ` +
        `Only one process can write to it at a time: stop the other process (for example a running server, ` +
        `which imports on its own schedule) and try again.`,
    );
  }
  return new StoreError(`Cannot open the store ${path}: ${message}`);
}

export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const path = options.path ?? storePath();
  const config: Record<string, string> = {};
  if (options.readOnly) config.access_mode = 'READ_ONLY';
  if (options.threads) config.threads = String(options.threads);
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  // A commit that finds the write-ahead log over this size checkpoints before it returns: with
  // DuckDB's 16 MB, publishing a weekly batch's rollups waited ~0.6 s at NWL scale for it. The
  // importer checkpoints itself once its data is served (importLanding), so the log stays one run.
  if (!options.readOnly) config.checkpoint_threshold = '1GB';
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });

  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, config);
  } catch (err) {
    throw explainOpenError(path, err);
  }

  const withConnection = async <T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> => {
    const conn = await instance.connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  };

  if (!options.readOnly && options.migrate !== false) {
    try {
      await withConnection((conn) => migrate(conn));
    } catch (err) {
      instance.closeSync();
      throw err;
    }
  }

  return {
    path,
    instance,
    withConnection,
    async close() {
      instance.closeSync();
    },
  };
}
