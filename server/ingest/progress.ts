/**
 * Import progress for people: a live bar with rows/s on a terminal, one plain line per file
 * when output goes to a log (a bar's control characters make logs unreadable).
 */
import cliProgress from 'cli-progress';
import type { ImportProgress } from './index.js';

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, log: (line: string) => void = console.log): ImportProgress {
  let rows = 0;
  let started = 0;
  const rate = () => Math.round(rows / Math.max(0.001, (Date.now() - started) / 1000));
  if (!stream.isTTY) {
    return {
      start: (batches) => {
        started = Date.now();
        if (batches.length) log(`importing ${batches.length} batch(es)`);
      },
      fileDone: (batch, file, r) => {
        rows += r.rowsIn;
        // Each batch already gets a summary line; only slow files are worth a line of their own.
        if (r.durationMs > 2_000) log(`  ${batch.batchId}/${file.fileName}: ${r.rowsIn} rows (${rate()} rows/s overall)`);
      },
      batchDone: () => undefined,
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: 'import |{bar}| {value}/{total} files | {rows} rows | {rate} rows/s | {batch}', stream, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  return {
    start(batches) {
      started = Date.now();
      const files = batches.reduce((n, b) => n + b.files.length, 0);
      if (files > 0) bar.start(files, 0, { rows: 0, rate: 0, batch: batches[0]?.batchId ?? '' });
    },
    fileDone(batch, _file, r) {
      rows += r.rowsIn;
      bar.increment(1, { rows: rows.toLocaleString('en-GB'), rate: rate().toLocaleString('en-GB'), batch: batch.batchId });
    },
    batchDone: () => undefined,
    stop: () => bar.stop(),
  };
}
