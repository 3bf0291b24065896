/** Worker thread: receives tasks one at a time and generates their files. */
import { parentPort, workerData } from 'node:worker_threads';
import { runTask, type Task, type TaskResult } from './batch.js';
import { buildSkeleton, createContext } from './context.js';
import type { ResolvedOptions } from './options.js';
import type { Plan } from './population.js';
import type { Schedule } from './schedule.js';

export interface WorkerInit {
  entry: string;
  options: ResolvedOptions;
  plan: Plan;
  schedule: Schedule;
  stagingRoot: string;
}

export type WorkerReply = { ok: true; result: TaskResult } | { ok: false; error: string };

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const ctx = createContext(init.options, buildSkeleton(init.options), init.plan, init.schedule);

port.on('message', (task: Task) => {
  runTask(ctx, task, init.stagingRoot).then(
    (result) => port.postMessage({ ok: true, result } satisfies WorkerReply),
    (err: unknown) =>
      port.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies WorkerReply),
  );
});
