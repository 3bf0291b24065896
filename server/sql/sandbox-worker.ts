/**
 * A sandbox process: runs analysts' SQL on one scope's extract, and nothing else. Started by
 * server/sql/sandbox.ts with the extract's path; a crash or an out-of-memory here ends this process
 * only, never the API.
 *
 * DuckDB has no privilege boundary of its own, so the boundary is built around it:
 * - the extract holds only the scope's rows of the analysts' tables (server/sql/extract.ts): there
 *   is nothing else to reach, whatever the SQL;
 * - it is opened READ_ONLY (no tables can be created), with no spill directory, extension
 *   autoloading and autoinstalling off, memory_limit and threads set, and external access off (no
 *   file readers, glob, COPY, ATTACH, INSTALL/LOAD, getenv); then the configuration is locked
 *   before the first statement, so no SET or RESET can undo any of it;
 * - every statement is checked to be one query (statement-check.ts) before it runs; a text run
 *   again on a connection that kept its plan runs that plan (connection-pool.ts);
 * - each query has a connection of its own, interrupted at its time limit or when cancelled.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBPreparedStatement, type DuckDBResult } from '@duckdb/node-api';
import { ConnectionPool, type PooledConnection } from './connection-pool.js';
import type { FailureCode, FromSandbox, ResultColumn, SandboxSettings, ToSandbox } from './protocol.js';
import { cellReaders, firstRowsJson, rowsOf, type CellReader } from './result-cells.js';
import { checkStatement, type Verdict } from './statement-check.js';

const send = (message: FromSandbox) => process.send?.(message);

const settings = JSON.parse(process.env.PORTAL_SANDBOX_SETTINGS ?? 'null') as SandboxSettings | null;

interface Running {
  conn: DuckDBConnection;
  cancelled: boolean;
  timedOut: boolean;
  /** Resolves when the server has taken the last chunk (stream only). */
  acked?: () => void;
}
const running = new Map<string, Running>();

/** Kept plans are let go once the process is this far past DuckDB's memory limit (connection-pool.ts). */
const PLAN_MEMORY_MARGIN = 256 << 20;

function columnsOf(result: DuckDBResult): ResultColumn[] {
  return result.columnNames().map((name, i) => ({ name, type: result.columnType(i).toString() }));
}

/** Tells the server a statement was refused before it ran (not one query, or a syntax error). */
function refuse(id: string, verdict: Exclude<Verdict, { ok: true }>): void {
  send({ kind: 'failed', id, code: verdict.code, message: verdict.message, ...(verdict.position !== undefined ? { position: verdict.position } : {}) });
}

function classify(err: unknown, r: Running | undefined): { code: FailureCode; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (r?.timedOut) return { code: 'timeout', message };
  if (r?.cancelled) return { code: 'cancelled', message: 'The query was cancelled.' };
  if (/Out of Memory/i.test(message)) return { code: 'memory', message };
  if (/INTERRUPT/i.test(message)) return { code: 'cancelled', message: 'The query was cancelled.' };
  return { code: 'invalid', message: message.replace(/\n+LINE \d+:[\s\S]*$/, '').trim() };
}

async function main(): Promise<void> {
  if (!settings) {
    send({ kind: 'fatal', message: 'no sandbox settings given' });
    process.exit(2);
  }
  // Order matters: once external access is off, temp_directory can no longer be set.
  const instance = await DuckDBInstance.create(settings.path, {
    access_mode: 'READ_ONLY',
    temp_directory: '',
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
    memory_limit: settings.memoryLimit,
    threads: String(settings.threads),
    enable_external_access: 'false',
  });
  const setup = await instance.connect();
  await setup.run('SET lock_configuration = true');
  setup.closeSync();

  // Idle connections with the plans of the queries they ran (connection-pool.ts).
  const pool = new ConnectionPool(() => instance.connect(), { ceilingBytes: settings.memoryLimitBytes + PLAN_MEMORY_MARGIN });
  const start = async (id: string, sql: string, timeoutMs: number): Promise<[Running, PooledConnection, (reusable: boolean) => void]> => {
    const held = await pool.take(sql);
    const r: Running = { conn: held.conn, cancelled: false, timedOut: false };
    running.set(id, r);
    const timer = setTimeout(() => {
      r.timedOut = true;
      r.conn.interrupt();
    }, timeoutMs);
    return [r, held, (reusable) => {
      clearTimeout(timer);
      running.delete(id);
      pool.give(held, reusable && !r.timedOut && !r.cancelled);
    }];
  };

  /**
   * Runs one checked statement on a connection of its own: refused before it runs if it is not one
   * query, stopped at its time limit, reported as a failure in the analyst's words otherwise.
   * `use` reads the result (the first rows, or every chunk).
   */
  const run = async (
    m: { id: string; sql: string; timeoutMs: number },
    use: (r: Running, result: DuckDBResult, readers: CellReader[], t0: number) => Promise<void>,
  ) => {
    const t0 = performance.now();
    const [r, held, done] = await start(m.id, m.sql, m.timeoutMs);
    let reusable = true;
    let unkept: DuckDBPreparedStatement | undefined;
    try {
      // A text this connection ran before runs its kept plan: it passed the check then.
      let plan = pool.planFor(held, m.sql);
      if (!plan) {
        const before = process.memoryUsage.rss();
        const verdict = await checkStatement(r.conn, m.sql);
        if (!verdict.ok) return refuse(m.id, verdict);
        plan = verdict.prepared;
        reusable = verdict.keepable;
        if (!reusable || !pool.remember(held, m.sql, plan, process.memoryUsage.rss() - before)) unkept = plan;
      }
      const result = await plan.stream();
      await use(r, result, cellReaders(result), t0);
    } catch (err) {
      send({ kind: 'failed', id: m.id, ...classify(err, r) });
    } finally {
      unkept?.destroySync();
      done(reusable);
    }
  };

  /** The first `limit` rows (or `maxBytes` of them) as JSON text, and whether there were more. */
  const query = (m: Extract<ToSandbox, { kind: 'query' }>) =>
    run(m, async (_r, result, readers, t0) => {
      const first = await firstRowsJson(result, readers, { limit: m.limit, maxBytes: m.maxBytes });
      send({ kind: 'result', id: m.id, columns: columnsOf(result), ...first, elapsedMs: Math.round(performance.now() - t0) });
    });

  /** Every row, a chunk at a time, each sent only when the server has taken the one before. */
  const stream = (m: Extract<ToSandbox, { kind: 'stream' }>) =>
    run(m, async (r, result, readers, t0) => {
      send({ kind: 'columns', id: m.id, columns: columnsOf(result) });
      let rowCount = 0;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const rows = rowsOf(chunk, readers);
        rowCount += rows.length;
        // Wait for the server to take it: memory stays at one chunk, however large the result.
        const acked = new Promise<void>((resolve) => (r.acked = resolve));
        send({ kind: 'chunk', id: m.id, rows });
        await acked;
        if (r.cancelled) throw new Error('INTERRUPT');
      }
      send({ kind: 'end', id: m.id, rowCount, elapsedMs: Math.round(performance.now() - t0) });
    });

  process.on('message', (m: ToSandbox) => {
    if (m.kind === 'query') void query(m);
    else if (m.kind === 'stream') void stream(m);
    else if (m.kind === 'ack') running.get(m.id)?.acked?.();
    else if (m.kind === 'cancel') {
      const r = running.get(m.id);
      if (r) {
        r.cancelled = true;
        r.conn.interrupt();
        r.acked?.();
      }
    }
  });
  // The server went away: so does this process.
  process.on('disconnect', () => process.exit(0));
  send({ kind: 'ready' });
}

main().catch((err: unknown) => {
  send({ kind: 'fatal', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
