/**
 * The server's side of the sandbox processes (sandbox-worker.ts): one child process per scope's
 * extract, started on first use, ended when idle or when a newer extract replaces it. Each query
 * gets an id; a query the child does not answer within its time limit plus a grace period gets the
 * child killed (and a clear "stopped" for the analyst), so a stuck or crashed child never leaves a
 * request hanging and never takes the API down.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Cell, FailureCode, FromSandbox, ResultColumn, SandboxSettings, ToSandbox } from './protocol.js';

const WORKER = fileURLToPath(new URL('./sandbox-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** How long past its own time limit a query may go unanswered before its process is killed. */
const GRACE_MS = 5_000;

export class QueryFailure extends Error {
  override name = 'QueryFailure';
  constructor(
    readonly code: FailureCode,
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

export interface QueryResult {
  columns: ResultColumn[];
  /** The rows as JSON text, an array of arrays of cells (see FromSandbox 'result'). */
  rowsJson: string;
  rowCount: number;
  truncated: boolean;
  elapsedMs: number;
}

export interface StreamSink {
  columns(columns: ResultColumn[]): void | Promise<void>;
  /** Called for each chunk; the next arrives only after the returned promise settles. */
  rows(rows: Cell[][]): void | Promise<void>;
}

type Pending = {
  onMessage(m: FromSandbox): void;
  fail(err: Error): void;
};

export class SandboxProcess {
  private readonly child: ChildProcess;
  private readonly pending = new Map<string, Pending>();
  private readonly ready: Promise<void>;
  private exited = false;
  lastUsed = Date.now();

  constructor(readonly settings: SandboxSettings) {
    this.child = fork(WORKER, [], {
      cwd: REPO_ROOT,
      // tsx runs the TypeScript; the heap is capped so a huge result cannot grow it without end.
      execArgv: ['--import', 'tsx', '--max-old-space-size=768'],
      // Nothing of the server's environment (its keys, its settings) goes to the sandbox.
      env: { PATH: process.env.PATH ?? '', UV_THREADPOOL_SIZE: '8', PORTAL_SANDBOX_SETTINGS: JSON.stringify(settings) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: FromSandbox) => {
        if (m.kind === 'ready') resolve();
        else if (m.kind === 'fatal') reject(new QueryFailure('crashed', `The query process could not open the data: ${m.message}`));
      };
      this.child.on('message', onMessage);
      this.child.once('exit', () => reject(new QueryFailure('crashed', `The query process stopped while starting. ${stderr.trim().split('\n').at(-1) ?? ''}`.trim())));
    });
    this.ready.catch(() => {});
    this.child.on('message', (m: FromSandbox) => {
      if ('id' in m) this.pending.get(m.id)?.onMessage(m);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      const why = signal === 'SIGKILL' ? 'was stopped' : `stopped unexpectedly (${signal ?? `exit code ${code}`})`;
      for (const p of this.pending.values()) p.fail(new QueryFailure('crashed', `The query process ${why}; nothing else was affected. Run the query again.`));
      this.pending.clear();
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  get busy(): number {
    return this.pending.size;
  }

  private post(m: ToSandbox): void {
    if (!this.exited) this.child.send(m);
  }

  /** Runs one query; the first `limit` rows come back. `signal` cancels it. */
  async query(sql: string, options: { limit: number; timeoutMs: number; maxBytes: number; signal?: AbortSignal; id?: string }): Promise<QueryResult> {
    await this.ready;
    const id = options.id ?? randomUUID();
    return this.track(id, options.timeoutMs, options.signal, (resolve, m) => {
      if (m.kind === 'result') resolve({ columns: m.columns, rowsJson: m.rowsJson, rowCount: m.rowCount, truncated: m.truncated, elapsedMs: m.elapsedMs });
    }, () => this.post({ kind: 'query', id, sql, limit: options.limit, timeoutMs: options.timeoutMs, maxBytes: options.maxBytes }));
  }

  /** Streams every row of a query into `sink`, a chunk at a time. */
  async stream(sql: string, sink: StreamSink, options: { timeoutMs: number; signal?: AbortSignal; id?: string }): Promise<{ rowCount: number; elapsedMs: number }> {
    await this.ready;
    const id = options.id ?? randomUUID();
    return this.track(id, options.timeoutMs, options.signal, (resolve, m, fail) => {
      const take = (work: () => void | Promise<void>) =>
        Promise.resolve()
          .then(work)
          .then(() => this.post({ kind: 'ack', id }), (err: Error) => {
            // The receiving side refused or failed (a publication check, a closed connection):
            // stop the query and report that error, not a cancellation.
            this.post({ kind: 'cancel', id });
            fail(err);
          });
      if (m.kind === 'columns') void take(() => sink.columns(m.columns)).then(() => {});
      else if (m.kind === 'chunk') void take(() => sink.rows(m.rows));
      else if (m.kind === 'end') resolve({ rowCount: m.rowCount, elapsedMs: m.elapsedMs });
    }, () => this.post({ kind: 'stream', id, sql, timeoutMs: options.timeoutMs }));
  }

  private track<T>(
    id: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    handle: (resolve: (v: T) => void, m: FromSandbox, fail: (e: Error) => void) => void,
    begin: () => void,
  ): Promise<T> {
    this.lastUsed = Date.now();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = () => {
        settled = true;
        clearTimeout(watchdog);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        this.lastUsed = Date.now();
      };
      const fail = (err: Error) => {
        if (settled) return;
        finish();
        reject(err);
      };
      const onAbort = () => this.post({ kind: 'cancel', id });
      // The child interrupts at timeoutMs itself; if it cannot (stuck in native code), kill it.
      const watchdog = setTimeout(() => {
        if (settled) return;
        fail(new QueryFailure('timeout', `The query ran past its time limit (${Math.round(timeoutMs / 1000)} s) and did not stop, so its process was stopped.`));
        this.kill();
      }, timeoutMs + GRACE_MS);
      this.pending.set(id, {
        onMessage: (m) => {
          if (m.kind === 'failed') return fail(new QueryFailure(m.code, m.message, m.position));
          handle((v) => {
            if (settled) return;
            finish();
            resolve(v);
          }, m, fail);
        },
        fail,
      });
      if (signal?.aborted) return fail(new QueryFailure('cancelled', 'The query was cancelled.'));
      signal?.addEventListener('abort', onAbort, { once: true });
      begin();
    });
  }

  cancel(id: string): void {
    this.post({ kind: 'cancel', id });
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.disconnect?.();
    const timer = setTimeout(() => this.kill(), 2_000);
    await exited;
    clearTimeout(timer);
  }
}
