/**
 * Faults: the importer SIGKILLed at points chosen by seed, all through a batch and through the
 * rollup refresh that ends the run; and the server killed in the middle of its scheduled import,
 * then started again.
 *
 * The store holds the contract's sample batch ("before"). A second batch touches every kind of
 * table: an organisation renamed, 41 usage events gzipped (one quarantined), two record feeds and
 * an objection that purges stored events. "after" is the store once the CLI has loaded it without
 * interruption. A probe run (the same CLI with test/reliability/helpers/kill-hook.ts preloaded)
 * numbers every SQL call of the import and so maps its phases: reading the files (before the
 * batch's transaction), inside the batch's transaction, its COMMIT, between it and the rollup
 * refresh, inside the refresh's transaction, its COMMIT. Each seed picks a phase (in turn), a call
 * in it, and whether to kill just before that call or 0–24 ms after issuing it (mostly in the middle
 * of a statement). Then:
 *   - the base tables and the run log (loaded_batches, ingest_runs, ingest_files, quarantine) are
 *     exactly "before" or exactly "after";
 *   - the published rollups (rollup_* and data_version) are exactly "before" or "after", and never
 *     newer than the base tables: killed between the batch's commit and the refresh's commit, the
 *     API keeps serving the previous rollups with the previous data version (README: "a crash
 *     between a batch commit and the rebuild" is repaired by the next run or server start);
 *   - the next run completes the work and ends exactly equal to "after", leaving no plain copy of
 *     a gzipped file in PORTAL_TMP_DIR.
 * PI_KILL_SEEDS=1-30 runs more seeds (default 1-6: one per phase).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HEADERS,
  SAMPLE_BATCH_DIR,
  STACK_LINE,
  TEST_KEY,
  copyBatch,
  csv,
  dbPathIn,
  expectCountsIdentity,
  makeTempDir,
  openTestStore,
  removeTempDirs,
  runImport,
} from '../ingest/helpers/harness.js';
import { finished, prng, spawnTs, storeState, whichState, type StoreState } from './helpers/store-state.js';

const SAMPLE = '2026-11-24T02-00Z';
const SECOND = '2026-11-24T07-00Z';

function seeds(): number[] {
  const spec = process.env.PI_KILL_SEEDS ?? '1-6';
  return spec.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
  });
}

type Phase = 'read' | 'batch' | 'commit' | 'between' | 'rollups' | 'rollup-commit';
const PHASES: Phase[] = ['read', 'batch', 'commit', 'between', 'rollups', 'rollup-commit'];

interface KillPoint {
  phase: Phase;
  at: number;
  delayMs: number;
}

let root: string;
let landing: string;
let beforeDb: string;
let before: StoreState;
let after: StoreState;
/** The probe's calls: [first BEGIN, its COMMIT, the refresh's BEGIN, its COMMIT, total]. */
let marks: { begin1: number; commit1: number; begin2: number; commit2: number; total: number };
/** How long the probe's process ran, start to exit (for kills by the clock). */
let probeMs: number;

function storeCopy(label: string): { dir: string; tmp: string } {
  const dir = join(root, label);
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  copyFileSync(beforeDb, dbPathIn(dir));
  return { dir, tmp };
}

function killPoint(seed: number): KillPoint {
  const random = prng(seed * 7919);
  const phase = PHASES[(seed - 1) % PHASES.length]!;
  const { begin1, commit1, begin2, commit2 } = marks;
  const pick = (from: number, to: number) => from + Math.floor(random() * (to - from + 1));
  const delay = () => (random() < 0.35 ? -1 : Math.floor(random() * 25));
  switch (phase) {
    case 'read':
      return { phase, at: pick(2, begin1 - 1), delayMs: delay() };
    case 'batch':
      return { phase, at: pick(begin1 + 1, commit1 - 1), delayMs: delay() };
    case 'commit':
      return { phase, at: commit1, delayMs: Math.floor(random() * 3) };
    case 'between':
      return commit1 + 1 < begin2 ? { phase, at: pick(commit1 + 1, begin2 - 1), delayMs: -1 } : { phase, at: begin2, delayMs: -1 };
    case 'rollups':
      return { phase, at: pick(begin2 + 1, commit2 - 1), delayMs: delay() };
    case 'rollup-commit':
      return { phase, at: commit2, delayMs: Math.floor(random() * 3) };
  }
}

const cliEnv = (dir: string, tmp: string) => ({ PORTAL_DB: dbPathIn(dir), PORTAL_PSEUDO_KEY: TEST_KEY, PORTAL_TMP_DIR: tmp });
const copiesLeft = (tmp: string) => (existsSync(tmp) ? readdirSync(tmp).filter((n) => n.startsWith('portal-ingest-')) : []);

async function stateOf(dir: string): Promise<StoreState> {
  const store = await openTestStore(dir);
  try {
    return await storeState(store);
  } finally {
    await store.close();
  }
}

/** Checks a killed store is "before" or "after" (rollups never ahead of the base tables). */
function expectBeforeOrAfter(state: StoreState, label: string): { base: string; published: string } {
  const base = whichState('base', state, { before, after });
  const published = whichState('published', state, { before, after });
  expect(['before', 'after'], `${label}: base tables and run log are ${base}`).toContain(base);
  expect(['before', 'after'], `${label}: published rollups are ${published}`).toContain(published);
  if (published === 'after') expect(base, `${label}: rollups published ahead of their data`).toBe('after');
  return { base, published };
}

/** The seeds run side by side (each in its own child and store); the in-process runs take turns. */
let turn: Promise<unknown> = Promise.resolve();
function inTurn<T>(work: () => Promise<T>): Promise<T> {
  const mine = turn.then(work);
  turn = mine.catch(() => undefined);
  return mine;
}

/** The next run, in this process (the importer's own entry point, as the CLI and the schedule call it). */
function completeAndCheck(dir: string, tmp: string, label: string): Promise<void> {
  return inTurn(() => completeAndCheckNow(dir, tmp, label));
}

async function completeAndCheckNow(dir: string, tmp: string, label: string): Promise<void> {
  // PORTAL_TMP_DIR is read by the importer at each use: it finds the killed run's copies there.
  process.env.PORTAL_TMP_DIR = tmp;
  const store = await openTestStore(dir);
  try {
    const { report } = await runImport(store, landing);
    expect(report.status, `${label}: the next run`).not.toBe('failed');
    expectCountsIdentity(report);
    const state = await storeState(store);
    expect(whichState('base', state, { after }), `${label}: after the next run`).toBe('after');
    expect(whichState('published', state, { after }), `${label}: rollups after the next run`).toBe('after');
  } finally {
    await store.close();
    delete process.env.PORTAL_TMP_DIR;
  }
  expect(copiesLeft(tmp), `${label}: plain copies of gzipped files left behind`).toEqual([]);
}

beforeAll(async () => {
  root = makeTempDir('kill-anywhere');
  landing = join(root, 'landing');
  copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
  const beforeDir = join(root, 'before');
  mkdirSync(beforeDir);
  const store = await openTestStore(beforeDir);
  try {
    await runImport(store, landing);
    before = await storeState(store);
  } finally {
    await store.close();
  }
  beforeDb = dbPathIn(beforeDir);

  const target = join(landing, SECOND);
  mkdirSync(target);
  writeFileSync(
    join(target, 'organisations.csv'),
    csv(HEADERS.organisations, [['RYX', 'Central London Community Healthcare (renamed)', 'community', 'QRV', '', '2020-01-06', '']]),
  );
  const usage = Array.from({ length: 40 }, (_, i) => [`use-98${String(i).padStart(4, '0')}`, `2026-07-0${1 + (i % 9)}T08:${String(i).padStart(2, '0')}:00Z`, '9434765919', 'E85001', 'record_viewed', 'web']);
  usage.push(['use-989999', '2026-07-01T08:05:00Z', '9434765919', 'E85001', 'record_viewed', 'pager']);
  writeFileSync(join(target, 'usage_events.csv.gz'), gzipSync(csv(HEADERS.usage_events, usage)));
  writeFileSync(
    join(target, 'record_feeds.csv'),
    csv(HEADERS.record_feeds, [
      ['feed-980001', '2026-07-01T02:00:00Z', '9434765919', 'RYJ', 'letter', 2],
      ['feed-980002', '2026-07-02T02:00:00Z', '9434765919', 'RYJ', 'result', 1],
    ]),
  );
  writeFileSync(join(target, 'consent_events.csv'), csv(HEADERS.consent_events, [['con-980001', '2026-07-02T12:00:00Z', '9131860915', 'RYJ', 'objection_registered']]));

  // The probe: an uninterrupted CLI run with the hook counting calls; its result is "after".
  const { dir, tmp } = storeCopy('probe');
  const trace = join(dir, 'trace.txt');
  const probeStarted = Date.now();
  const probe = await finished(spawnTs('scripts/ingest-cli.ts', [landing], { ...cliEnv(dir, tmp), PI_KILL_TRACE: trace }, { hook: true }), 150_000);
  expect(probe.code, probe.stderr).toBe(0);
  probeMs = Date.now() - probeStarted;
  after = await stateOf(dir);
  const calls = readFileSync(trace, 'utf8').trim().split('\n').map((l) => l.split('\t')[1]!);
  const begins = calls.flatMap((c, i) => (c.startsWith('BEGIN') ? [i + 1] : []));
  const commits = calls.flatMap((c, i) => (c === 'COMMIT' ? [i + 1] : []));
  expect(begins, 'the probe: one transaction per batch, one for the rollups').toHaveLength(2);
  expect(commits).toHaveLength(2);
  marks = { begin1: begins[0]!, commit1: commits[0]!, begin2: begins[1]!, commit2: commits[1]!, total: calls.length };
});

afterAll(() => removeTempDirs());

// Each test is a child process and its own copy of the store, so they run side by side.
describe.concurrent('the importer killed (SIGKILL) at a point chosen by seed', () => {
  it('the probe run loads the batch, and "before" and "after" differ in base tables and rollups', () => {
    expect(whichState('base', after, { before })).not.toBe('before');
    expect(whichState('published', after, { before })).not.toBe('before');
    expect(after.base.loaded_batches).toHaveLength(2);
  });

  for (const seed of seeds()) {
    it(`seed ${seed}: leaves "before" or "after", and the next run ends equal to an uninterrupted import`, async () => {
      const point = killPoint(seed);
      const label = `seed ${seed} (${point.phase}, call ${point.at}, ${point.delayMs < 0 ? 'before it' : `${point.delayMs} ms after it`})`;
      const { dir, tmp } = storeCopy(`seed-${seed}`);
      const env = { ...cliEnv(dir, tmp), PI_KILL_AT: String(point.at), PI_KILL_DELAY_MS: String(point.delayMs) };
      const killed = await finished(spawnTs('scripts/ingest-cli.ts', [landing], env, { hook: true }), 150_000);
      // A kill a few ms after the run's last call may come after the process has ended on its own.
      if (!(point.phase === 'rollup-commit' && killed.code === 0)) expect(killed.signal, `${label}\n${killed.stdout}\n${killed.stderr}`).toBe('SIGKILL');
      expect(killed.stderr).not.toMatch(STACK_LINE);

      const state = await stateOf(dir);
      const found = expectBeforeOrAfter(state, label);
      // What each phase must leave: nothing is committed before the batch's COMMIT, everything after the refresh's.
      if (point.phase === 'read' || point.phase === 'batch') expect(found, label).toEqual({ base: 'before', published: 'before' });
      if (point.phase === 'between') expect(found, label).toEqual({ base: 'after', published: 'before' });
      if (point.phase === 'rollups') expect(found, label).toEqual({ base: 'after', published: 'before' });

      await completeAndCheck(dir, tmp, label);
    }, 240_000);
  }
});

describe.concurrent('the importer killed (SIGKILL) from outside, at a moment chosen by the clock', () => {
  // Not tied to a SQL call: anywhere from start-up to the checkpoint DuckDB writes when the CLI
  // closes the store (30–110 % of the probe's run time, so most land in the import's second half).
  for (const seed of [1, 2]) {
    it(`moment ${seed}: leaves "before" or "after", and the next run ends equal to an uninterrupted import`, async () => {
      const delayMs = Math.round(probeMs * (0.3 + 0.8 * prng(seed * 104_729)()));
      const label = `kill by the clock after ${delayMs} ms (probe ran ${probeMs} ms)`;
      const { dir, tmp } = storeCopy(`clock-${seed}`);
      const child = spawnTs('scripts/ingest-cli.ts', [landing], cliEnv(dir, tmp));
      const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      const result = await finished(child, 150_000);
      clearTimeout(timer);
      // Either killed, or it finished first; both must leave a whole state.
      expect(result.signal === 'SIGKILL' || result.code === 0, `${label}\n${result.stderr}`).toBe(true);
      expectBeforeOrAfter(await stateOf(dir), label);
      await completeAndCheck(dir, tmp, label);
    }, 240_000);
  }
});

/** Waits until the child prints a line matching `pattern` (stdout or stderr), or fails after timeoutMs. */
function waitForLine(child: ReturnType<typeof spawnTs>, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${seen}`)), timeoutMs);
    const onData = (d: Buffer) => {
      seen += String(d);
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`the server ended before ${pattern}; output:\n${seen}`));
    });
  });
}

describe.concurrent('the server killed in the middle of its scheduled import, then started again', () => {
  const serverEnv = (dir: string, tmp: string) => ({
    ...cliEnv(dir, tmp),
    PORTAL_LANDING_DIR: landing,
    // Every second, so the first run starts right after the server does.
    PORTAL_IMPORT_CRON: '* * * * * *',
    PORT: '0',
    HOST: '127.0.0.1',
  });

  for (const phase of ['batch', 'rollups'] as const) {
    it(`killed in the ${phase === 'batch' ? "batch's transaction" : 'rollup refresh'}: the restarted server completes the import`, async () => {
      const seed = phase === 'batch' ? 2 : 5;
      const point = killPoint(seed);
      expect(point.phase).toBe(phase);
      const label = `server, ${phase} (call ${point.at}, ${point.delayMs} ms)`;
      const { dir, tmp } = storeCopy(`server-${phase}`);
      const env = serverEnv(dir, tmp);
      const killed = await finished(
        spawnTs('server/main.ts', [], { ...env, PI_KILL_AT: String(point.at), PI_KILL_DELAY_MS: String(point.delayMs) }, { hook: true }),
        150_000,
      );
      expect(killed.signal, `${label}\n${killed.stdout}\n${killed.stderr}`).toBe('SIGKILL');
      expect(killed.stdout).toMatch(/Portal Insights on http:\/\/127\.0\.0\.1:\d+/);
      expectBeforeOrAfter(await stateOf(dir), label);

      const restarted = spawnTs('server/main.ts', [], env);
      const done = finished(restarted, 150_000);
      try {
        await waitForLine(restarted, /\[import\] run \S+: (succeeded|nothing-to-do)/, 120_000);
      } finally {
        restarted.kill('SIGTERM');
      }
      const stopped = await done;
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stderr).not.toMatch(STACK_LINE);
      const state = await stateOf(dir);
      expect(whichState('base', state, { after }), label).toBe('after');
      expect(whichState('published', state, { after }), label).toBe('after');
      expect(copiesLeft(tmp), `${label}: plain copies left behind`).toEqual([]);
    }, 240_000);
  }
});
