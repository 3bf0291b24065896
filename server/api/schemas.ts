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

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    asOf: AsOfSchema,
    lastSuccess: z.object({ batchId: z.string(), finishedAt: z.string() }).nullable(),
    lastFailure: z.object({ batchId: z.string(), finishedAt: z.string(), error: z.string() }).nullable(),
    lagMinutes: z.number().nullable().openapi({ description: 'Minutes since the last successful import finished.' }),
    scheduler: SchedulerSchema.nullable(),
    dataVersion: z.string(),
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
