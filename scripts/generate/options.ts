import { z } from 'zod';
import { parseIsoDate } from './calendar.js';

export type OutputFormat = 'csv' | 'parquet' | 'ndjson';
export type Compression = 'gzip' | 'none';

export interface GenerateProgress {
  phase: string;
  done: number;
  total: number;
}

export interface GenerateOptions {
  /** Landing directory; batch folders are written into it. */
  out: string;
  /** 1 = the North West London programme (~2.3M patients). */
  scale?: number;
  seed?: number;
  /** Days of history (default 1095 = three years). */
  days?: number;
  /** Delivery date of the last batch, YYYY-MM-DD (default today UTC). History ends at 00:00Z that day. */
  end?: string;
  batch?: 'day' | 'week' | 'month';
  format?: OutputFormat;
  /**
   * CSV / NDJSON files as `.csv.gz` (default) or plain `.csv` (both in the contract). Plain files
   * are ~3.7× larger but skip gzip, about a third of the generator's CPU time.
   */
  compression?: Compression;
  /** Worker threads (default: 2 for large regions, 0 = generate in this thread). */
  workers?: number;
  /** Rows per file part before a file is split (default 1,000,000). */
  partRows?: number;
  onProgress?: (p: GenerateProgress) => void;
}

const DEFAULT_SEED = 20_190_401;

function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

const isoDate = z.string().refine(
  (s) => {
    try {
      parseIsoDate(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a real date written YYYY-MM-DD' },
);

/** The options as validated at the edge (CLI flags and library calls alike). */
const optionsSchema = z.object({
  out: z.string().min(1, 'must name a directory'),
  scale: z.number().gt(0, 'must be greater than 0').max(10, 'must be at most 10').default(1),
  seed: z.number().int('must be a whole number').min(0).max(4_294_967_295).default(DEFAULT_SEED),
  days: z.number().int('must be a whole number').min(14, 'must be at least 14').max(3660).default(1095),
  end: isoDate.optional(),
  batch: z.enum(['day', 'week', 'month']).default('week'),
  format: z.enum(['csv', 'parquet', 'ndjson']).default('csv'),
  compression: z.enum(['gzip', 'none']).default('gzip'),
  workers: z.number().int().min(0).max(16).optional(),
  partRows: z.number().int().min(100).max(50_000_000).default(1_000_000),
});

export interface ResolvedOptions {
  out: string;
  scale: number;
  seed: number;
  days: number;
  end: string;
  batch: 'day' | 'week' | 'month';
  format: OutputFormat;
  compression: Compression;
  workers: number;
  partRows: number;
}

export class OptionsError extends Error {
  override name = 'OptionsError';
}

/** One readable line per problem, naming the option. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.join('.');
      return key ? `--${key}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

export function resolveOptions(input: Omit<GenerateOptions, 'onProgress'>): ResolvedOptions {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) throw new OptionsError(describeIssues(parsed.error));
  const o = parsed.data;
  const patients = 2_300_000 * o.scale;
  return {
    out: o.out,
    scale: o.scale,
    seed: o.seed,
    days: o.days,
    end: o.end ?? todayUtc(),
    batch: o.batch,
    format: o.format,
    compression: o.compression,
    // Worker start-up (~0.3 s each) only pays off once there is real work to share.
    workers: o.workers ?? (patients >= 100_000 ? 2 : 0),
    partRows: o.partRows,
  };
}
