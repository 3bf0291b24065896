/**
 * GET /api/import-runs: the most recent import runs, for the dashboard's Data & consent page.
 * One entry per batch an import run processed (ingest_runs has a row per run and batch), newest
 * first, with the run's timing, status, error and row counts, and the files of that batch
 * (ingest_files). Counts are rows of delivered files, an operational figure about files rather
 * than people, so they are shown exactly (as in the data_quality metric).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { z } from '@hono/zod-openapi';
import { badParameter } from './errors.js';

const IMPORT_RUNS_DEFAULT_LIMIT = 20;
const IMPORT_RUNS_MAX_LIMIT = 500;

export const ImportRunsQuerySchema = z
  .object({
    limit: z
      .string()
      .regex(/^[0-9]{1,4}$/, { message: `limit must be a whole number from 1 to ${IMPORT_RUNS_MAX_LIMIT}` })
      .refine((v) => Number(v) >= 1 && Number(v) <= IMPORT_RUNS_MAX_LIMIT, {
        message: `limit must be a whole number from 1 to ${IMPORT_RUNS_MAX_LIMIT}`,
      })
      .optional()
      .openapi({
        param: { name: 'limit', in: 'query' },
        description: `How many batch runs to return, newest first (1 to ${IMPORT_RUNS_MAX_LIMIT}, default ${IMPORT_RUNS_DEFAULT_LIMIT}).`,
        example: '20',
      }),
  })
  .strict();

const CountsSchema = z.object({
  rowsIn: z.number().int().openapi({ description: 'Rows delivered.' }),
  loaded: z.number().int().openapi({ description: 'Rows stored.' }),
  duplicates: z.number().int().openapi({ description: 'Rows already stored (same key), skipped.' }),
  quarantined: z.number().int().openapi({ description: 'Rows that failed validation (see the data_quality metric).' }),
  withheld: z.number().int().openapi({ description: 'Rows not stored because an objection is in force.' }),
});

export const ImportRunsSchema = z
  .object({
    runs: z.array(
      z.object({
        runId: z.string(),
        batchId: z.string(),
        trigger: z.string().openapi({ description: 'cli | schedule | start | test' }),
        startedAt: z.string().openapi({ description: 'UTC, ISO 8601.' }),
        finishedAt: z.string().openapi({ description: 'UTC, ISO 8601.' }),
        durationMs: z.number().int(),
        status: z.enum(['succeeded', 'failed']),
        error: z.string().nullable(),
        counts: CountsSchema,
        files: z.array(
          z.object({ fileName: z.string(), fileKind: z.string(), durationMs: z.number().int(), counts: CountsSchema }),
        ),
      }),
    ),
  })
  .openapi('ImportRuns');

export type ImportRuns = z.infer<typeof ImportRunsSchema>;
type Counts = z.infer<typeof CountsSchema>;

/** Parses the query (strings from the URL); every failure names the parameter. */
export function resolveImportRunsQuery(raw: Record<string, string>): { limit: number } {
  const parsed = ImportRunsQuerySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys: string[] }).keys;
      throw badParameter(keys[0]!, `Unknown query parameter ${keys.map((k) => `'${k}'`).join(', ')}; allowed: limit`, ['limit']);
    }
    throw badParameter('limit', `Invalid limit '${raw.limit ?? ''}': ${issue.message}`);
  }
  return { limit: parsed.data.limit === undefined ? IMPORT_RUNS_DEFAULT_LIMIT : Number(parsed.data.limit) };
}

const ISO = `'%Y-%m-%dT%H:%M:%SZ'`;
const n = (v: unknown) => Number(v ?? 0);
const counts = (r: Record<string, unknown>): Counts => ({
  rowsIn: n(r.rows_in), loaded: n(r.loaded), duplicates: n(r.duplicates), quarantined: n(r.quarantined), withheld: n(r.withheld),
});

export async function readImportRuns(conn: DuckDBConnection, limit: number): Promise<ImportRuns> {
  const runs = (await conn.runAndReadAll(
    `SELECT run_id, batch_id, trigger,
            strftime(started_at AT TIME ZONE 'UTC', ${ISO}) AS started_at,
            strftime(finished_at AT TIME ZONE 'UTC', ${ISO}) AS finished_at,
            duration_ms, status, error, rows_in, loaded, duplicates, quarantined, withheld
     FROM ingest_runs
     ORDER BY ingest_runs.finished_at DESC, ingest_runs.started_at DESC, batch_id DESC
     LIMIT $limit`,
    { limit },
  )).getRowObjectsJson() as Record<string, string | number | null>[];
  const files = runs.length === 0 ? [] : (await conn.runAndReadAll(
    `SELECT f.run_id, f.batch_id, f.file_name, f.file_kind, f.duration_ms,
            f.rows_in, f.loaded, f.duplicates, f.quarantined, f.withheld
     FROM ingest_files f
     SEMI JOIN (SELECT run_id, batch_id FROM ingest_runs
                ORDER BY finished_at DESC, started_at DESC, batch_id DESC LIMIT $limit) r
       ON r.run_id = f.run_id AND r.batch_id = f.batch_id
     ORDER BY f.file_kind, f.file_name`,
    { limit },
  )).getRowObjectsJson() as Record<string, string | number | null>[];

  const filesOf = new Map<string, ImportRuns['runs'][number]['files']>();
  for (const f of files) {
    const key = `${f.run_id}\u0000${f.batch_id}`;
    const list = filesOf.get(key) ?? [];
    list.push({ fileName: String(f.file_name), fileKind: String(f.file_kind), durationMs: n(f.duration_ms), counts: counts(f) });
    filesOf.set(key, list);
  }
  return {
    runs: runs.map((r) => ({
      runId: String(r.run_id),
      batchId: String(r.batch_id),
      trigger: String(r.trigger),
      startedAt: String(r.started_at),
      finishedAt: String(r.finished_at),
      durationMs: n(r.duration_ms),
      status: r.status === 'succeeded' ? 'succeeded' : 'failed',
      error: r.error === null ? null : String(r.error),
      counts: counts(r),
      files: filesOf.get(`${r.run_id}\u0000${r.batch_id}`) ?? [],
    })),
  };
}
