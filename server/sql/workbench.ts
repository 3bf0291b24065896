/**
 * The SQL workbench's engine room: for an analyst's scope, the current extract and the sandbox
 * process serving it; a cap on each user's queries in flight; cancelling by query id. Settings come
 * from the environment (PORTAL_SQL_*).
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store.js';
import { Extracts, type Extract } from './extract.js';
import { QueryFailure, SandboxProcess, type QueryResult, type StreamSink } from './sandbox.js';

export interface WorkbenchSettings {
  /** A query's time limit (PORTAL_SQL_TIMEOUT_S, default 15 s). */
  timeoutMs: number;
  /** A download's time limit (PORTAL_SQL_EXPORT_TIMEOUT_S, default 300 s). */
  exportTimeoutMs: number;
  /** DuckDB memory_limit of each sandbox process (PORTAL_SQL_MEMORY, default 1GB). */
  memoryLimit: string;
  /** DuckDB threads of each sandbox process (PORTAL_SQL_THREADS, default 2). */
  threads: number;
  /** Queries one user may have running at once (PORTAL_SQL_MAX_CONCURRENT, default 2). */
  maxConcurrentPerUser: number;
  /** Sandbox processes kept at once (one per scope in use; PORTAL_SQL_MAX_PROCESSES, default 4). */
  maxProcesses: number;
  /** Rows shown at most (a download has no limit). */
  maxRows: number;
  /** Bytes of JSON a shown result may take before it is cut short. */
  maxResultBytes: number;
  extractDir?: string;
}

export function workbenchSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkbenchSettings {
  const num = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number from ${min} to ${max} (got '${raw}')`);
    return n;
  };
  const memory = env.PORTAL_SQL_MEMORY ?? '1GB';
  if (Number.isNaN(sizeInBytes(memory))) throw new Error(`PORTAL_SQL_MEMORY must be a size such as 512MB or 2GB (got '${memory}')`);
  return {
    timeoutMs: num('PORTAL_SQL_TIMEOUT_S', 15, 1, 3600) * 1000,
    exportTimeoutMs: num('PORTAL_SQL_EXPORT_TIMEOUT_S', 300, 1, 86_400) * 1000,
    memoryLimit: memory,
    threads: num('PORTAL_SQL_THREADS', 2, 1, 64),
    maxConcurrentPerUser: num('PORTAL_SQL_MAX_CONCURRENT', 2, 1, 100),
    maxProcesses: num('PORTAL_SQL_MAX_PROCESSES', 4, 1, 64),
    maxRows: 100_000,
    maxResultBytes: 64 * 1024 * 1024,
    ...(env.PORTAL_EXTRACT_DIR ? { extractDir: env.PORTAL_EXTRACT_DIR } : {}),
  };
}

/** A DuckDB size such as 512MB, 2GB or 1.5GiB in bytes (NaN when it is not one). */
function sizeInBytes(size: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG])(i?)B$/i.exec(size.trim());
  if (!m) return Number.NaN;
  const power = { K: 1, M: 2, G: 3 }[m[2]!.toUpperCase() as 'K' | 'M' | 'G'];
  return Number(m[1]) * (m[3] ? 1024 : 1000) ** power;
}

export interface Caller {
  username: string;
  /** The organisation whose extract the query runs on. */
  scope: string;
}

interface Entry {
  extract: Extract;
  process: SandboxProcess;
}

/** Idle sandbox processes are closed after this long. */
const IDLE_MS = 10 * 60_000;

export class Workbench {
  readonly extracts: Extracts;
  private readonly processes = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Set<string>>();
  private readonly owners = new Map<string, { username: string; process: SandboxProcess }>();
  /** Queries cancelled while their scope's extract was still being built (no process yet to tell). */
  private readonly cancelledEarly = new Set<string>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(
    store: Store,
    readonly settings: WorkbenchSettings = workbenchSettingsFromEnv(),
  ) {
    this.extracts = new Extracts(store, settings.extractDir, (old) => this.retire(old));
    this.sweeper = setInterval(() => this.closeIdle(), 60_000);
    this.sweeper.unref();
  }

  /** The scope's sandbox, started on the current extract (built first if needed). */
  private async processFor(scope: string, dataVersion: string, root: string | null): Promise<Entry> {
    const extract = await this.extracts.get(scope, dataVersion, root);
    const have = this.processes.get(scope);
    if (have && have.extract === extract && have.process.alive) return have;
    if (have && have.extract !== extract) this.retire(have.extract);
    const entry = { extract, process: new SandboxProcess({ path: extract.path, memoryLimit: this.settings.memoryLimit, memoryLimitBytes: sizeInBytes(this.settings.memoryLimit), threads: this.settings.threads }) };
    this.processes.set(scope, entry);
    this.closeIdle(this.settings.maxProcesses);
    return entry;
  }

  /** Ends the process of an extract that a newer one replaced (when its queries are done) and deletes the file. */
  private retire(old: Extract): void {
    const entry = this.processes.get(old.scope);
    const process = entry?.extract === old ? entry.process : undefined;
    if (entry?.extract === old) this.processes.delete(old.scope);
    const finish = async () => {
      if (process) {
        while (process.alive && process.busy > 0) await new Promise((r) => setTimeout(r, 500));
        await process.close();
      }
      this.extracts.remove(old);
    };
    void finish();
  }

  private closeIdle(keep = Infinity): void {
    const idle = [...this.processes.entries()].filter(([, e]) => e.process.busy === 0).sort((a, b) => a[1].process.lastUsed - b[1].process.lastUsed);
    let over = this.processes.size - keep;
    for (const [scope, e] of idle) {
      if (over > 0 || Date.now() - e.process.lastUsed > IDLE_MS) {
        this.processes.delete(scope);
        void e.process.close();
        over--;
      }
    }
  }

  private admit(caller: Caller, id: string): () => void {
    const mine = this.inFlight.get(caller.username) ?? new Set<string>();
    if (mine.size >= this.settings.maxConcurrentPerUser) {
      throw new QueryFailure('busy', `You have ${mine.size} queries running, the most allowed at once; wait for one to finish or cancel it.`);
    }
    mine.add(id);
    this.inFlight.set(caller.username, mine);
    return () => {
      mine.delete(id);
      this.owners.delete(id);
      this.cancelledEarly.delete(id);
      if (mine.size === 0) this.inFlight.delete(caller.username);
    };
  }

  async query(caller: Caller, sql: string, facts: { dataVersion: string; root: string | null }, options: { limit: number; id?: string; signal?: AbortSignal }): Promise<QueryResult & { id: string; dataVersion: string }> {
    const id = options.id ?? randomUUID();
    const release = this.admit(caller, id);
    try {
      const { process, extract } = await this.processFor(caller.scope, facts.dataVersion, facts.root);
      if (this.cancelledEarly.has(id)) throw new QueryFailure('cancelled', 'The query was cancelled.');
      this.owners.set(id, { username: caller.username, process });
      const result = await process.query(sql, {
        id,
        limit: Math.min(options.limit, this.settings.maxRows),
        timeoutMs: this.settings.timeoutMs,
        maxBytes: this.settings.maxResultBytes,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      // The extract's version: while a newer one is being built, the previous one answers.
      return { ...result, id, dataVersion: extract.dataVersion };
    } finally {
      release();
    }
  }

  async stream(caller: Caller, sql: string, facts: { dataVersion: string; root: string | null }, sink: StreamSink, options: { id?: string; signal?: AbortSignal } = {}) {
    const id = options.id ?? randomUUID();
    const release = this.admit(caller, id);
    try {
      const { process } = await this.processFor(caller.scope, facts.dataVersion, facts.root);
      if (this.cancelledEarly.has(id)) throw new QueryFailure('cancelled', 'The query was cancelled.');
      this.owners.set(id, { username: caller.username, process });
      return await process.stream(sql, sink, { id, timeoutMs: this.settings.exportTimeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
    } finally {
      release();
    }
  }

  /** Cancels one of the caller's running queries; false when there is none with that id. */
  cancel(username: string, id: string): boolean {
    const owner = this.owners.get(id);
    if (!owner) {
      // Admitted but still waiting for its extract: it stops as soon as the extract is ready.
      if (!this.inFlight.get(username)?.has(id)) return false;
      this.cancelledEarly.add(id);
      return true;
    }
    if (owner.username !== username) return false;
    owner.process.cancel(id);
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.processes.values()].map((e) => e.process.close()));
    this.processes.clear();
  }
}
