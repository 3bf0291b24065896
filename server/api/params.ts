/**
 * Query parameters of GET /api/metrics/:name: the zod schema (which also feeds the OpenAPI
 * document) checks each value's form; resolveParams then checks them against the metric and the
 * store (does this metric have that breakdown, is the level inside the organisation, from <= to)
 * and fills in defaults. Every failure names the parameter and what is allowed.
 */
import { z } from '@hono/zod-openapi';
import { addMonths, addDays, format, parseISO } from 'date-fns';
import { DIMENSIONS, GRAINS, LEVELS, type Dimension, type Grain, type Level, type MetricDefinition } from '../metrics/catalogue.js';
import type { ResolvedParams } from '../metrics/query.js';
import type { StoreFacts } from './context.js';
import { ApiError, badParameter } from './errors.js';

export const FORMATS = ['json', 'csv', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date between 1900 and 2999 (so 2026-02-30 is refused, not rolled over). */
function isCalendarDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value && value >= '1900-01-01' && value <= '2999-12-31';
}

const dateParam = (name: string, description: string) =>
  z
    .string()
    .refine(isCalendarDate, { message: `${name} must be a date written YYYY-MM-DD (a real calendar date)` })
    .optional()
    .openapi({ param: { name, in: 'query' }, description, example: '2026-03-31', format: 'date' });

export const MetricQuerySchema = z.object({
  org: z
    .string()
    .regex(/^[A-Za-z0-9]{3,8}$/, { message: 'org must be an organisation code of 3 to 8 letters or digits' })
    .optional()
    .openapi({ param: { name: 'org', in: 'query' }, description: "Limit to this organisation's subtree (default: the ICB at the root).", example: 'QRV' }),
  level: z
    .enum(LEVELS)
    .optional()
    .openapi({ param: { name: 'level', in: 'query' }, description: 'Group rows by organisations of this type inside org (default: org itself).' }),
  grain: z
    .enum(GRAINS)
    .optional()
    .openapi({ param: { name: 'grain', in: 'query' }, description: "Period length (default: the metric's default, usually month)." }),
  from: dateParam('from', 'First day (inclusive). Periods are whole calendar periods from the one containing it.'),
  to: dateParam('to', 'Last day (inclusive; default: the latest day with data). Snapshot metrics are measured at it.'),
  by: z
    .enum(DIMENSIONS)
    .optional()
    .openapi({ param: { name: 'by', in: 'query' }, description: "One breakdown; allowed values per metric are in the catalogue ('dimensions')." }),
  format: z
    .enum(FORMATS)
    .optional()
    .openapi({ param: { name: 'format', in: 'query' }, description: 'json (default), csv or parquet; exports carry the same suppressed result.' }),
}).strict();

export type MetricQuery = z.infer<typeof MetricQuerySchema>;

/** Which organisation types can be found below each type. */
const LEVELS_WITHIN: Record<string, readonly Level[]> = {
  icb: ['icb', 'ccg', 'practice', 'trust', 'community'],
  ccg: ['ccg', 'practice'],
  practice: ['practice'],
  trust: ['trust'],
  community: ['community'],
};

/** A day grain over years would be millions of rows; longer windows should use a longer grain. */
const MAX_DAYS_AT_DAY_GRAIN = 400;
/** Longer series would be answers no chart can show, and slow to compute. */
const MAX_PERIODS = 530;
const MAX_YEARS = 50;

export function resolveParams(
  def: MetricDefinition,
  query: MetricQuery,
  facts: StoreFacts,
  today: string,
): ResolvedParams {
  const notApplicable = (parameter: string, why: string) =>
    badParameter(parameter, `Parameter ${parameter} does not apply to metric ${def.name}: ${why}`);

  // org
  let org: string | null = null;
  if (!def.usesOrg) {
    if (query.org !== undefined) throw notApplicable('org', 'it is not reported per organisation');
  } else {
    org = query.org ?? facts.root;
    if (query.org !== undefined && !facts.orgByCode.has(query.org)) {
      throw new ApiError(404, `Unknown organisation '${query.org}' (parameter org); GET /api/orgs lists them`, 'org');
    }
  }

  // level
  let level: Level | null = null;
  if (def.levels.length === 0) {
    if (query.level !== undefined) throw notApplicable('level', 'its rows are not grouped by organisation');
  } else {
    const orgType = org ? (facts.orgByCode.get(org)?.type as Level | undefined) : undefined;
    const within = orgType ? (LEVELS_WITHIN[orgType] ?? [orgType]) : LEVELS;
    const allowed = def.levels.filter((l) => within.includes(l));
    if (allowed.length === 0) {
      throw badParameter('org', `Metric ${def.name} is not available for a ${orgType ?? 'organisation'} (org ${org}); it is reported for: ${def.levels.join(', ')}`, def.levels);
    }
    if (query.level !== undefined) {
      if (!def.levels.includes(query.level)) {
        throw badParameter('level', `Invalid level '${query.level}' for metric ${def.name}; allowed: ${def.levels.join(', ')}`, def.levels);
      }
      if (!within.includes(query.level)) {
        throw badParameter('level', `Level '${query.level}' is not inside organisation ${org} (a ${orgType}); allowed here: ${allowed.join(', ')}`, allowed);
      }
      level = query.level;
    } else {
      level = orgType && allowed.includes(orgType) ? orgType : allowed[0]!;
    }
  }

  // grain
  let grain: Grain | null = null;
  if (def.grains.length === 0) {
    if (query.grain !== undefined) throw notApplicable('grain', def.time === 'snapshot' ? 'it is a snapshot at `to`' : 'it has no periods');
  } else {
    grain = query.grain ?? def.defaultGrain ?? def.grains[0]!;
    if (!def.grains.includes(grain)) {
      throw badParameter('grain', `Invalid grain '${grain}' for metric ${def.name}; allowed: ${def.grains.join(', ')}`, def.grains);
    }
  }

  // by
  let by: Dimension | null = def.defaultBy ?? null;
  if (query.by !== undefined) {
    if (!def.dimensions.includes(query.by)) {
      throw badParameter(
        'by',
        def.dimensions.length === 0
          ? `Metric ${def.name} has no breakdowns (parameter by)`
          : `Invalid breakdown '${query.by}' for metric ${def.name} (parameter by); allowed: ${def.dimensions.join(', ')}`,
        def.dimensions,
      );
    }
    if (def.dimensionGrains && grain && !def.dimensionGrains.includes(grain)) {
      throw badParameter('by', `Breakdowns of ${def.name} are kept by ${def.dimensionGrains.join(' or ')} only (parameter by with grain ${grain})`, def.dimensionGrains);
    }
    if (level === 'trust' || level === 'community') {
      throw badParameter('by', `Breakdowns of ${def.name} are by registered practice, not available at level ${level} (parameter by)`);
    }
    const levelsAtGrain = grain ? def.dimensionLevels?.[grain] : undefined;
    if (levelsAtGrain && level && !levelsAtGrain.includes(level)) {
      throw badParameter(
        'by',
        `Breakdowns of ${def.name} by ${grain} are kept for levels ${levelsAtGrain.join(', ')} only, not ${level} (parameter by); use a longer grain`,
        levelsAtGrain,
      );
    }
    by = query.by;
  }

  // dates
  const to = query.to ?? facts.latestDay ?? today;
  let from: string | null = null;
  if (def.time === 'snapshot') {
    if (query.from !== undefined) throw notApplicable('from', 'it is a snapshot at `to`');
  } else {
    from = query.from ?? format(addDays(addMonths(parseISO(to), -def.defaultMonths), 1), 'yyyy-MM-dd');
    if (from > to) {
      throw badParameter(query.from !== undefined ? 'from' : 'to', `from (${from}) must not be after to (${to})`);
    }
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
    if (grain === 'day' && days > MAX_DAYS_AT_DAY_GRAIN) {
      throw badParameter('grain', `grain=day covers at most ${MAX_DAYS_AT_DAY_GRAIN} days (from ${from} to ${to} is ${days}); use week or month`);
    }
    const periods = grain === 'week' ? days / 7 : grain === 'month' ? days / 30.4 : grain === 'quarter' ? days / 91.3 : 0;
    if (periods > MAX_PERIODS) {
      throw badParameter('from', `At most ${MAX_PERIODS} periods per request: from ${from} to ${to} by ${grain} is about ${Math.round(periods)}; narrow the dates or use a longer grain`);
    }
    if (days > MAX_YEARS * 366) {
      throw badParameter('from', `At most ${MAX_YEARS} years per request (from ${from} to ${to})`);
    }
  }

  return { org, level, grain, from, to, by };
}

/** Turns a zod failure on the query into the same kind of message as the checks above. */
export function describeQueryIssue(
  issue: { path: PropertyKey[]; message: string; code?: string; keys?: string[] },
  received: string | undefined,
): ApiError {
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
    const known = Object.keys(MetricQuerySchema.shape);
    return badParameter(issue.keys[0]!, `Unknown query parameter ${issue.keys.map((k) => `'${k}'`).join(', ')}; allowed: ${known.join(', ')}`, known);
  }
  const parameter = String(issue.path[0] ?? 'query');
  const allowedBy: Record<string, readonly string[]> = { level: LEVELS, grain: GRAINS, by: DIMENSIONS, format: FORMATS };
  const allowed = allowedBy[parameter];
  if (allowed) {
    return badParameter(parameter, `Invalid ${parameter} '${received ?? ''}'; allowed: ${allowed.join(', ')}`, allowed);
  }
  if (parameter === 'from' || parameter === 'to' || parameter === 'org') {
    return badParameter(parameter, `Invalid ${parameter} '${received ?? ''}': ${issue.message}`);
  }
  return badParameter(parameter, `Invalid query parameter ${parameter}: ${issue.message}`);
}
