/** Response schemas for the OpenAPI document (requests are validated by params.ts's schema). */
import { z } from '@hono/zod-openapi';
import { COLUMN_TYPES, DIMENSIONS, GRAINS, LEVELS, METRIC_NAMES, UNITS } from '../metrics/catalogue.js';

export const ErrorSchema = z
  .object({
    error: z.string().openapi({ example: "Invalid grain 'year'; allowed: day, week, month, quarter" }),
    parameter: z.string().optional().openapi({ example: 'grain' }),
    allowed: z.array(z.string()).optional(),
  })
  .openapi('Error');

const AsOfSchema = z
  .object({
    latestEventAt: z.string().nullable().openapi({ description: 'Latest event time in the store (UTC).' }),
    lastImportAt: z.string().nullable().openapi({ description: 'When the last successful import finished (UTC).' }),
    dataVersion: z.string().openapi({ description: 'Bumped by each import that changes data; ETags are keyed on it.' }),
    programmeStart: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: 'The day the programme began: its earliest go-live, cost, campaign or data day (YYYY-MM-DD).', format: 'date' }),
  })
  .openapi('AsOf');

const UnitSchema = z.enum(UNITS);

const ColumnSchema = z
  .object({
    name: z.string(),
    label: z.string(),
    type: z.enum(COLUMN_TYPES).openapi({ description: "number[]: a short series in one cell, oldest first (null where suppressed)." }),
    unit: UnitSchema.optional(),
  })
  .openapi('Column');

export const MetricResultSchema = z
  .object({
    metric: z.enum(METRIC_NAMES),
    label: z.string(),
    params: z.object({
      org: z.string().nullable(),
      level: z.enum(LEVELS).nullable(),
      grain: z.enum(GRAINS).nullable(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      by: z.enum(DIMENSIONS).nullable(),
    }),
    asOf: AsOfSchema,
    suppression: z.object({
      rule: z.string(),
      suppressedCells: z.number().int(),
      complementary: z.number().int(),
    }),
    columns: z.array(ColumnSchema),
    rows: z
      .array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string()), z.array(z.number().nullable())])))
      .openapi({ description: "One object per row; a suppressed cell is null and named in the row's _suppressed list." }),
  })
  .openapi('MetricResult');

export const CatalogueSchema = z
  .object({
    metrics: z.array(
      z.object({
        name: z.enum(METRIC_NAMES),
        label: z.string(),
        description: z.string(),
        unit: UnitSchema,
        dimensions: z.array(z.enum(DIMENSIONS)),
        dimensionGrains: z.array(z.enum(GRAINS)).optional(),
        dimensionLevels: z
          .partialRecord(z.enum(GRAINS), z.array(z.enum(LEVELS)))
          .optional()
          .openapi({ description: 'Grains at which breakdowns are kept for some levels only: grain -> those levels.' }),
        grains: z.array(z.enum(GRAINS)),
        defaultGrain: z.enum(GRAINS).nullable(),
        levels: z.array(z.enum(LEVELS)),
        usesOrg: z.boolean(),
        time: z.enum(['series', 'snapshot', 'range']),
        columns: z.array(ColumnSchema),
      }),
    ),
  })
  .openapi('Catalogue');

export const OrgsSchema = z
  .object({
    asOf: AsOfSchema,
    root: z.string().nullable(),
    orgs: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        type: z.string(),
        parent: z.string().nullable(),
        eligiblePopulation: z.number().nullable(),
        goLiveDate: z.string().nullable(),
        targetUptakePct: z.number().nullable(),
        children: z.array(z.string()),
      }),
    ),
  })
  .openapi('Organisations');

const SchedulerSchema = z
  .object({ enabled: z.boolean(), cron: z.string().nullable(), running: z.boolean(), nextRunAt: z.string().nullable() })
  .openapi('SchedulerStatus');

const utcTime = (description: string, example: string) => z.string().openapi({ description, format: 'date-time', example });
const seconds = (description: string, example: number) => z.number().openapi({ description, example });

// The shape is declared for TypeScript in server/api/health-shapes.ts (shared with the dashboard);
// the health specs check answers against this schema. Inline, not a named component: in OpenAPI
// 3.0 a $ref would lose `nullable` and the description.
const ServedBatchSchema = z
  .object({
    batchId: z.string().openapi({ example: '2026-02-28T03-00Z' }),
    landedAt: utcTime(
      "When the batch arrived in the landing directory (UTC): the latest modification time of its files when the import found it. Taken from the landing directory's file system clock.",
      '2026-02-28T03:00:00.000Z',
    ),
    importedAt: utcTime("When the batch's transaction committed (UTC).", '2026-02-28T03:00:03.250Z'),
    servedAt: utcTime('When the rollups that include the batch were committed with the new data version (UTC): the API answers with it from then on.', '2026-02-28T03:00:04.000Z'),
    landingToServedSeconds: seconds('servedAt − landedAt, in seconds (milliseconds as decimals).', 4),
    landingToImportedSeconds: seconds('importedAt − landedAt: waiting for the import run, then reading, checking and loading the batch.', 3.25),
    importedToServedSeconds: seconds('servedAt − importedAt: bringing the rollups up to date and committing them.', 0.75),
  });

const UnservedBatchesSchema = z
  .object({
    count: z.number().int().openapi({ description: 'Batches imported whose rollups are not published yet (the API still answers without them).' }),
    oldestLandedAt: z.string().nullable().openapi({ description: 'When the longest-waiting of them landed (UTC); null when there are none.', format: 'date-time' }),
    alertAfterMinutes: z.number().int().openapi({
      description:
        'One that landed longer ago than this makes the status degraded, with a problem saying so: twice the import schedule\'s interval (at least 10 minutes), or 30 minutes without a schedule.',
      example: 30,
    }),
  })
  .openapi('UnservedBatches');

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    asOf: AsOfSchema,
    lastSuccess: z.object({ batchId: z.string(), finishedAt: z.string() }).nullable(),
    lastFailure: z.object({ batchId: z.string(), finishedAt: z.string(), error: z.string() }).nullable(),
    lagMinutes: z.number().nullable().openapi({ description: 'Minutes since the last successful import finished.' }),
    scheduler: SchedulerSchema.nullable(),
    dataVersion: z.string(),
    latestServedBatch: ServedBatchSchema.nullable().openapi({
      description:
        'The latest batch the API serves, and how long it took from landing to being served. Null until a batch imported by a version ' +
        'that records landing times (schema 013) has been served.',
    }),
    unservedBatches: UnservedBatchesSchema,
    problems: z.array(z.string()),
  })
  .openapi('Health');

export const SavingsModelResponseSchema = z
  .object({
    model: z.record(z.string(), z.unknown()).openapi({ description: 'data/savings-model.json as loaded.' }),
  })
  .openapi('SavingsModel');

export const MetricNameParam = z.object({
  name: z.string().openapi({ param: { name: 'name', in: 'path' }, example: 'uptake', description: `One of: ${METRIC_NAMES.join(', ')}` }),
});
