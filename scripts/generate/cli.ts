/**
 * The generate command: flags → generateRegion → a summary. Kept apart from the entry file so
 * tests can run it in-process. Usage errors (unknown flag, bad value, unusable folder) are one
 * line on stderr and exit code 2; anything else is exit code 1.
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { generateRegion, GenerateError, OptionsError, type GenerateProgress, type GenerationSummary } from './index.js';
import { describeIssues } from './options.js';

const USAGE =
  'usage: npm run generate -- --out <landing-dir> [--scale 1] [--seed N] [--days 1095] [--end YYYY-MM-DD] ' +
  '[--batch day|week|month] [--format csv|parquet|ndjson] [--compression gzip|none] [--workers N] [--part-rows N]';

class UsageError extends Error {}

const number = (flag: string) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, `--${flag}: must be a number`)
    .transform(Number)
    .optional();

/** Flags as strings → typed options; the library validates ranges (same zod rules as library calls). */
const flagsSchema = z.object({
  out: z.string({ message: '--out: is required (the landing directory to write batches into)' }).min(1, '--out: is required'),
  scale: number('scale'),
  seed: number('seed'),
  days: number('days'),
  end: z.string().optional(),
  batch: z.string().optional(),
  format: z.string().optional(),
  compression: z.string().optional(),
  workers: number('workers'),
  'part-rows': number('part-rows'),
  help: z.boolean().optional(),
});

function parseFlags(argv: string[]): z.infer<typeof flagsSchema> | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: 'string' },
        scale: { type: 'string' },
        seed: { type: 'string' },
        days: { type: 'string' },
        end: { type: 'string' },
        batch: { type: 'string' },
        format: { type: 'string' },
        compression: { type: 'string' },
        workers: { type: 'string' },
        'part-rows': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    // parseArgs messages are multi-line for unknown options; keep the first sentence.
    const message = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    throw new UsageError(message);
  }
  if (values.help) return 'help' as const;
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Draw a progress bar (stderr is a terminal). */
  tty: boolean;
}

function progressReporter(io: CliIo): { update: (p: GenerateProgress) => void; stop: () => void } {
  if (io.tty) {
    const bar = new cliProgress.SingleBar(
      { format: 'generate |{bar}| {percentage}% {phase} {value}/{total} ETA {eta_formatted}', stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let phase = '';
    return {
      update: (p) => {
        if (p.phase !== phase) {
          if (phase) bar.stop();
          phase = p.phase;
          bar.start(p.total, p.done, { phase: p.phase });
        } else bar.update(p.done, { phase: p.phase });
      },
      stop: () => bar.stop(),
    };
  }
  // Not a terminal (CI, logs): a plain line every ~10% and at each phase's end.
  let lastPhase = '';
  let lastDecile = -1;
  return {
    update: (p) => {
      const decile = Math.floor((10 * p.done) / Math.max(1, p.total));
      if (p.phase !== lastPhase || decile !== lastDecile) {
        io.err(`generate: ${p.phase} ${p.done}/${p.total}`);
        lastPhase = p.phase;
        lastDecile = decile;
      }
    },
    stop: () => undefined,
  };
}

const fmt = (n: number) => n.toLocaleString('en-GB');

function report(s: GenerationSummary): string {
  const events = Object.entries(s.events)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');
  const bad = Object.entries(s.badRows)
    .filter(([k, v]) => k !== 'total' && v > 0)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');
  const total = Object.values(s.events).reduce((a, b) => a + b, 0);
  return [
    `Wrote ${fmt(s.batches)} ${s.batch} batches (${s.format}) to ${s.out} in ${s.seconds} s`,
    `  region: ${fmt(s.organisations)} organisations (${fmt(s.practices)} practices), ${fmt(s.campaigns)} campaigns, ${fmt(s.patients)} patients`,
    `  history: ${s.days} days to ${s.end}, seed ${s.seed}, scale ${s.scale}`,
    `  event rows: ${fmt(total)} (${events})`,
    `  planted bad rows: ${fmt(s.badRows.total)} (${bad}); re-sent duplicates: ${fmt(s.duplicates)}`,
    `  manifest: ${s.out}/_manifest.json`,
  ].join('\n');
}

/** Runs the command; resolves to the process exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let progress: ReturnType<typeof progressReporter> | undefined;
  try {
    const flags = parseFlags(argv);
    if (flags === 'help') {
      io.out(USAGE);
      return 0;
    }
    progress = progressReporter(io);
    const summary = await generateRegion({
      out: flags.out,
      scale: flags.scale,
      seed: flags.seed,
      days: flags.days,
      end: flags.end,
      batch: flags.batch as 'day' | 'week' | 'month' | undefined,
      format: flags.format as 'csv' | 'parquet' | 'ndjson' | undefined,
      compression: flags.compression as 'gzip' | 'none' | undefined,
      workers: flags.workers,
      partRows: flags['part-rows'],
      onProgress: progress.update,
    });
    progress.stop();
    io.out(report(summary));
    return 0;
  } catch (err) {
    progress?.stop();
    if (err instanceof UsageError || err instanceof OptionsError || err instanceof GenerateError) {
      const hint = err instanceof UsageError ? ' (see --help)' : '';
      io.err(`generate: ${err.message}${hint}`);
      return 2;
    }
    if (err instanceof z.ZodError) {
      io.err(`generate: ${describeIssues(err)}`);
      return 2;
    }
    io.err(`generate: failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
