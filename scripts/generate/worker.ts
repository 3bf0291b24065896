/**
 * Worker thread: first plans a range of practices into the shared plan, then receives the
 * schedule, then generates tasks one at a time. Each request gets exactly one reply.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runTask, type Task, type TaskResult } from './batch.js';
import { buildSkeleton, createContext, type Context } from './context.js';
import type { ResolvedOptions } from './options.js';
import { fastPlan, planPractices, type Plan } from './population.js';
import type { Schedule } from './schedule.js';

export interface WorkerInit {
  entry: string;
  options: ResolvedOptions;
  /** Shared plan arrays (filled by the 'plan' requests of all workers). */
  plan: Plan;
  stagingRoot: string;
}

export type WorkerRequest =
  | { type: 'plan'; fromPractice: number; toPractice: number }
  | { type: 'schedule'; schedule: Schedule }
  | { type: 'task'; task: Task };

export type WorkerReply = { ok: true; result?: TaskResult } | { ok: false; error: string };

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const skeleton = buildSkeleton(init.options);
const plan = fastPlan(init.plan);
let ctx: Context | undefined;

async function handle(request: WorkerRequest): Promise<TaskResult | undefined> {
  switch (request.type) {
    case 'plan':
      planPractices(plan, { seed: init.options.seed, ...skeleton }, request.fromPractice, request.toPractice);
      return undefined;
    case 'schedule':
      ctx = createContext(init.options, skeleton, plan, request.schedule);
      return undefined;
    case 'task':
      if (!ctx) throw new Error('a task arrived before the schedule');
      return runTask(ctx, request.task, init.stagingRoot);
  }
}

port.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (result) => port.postMessage({ ok: true, result } satisfies WorkerReply),
    (err: unknown) =>
      port.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies WorkerReply),
  );
});
