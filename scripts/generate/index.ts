/**
 * Synthetic region generator: writes export batches in the contract format into a landing
 * directory, plus `_manifest.json` at its root describing what was generated (including every
 * planted bad row), so the importer's quarantine can be checked against it.
 *
 * Flow: build the region and every patient's plan (main thread, shared memory) → generate
 * batches (worker threads, or inline for small regions) into `<out>/.generating/` → publish each
 * batch folder by renaming it into place, strictly in delivery order, so an importer scanning
 * the landing directory meanwhile never sees a half-written or out-of-order batch.
 */
import { access, constants, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { runTask, type BadRowRecord, type DuplicateRecord, type Task, type TaskResult } from './batch.js';
import { isoDate, type Period } from './calendar.js';
import { buildSkeleton, createContext, type Context, type Skeleton } from './context.js';
import { EVENT_KINDS, FILE_KINDS, type EventKind, type FileKind } from '../../server/contract/export-format.js';
import { BAD_KINDS, type BadKind } from './corrupt.js';
import { resolveOptions, type GenerateOptions, type ResolvedOptions } from './options.js';
import { ParquetConverter } from './parquet.js';
import { allocatePlan, planPractices, practiceRanges, type Plan } from './population.js';
import { WorkerPool } from './pool.js';
import { buildSchedule, type Schedule } from './schedule.js';
import type { PendingParquet, WrittenFile } from './writers.js';

export type { GenerateOptions, GenerateProgress } from './options.js';
export { OptionsError } from './options.js';

const MANIFEST_NAME = '_manifest.json';
const STAGING = '.generating';

/** A problem the person running the generator can act on (shown without a stack). */
export class GenerateError extends Error {
  override name = 'GenerateError';
}

export interface GenerationSummary {
  out: string;
  seed: number;
  scale: number;
  days: number;
  end: string;
  batch: ResolvedOptions['batch'];
  format: ResolvedOptions['format'];
  organisations: number;
  practices: number;
  campaigns: number;
  patients: number;
  batches: number;
  /** Rows written per file kind (events include planted bad rows and re-sent duplicates). */
  rows: Record<FileKind, number>;
  events: Record<EventKind, number>;
  badRows: Record<BadKind, number> & { total: number };
  duplicates: number;
  seconds: number;
}

export interface Manifest {
  generator: string;
  contract_version: 1;
  seed: number;
  scale: number;
  options: { days: number; end: string; batch: string; format: string; part_rows: number };
  history: { first_day: string; last_day: string; first_batch: string; last_batch: string };
  counts: {
    organisations: number;
    ccgs: number;
    trusts: number;
    community_services: number;
    practices: number;
    campaigns: number;
    programme_costs: number;
    patients: number;
    activated_patients: number;
    objecting_patients: number;
    moved_patients: number;
    batches: number;
    rows: Record<FileKind, number>;
  };
  bad_rows: { total: number; by_kind: Record<BadKind, number>; rows: BadRowRecord[] };
  duplicates: { total: number; rows: DuplicateRecord[] };
  batches: { id: string; period_start: string; period_end: string; files: WrittenFile[] }[];
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir spins forever under /proc (e.g.
 * `--out /proc/x`), so find the nearest existing ancestor first.
 */
async function ensureDir(path: string): Promise<void> {
  const missing: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    try {
      const st = await stat(p);
      if (!st.isDirectory()) throw new GenerateError(`cannot write to the output folder ${path}: ${p} is not a folder`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw err;
      missing.push(p);
    }
  }
  for (const dir of missing.reverse()) await mkdir(dir);
}

async function prepareOut(out: string): Promise<string> {
  try {
    await ensureDir(out);
    await access(out, constants.W_OK);
  } catch (err) {
    if (err instanceof GenerateError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new GenerateError(`cannot write to the output folder ${out} (${code})`);
  }
  const entries = await readdir(out);
  if (entries.includes(MANIFEST_NAME)) {
    // A previous generator run: replace what it wrote, and nothing else.
    try {
      const previous = JSON.parse(await readFile(join(out, MANIFEST_NAME), 'utf8')) as Partial<Manifest>;
      for (const b of previous.batches ?? []) if (/^[\w:-]+$/.test(b.id)) await rm(join(out, b.id), { recursive: true, force: true });
    } catch {
      throw new GenerateError(`${join(out, MANIFEST_NAME)} is not a generator manifest; choose an empty output folder`);
    }
    await rm(join(out, MANIFEST_NAME), { force: true });
  }
  await rm(join(out, STAGING), { recursive: true, force: true });
  const others = (await readdir(out)).filter((e) => e !== STAGING);
  if (others.length > 0) {
    throw new GenerateError(
      `the output folder ${out} already holds ${others.length} entries the generator did not write (e.g. ${others[0]}); choose an empty folder`,
    );
  }
  const staging = join(out, STAGING);
  await mkdir(staging);
  return staging;
}

function emptyCounts<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

/** Runs tasks inline or across the worker threads; results are handed over as they complete. */
async function runTasks(
  ctx: Context,
  pool: WorkerPool | undefined,
  tasks: Task[],
  staging: string,
  onResult: (r: TaskResult) => void,
): Promise<void> {
  if (!pool) {
    for (const task of tasks) onResult(await runTask(ctx, task, staging));
    return;
  }
  let next = 0;
  // Each worker takes the next task as soon as it is done with one (batches differ in size).
  const drive = async (index: number): Promise<void> => {
    for (let task = tasks[next++]; task; task = tasks[next++]) {
      const result = await pool.request(index, { type: 'task', task });
      if (!result) throw new Error('a generator worker answered a task without its result');
      onResult(result);
    }
  };
  await Promise.all(Array.from({ length: pool.size }, (_, i) => drive(i)));
}

/**
 * The region's plan: filled by the workers in parallel (a share of the practices each), or
 * here when there are none.
 */
async function planRegion(plan: Plan, skeleton: Skeleton, seed: number, pool: WorkerPool | undefined): Promise<void> {
  if (!pool) {
    planPractices(plan, { seed, ...skeleton }, 0, skeleton.region.practices.length);
    return;
  }
  const ranges = practiceRanges(skeleton.region, pool.size);
  await pool.all((i) => {
    const [fromPractice, toPractice] = ranges[i] ?? [0, 0];
    return { type: 'plan', fromPractice, toPractice };
  });
}

export async function generateRegion(options: GenerateOptions): Promise<GenerationSummary> {
  const started = performance.now();
  const resolved = resolveOptions(options);
  const opts: ResolvedOptions = {
    ...resolved,
    out: resolve(resolved.out),
    workers: Math.min(resolved.workers, availableParallelism()),
  };
  const progress = options.onProgress ?? (() => undefined);
  const staging = await prepareOut(opts.out);

  progress({ phase: 'planning', done: 0, total: 1 });
  const skeleton = buildSkeleton(opts);
  const { periods, region, calendar } = skeleton;
  const tasks: Task[] = [{ type: 'batch', period: 0 }, { type: 'patients' }];
  for (let p = 1; p < periods.length; p++) tasks.push({ type: 'batch', period: p });

  const plan: Plan = allocatePlan(region, periods.length);
  const workers = Math.min(opts.workers, tasks.length);
  const pool =
    workers > 0
      ? new WorkerPool({ entry: new URL('./worker.ts', import.meta.url).href, options: opts, plan, stagingRoot: staging }, workers)
      : undefined;

  // Publishing: a batch folder moves into the landing directory once it and every earlier one is complete.
  const perBatch = new Map<number, { tasksLeft: number; files: WrittenFile[]; pending: PendingParquet[] }>();
  for (let p = 0; p < periods.length; p++) perBatch.set(p, { tasksLeft: p === 0 ? 2 : 1, files: [], pending: [] });
  const bad: BadRowRecord[] = [];
  const duplicates: DuplicateRecord[] = [];
  const batchFiles: WrittenFile[][] = periods.map(() => []);
  let nextToPublish = 0;
  let converter: ParquetConverter | undefined;
  let publishing: Promise<void> = Promise.resolve();
  let done = 0;

  const publishReady = async (): Promise<void> => {
    while (nextToPublish < periods.length && perBatch.get(nextToPublish)?.tasksLeft === 0) {
      const entry = perBatch.get(nextToPublish)!;
      const period = periods[nextToPublish] as Period;
      if (entry.pending.length > 0) {
        converter ??= await ParquetConverter.create();
        for (const file of entry.pending) await converter.convert(file);
      }
      await rename(join(staging, period.batchId), join(opts.out, period.batchId));
      batchFiles[nextToPublish] = [...entry.files].sort((a, b) => a.name.localeCompare(b.name));
      nextToPublish++;
    }
  };

  const onResult = (r: TaskResult): void => {
    const p = r.task.type === 'batch' ? r.task.period : 0;
    const entry = perBatch.get(p)!;
    entry.tasksLeft--;
    entry.files.push(...r.files);
    entry.pending.push(...r.pending);
    bad.push(...r.bad);
    duplicates.push(...r.duplicates);
    done++;
    progress({ phase: 'writing batches', done, total: tasks.length });
    publishing = publishing.then(publishReady);
  };

  try {
    await planRegion(plan, skeleton, opts.seed, pool);
    const schedule: Schedule = buildSchedule(plan, periods);
    const ctx = createContext(opts, skeleton, plan, schedule);
    await pool?.all(() => ({ type: 'schedule', schedule }));
    progress({ phase: 'planning', done: 1, total: 1 });
    await runTasks(ctx, pool, tasks, staging, onResult);
    await publishing;
  } finally {
    converter?.close();
    await pool?.terminate();
  }
  await rm(staging, { recursive: true, force: true });

  const rows = emptyCounts<FileKind>(FILE_KINDS);
  for (const files of batchFiles) for (const f of files) rows[f.kind] += f.rows;
  const byKind = emptyCounts<BadKind>(BAD_KINDS);
  for (const b of bad) byKind[b.kind]++;
  const order = (a: { batch: string; file: string; line: number }, b: typeof a) =>
    a.batch.localeCompare(b.batch) || a.file.localeCompare(b.file) || a.line - b.line;
  bad.sort(order);
  duplicates.sort(order);

  let activated = 0;
  let objecting = 0;
  let moved = 0;
  for (let i = 0; i < plan.size; i++) {
    if ((plan.act[i] as number) >= 0) activated++;
    if ((plan.objSec[i] as number) >= 0) objecting++;
    if ((plan.moveRound[i] as number) >= 0) moved++;
  }
  const organisations = 1 + region.ccgs.length + region.trusts.length + region.community.length + region.practices.length;
  const first = periods[0] as Period;
  const last = periods[periods.length - 1] as Period;
  const manifest: Manifest = {
    generator: 'portal-insights synthetic region (scripts/generate)',
    contract_version: 1,
    seed: opts.seed,
    scale: opts.scale,
    options: { days: opts.days, end: opts.end, batch: opts.batch, format: opts.format, part_rows: opts.partRows },
    history: {
      first_day: isoDate(calendar.startEpoch),
      last_day: isoDate(calendar.startEpoch + calendar.endSec - 1),
      first_batch: first.batchId,
      last_batch: last.batchId,
    },
    counts: {
      organisations,
      ccgs: region.ccgs.length,
      trusts: region.trusts.length,
      community_services: region.community.length,
      practices: region.practices.length,
      campaigns: region.campaigns.length,
      programme_costs: region.costs.length,
      patients: plan.size,
      activated_patients: activated,
      objecting_patients: objecting,
      moved_patients: moved,
      batches: periods.length,
      rows,
    },
    bad_rows: { total: bad.length, by_kind: byKind, rows: bad },
    duplicates: { total: duplicates.length, rows: duplicates },
    batches: periods.map((p, i) => ({
      id: p.batchId,
      period_start: isoDate(calendar.startEpoch + p.startSec),
      period_end: isoDate(calendar.startEpoch + p.endSec - 1),
      files: batchFiles[i] ?? [],
    })),
  };
  await writeFile(join(opts.out, MANIFEST_NAME), `${JSON.stringify(manifest, null, 1)}\n`);

  const events = emptyCounts<EventKind>(EVENT_KINDS);
  for (const k of EVENT_KINDS) events[k] = rows[k];
  return {
    out: opts.out,
    seed: opts.seed,
    scale: opts.scale,
    days: opts.days,
    end: opts.end,
    batch: opts.batch,
    format: opts.format,
    organisations,
    practices: region.practices.length,
    campaigns: region.campaigns.length,
    patients: plan.size,
    batches: periods.length,
    rows,
    events,
    badRows: { ...byKind, total: bad.length },
    duplicates: duplicates.length,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
