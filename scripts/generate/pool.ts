/** The generator's worker threads: one request at a time per worker, each answered once. */
import { Worker } from 'node:worker_threads';
import type { TaskResult } from './batch.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker.js';

export class WorkerPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<Worker, { resolve: (r: TaskResult | undefined) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  constructor(init: WorkerInit, count: number) {
    this.workers = Array.from({ length: count }, () => {
      const w = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: init });
      w.on('message', (reply: WorkerReply) => {
        const waiting = this.pending.get(w);
        this.pending.delete(w);
        if (reply.ok) waiting?.resolve(reply.result);
        else waiting?.reject(new Error(`generator worker failed: ${reply.error}`));
      });
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`generator worker exited with code ${code}`));
      });
      return w;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sends a request to worker `index`; resolves with its result once it has answered. */
  request(index: number, request: WorkerRequest): Promise<TaskResult | undefined> {
    const w = this.workers[index];
    if (!w) throw new Error(`no generator worker ${index}`);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(w, { resolve, reject });
      w.postMessage(request);
    });
  }

  /** Every worker answers the same kind of request (e.g. a share of the planning). */
  all(requestOf: (index: number) => WorkerRequest): Promise<(TaskResult | undefined)[]> {
    return Promise.all(this.workers.map((_, i) => this.request(i, requestOf(i))));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
