/**
 * Preloaded into an importer or server process (`node --import tsx --import <this file> …`) to
 * SIGKILL it at a chosen point, as a power cut or the OOM killer would: no clean-up, no
 * checkpoint, no finally blocks. It counts the SQL calls the process makes through
 * @duckdb/node-api (DuckDBConnection.run, which runAndReadAll and friends go through) from the
 * first call that matches PI_KILL_ARM (default: the import run's first read of loaded_batches),
 * so the same number names the same step of an import in the CLI and in the server.
 *
 *   PI_KILL_TRACE=<file>   append "<n>\t<first 100 characters of the SQL>" per counted call (sync,
 *                          so the trace survives the kill) — a probe run without a kill maps the steps
 *   PI_KILL_AT=<n>         at the n-th counted call …
 *   PI_KILL_DELAY_MS=<d>   … kill before issuing it (d < 0), or issue it and kill d ms later
 *                          (d ≥ 0: usually in the middle of that statement or of a later one)
 *
 * Nothing here changes what the process does until it is killed.
 */
import { appendFileSync } from 'node:fs';
import { DuckDBConnection } from '@duckdb/node-api';

const arm = new RegExp(process.env.PI_KILL_ARM ?? 'SELECT batch_id, fingerprint FROM loaded_batches');
const trace = process.env.PI_KILL_TRACE;
const killAt = process.env.PI_KILL_AT ? Number(process.env.PI_KILL_AT) : undefined;
const delay = Number(process.env.PI_KILL_DELAY_MS ?? '-1');

const kill = () => process.kill(process.pid, 'SIGKILL');

let armed = false;
let count = 0;
// eslint-disable-next-line @typescript-eslint/unbound-method
const original = DuckDBConnection.prototype.run;
DuckDBConnection.prototype.run = function patchedRun(this: DuckDBConnection, ...args: Parameters<DuckDBConnection['run']>) {
  const sql = String(args[0]);
  if (!armed && arm.test(sql)) armed = true;
  if (armed) {
    count += 1;
    if (trace) appendFileSync(trace, `${count}\t${sql.replace(/\s+/g, ' ').trim().slice(0, 100)}\n`);
    if (count === killAt) {
      if (delay < 0) kill();
      else setTimeout(kill, delay);
    }
  }
  return original.apply(this, args);
} as DuckDBConnection['run'];
