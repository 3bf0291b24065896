/**
 * A store's state for the crash tests, split the way an import changes it:
 *   - `base`: every base table and the run bookkeeping (loaded_batches, ingest_runs, ingest_files,
 *     quarantine, store_meta's key fingerprint and base_version) — changed by a batch's transaction;
 *   - `published`: every rollup_* table, store_meta's data_version / rollups_code, and which batches
 *     are marked served (loaded_batches.served_at) — changed by the rollup refresh's transaction.
 * Columns that differ between two runs doing the same work (run ids, clocks, durations, the trigger)
 * are left out, so "the same state" means the same rows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Store } from '../../../server/store/store.js';
import { query, REPO_ROOT } from '../../ingest/helpers/harness.js';

const RUN_COLUMNS: Record<string, string[]> = {
  ingest_runs: ['run_id', 'trigger', 'started_at', 'finished_at', 'duration_ms'],
  ingest_files: ['run_id', 'duration_ms'],
  loaded_batches: ['run_id', 'loaded_at', 'landed_at', 'imported_at', 'served_at'],
  quarantine: ['quarantined_at'],
  rollup_facts: ['built_at'],
};
/** Tables outside an import's reach (accounts, audit, saved SQL) and the migration log. */
const NOT_IMPORTED = new Set(['users', 'sessions', 'api_tokens', 'audit_log', 'sql_saved', 'schema_version']);
const PUBLISHED_META = ['data_version', 'rollups_code'];

export interface StoreState {
  base: Record<string, string[]>;
  published: Record<string, string[]>;
}

export async function storeState(store: Store): Promise<StoreState> {
  const tables = (
    await query<{ table_name: string }>(store, `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary ORDER BY 1`)
  )
    .map((r) => r.table_name)
    .filter((t) => !NOT_IMPORTED.has(t));
  const state: StoreState = { base: {}, published: {} };
  for (const table of tables) {
    // rollup_pending (and the purged events it keeps) is the refresh's to-do list: written with a batch, emptied by the refresh. It
    // is neither state; that a crash leaves the right work to do is proved by the next run ending
    // equal to an uninterrupted import.
    if (table === 'store_meta' || table === 'rollup_pending' || table === 'rollup_pending_purged') continue;
    const drop = RUN_COLUMNS[table];
    const select = drop ? `* EXCLUDE (${drop.join(', ')})` : '*';
    const rows = (await query(store, `SELECT ${select} FROM "${table}"`)).map((r) => JSON.stringify(r)).sort();
    (table.startsWith('rollup_') ? state.published : state.base)[table] = rows;
  }
  // When a batch was served is a clock, but whether it is marked served belongs to the rollups' publish.
  const served = await query<{ batch_id: string }>(store, `SELECT batch_id FROM loaded_batches WHERE served_at IS NOT NULL ORDER BY 1`);
  state.published.served_batches = served.map((r) => r.batch_id);
  const meta = await query<{ key: string; value: string }>(store, `SELECT key, value FROM store_meta ORDER BY key`);
  state.base.store_meta = meta.filter((m) => !PUBLISHED_META.includes(m.key)).map((m) => `${m.key}=${m.value}`);
  state.published.store_meta = meta.filter((m) => PUBLISHED_META.includes(m.key)).map((m) => `${m.key}=${m.value}`);
  return state;
}

/** Which of the named states `part` equals exactly, or 'neither' (with the first table that differs). */
export function whichState(part: 'base' | 'published', actual: StoreState, named: Record<string, StoreState>): string {
  for (const [name, state] of Object.entries(named)) {
    if (JSON.stringify(actual[part]) === JSON.stringify(state[part])) return name;
  }
  const first = Object.values(named)[0]!;
  const differs = Object.keys({ ...actual[part], ...first[part] }).filter(
    (t) => Object.values(named).every((s) => JSON.stringify(s[part][t]) !== JSON.stringify(actual[part][t])),
  );
  return `neither (differs from every expected state in: ${differs.join(', ')})`;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const KILL_HOOK = join(REPO_ROOT, 'test/reliability/helpers/kill-hook.ts');

/** Runs a TypeScript entry of the project in a child (node --import tsx [--import kill-hook]). */
export function spawnTs(entry: string, args: string[], env: Record<string, string>, options: { hook?: boolean } = {}): ChildProcess {
  // The specs re-run imports on the same landing: the CLI and the server archive only when asked.
  const childEnv: Record<string, string | undefined> = { ...process.env, PORTAL_ARCHIVE_DIR: 'off', ...env };
  for (const name of ['PORTAL_FAULT', 'PI_KILL_AT', 'PI_KILL_TRACE', 'PI_KILL_DELAY_MS']) if (!(name in env)) delete childEnv[name];
  const imports = ['--import', 'tsx', ...(options.hook ? ['--import', KILL_HOOK] : [])];
  return spawn(process.execPath, [...imports, join(REPO_ROOT, entry), ...args], { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits for a child to end (killing it after timeoutMs), with what it printed. */
export function finished(child: ChildProcess, timeoutMs = 60_000): Promise<ChildResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += String(d)));
  child.stderr?.on('data', (d) => (stderr += String(d)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** A small seeded PRNG (mulberry32), so a seed names the same kill point every time. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
