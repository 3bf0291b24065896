/**
 * The metrics API: a Hono app with every route under /api. server/main.ts serves it with
 * @hono/node-server and mounts the dashboard's static files after it.
 */
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { Context, Hono } from 'hono';
import type { BlankSchema } from 'hono/types';
import { compress } from 'hono/compress';
import type { Store } from './store/store.js';
import { Access } from './auth/access.js';
import type { AccessEnv } from './auth/http.js';
import { coversRegion, describeOrg, isWithin, subtree } from './auth/scope.js';
import type { Principal } from './auth/sessions.js';
import { accessGate, audit, securityHeaders } from './api/access-gate.js';
import { principalOf, registerAccessRoutes } from './api/access-routes.js';
import { registerOidcRoutes } from './api/oidc-routes.js';
import { renderSignInPage } from './auth/signin-page.js';
import { registerSqlRoutes } from './api/sql-routes.js';
import { Workbench } from './sql/workbench.js';
import { CATALOGUE, METRIC_NAMES, isMetricName, type MetricDefinition, type MetricName } from './metrics/catalogue.js';
import { SUPPRESSION_RULE } from './metrics/disclosure.js';
import { computeMetric, loadMetricSql, type ResolvedParams } from './metrics/query.js';
import { loadSavingsModel } from './metrics/savings-model.js';
import { ResponseCache, etagFor, matchesEtag, type CachedResponse } from './api/cache.js';
import { compressedBody, COMPRESS_MIN_BYTES, negotiateEncoding, type Encoding } from './api/compression.js';
import { StoreContext, atVersion, type StoreFacts } from './api/context.js';
import { VersionedAnswers, type AnswerPlan } from './api/answers.js';
import { renderDocsPage } from './api/docs.js';
import { ApiError, badParameter, forbidden } from './api/errors.js';
import { toCsv, toParquet } from './api/export.js';
import { jsonWithRows, utf8 } from './api/json-body.js';
import { readHealth } from './api/health.js';
import type { SchedulerStatus } from './api/health-shapes.js';
import { ImportRunsQuerySchema, ImportRunsSchema, readImportRuns, resolveImportRunsQuery } from './api/import-runs.js';
import { MetricQuerySchema, describeQueryIssue, type Format, type MetricQuery } from './api/params.js';
import { resolveParams } from './api/params.js';
import {
  CatalogueSchema,
  ErrorSchema,
  HealthSchema,
  MetricNameParam,
  MetricResultSchema,
  OrgsSchema,
  SavingsModelResponseSchema,
} from './api/schemas.js';


export interface AppDeps {
  store: Store;
  scheduler?: { status(): SchedulerStatus };
  now?: () => Date;
  /** Cached responses kept (LRU, keyed by data version); 0 disables the cache (benchmarks). */
  cacheEntries?: number;
  /** How long a read of store_meta.data_version is trusted (ms, default 500); 0 re-reads per request. */
  versionTtlMs?: number;
  /** Sign-in, sessions, tokens and the audit log (default: one built from the environment). */
  access?: Access;
  /** The analysts' SQL workbench (default: one with the settings of the environment). */
  workbench?: Workbench;
}

export type App = Hono<AccessEnv> & {
  access: Access;
  workbench: Workbench;
  /** The version metric answers are served from; settled() waits for a switch under way. */
  answers: Pick<VersionedAnswers, 'settled'>;
};

const API_VERSION = '1.0.0';

const errorResponses = {
  400: { description: 'A parameter is invalid; the message names it and what is allowed.', content: { 'application/json': { schema: ErrorSchema } } },
  401: { description: 'Not signed in (no or an expired session, or an invalid API token).', content: { 'application/json': { schema: ErrorSchema } } },
  403: { description: "The organisation asked for is outside the user's scope (the message names both), or the role may not do this.", content: { 'application/json': { schema: ErrorSchema } } },
  404: { description: 'Unknown metric or organisation.', content: { 'application/json': { schema: ErrorSchema } } },
} as const;

function catalogueEntry(def: MetricDefinition) {
  return {
    name: def.name,
    label: def.label,
    description: def.description,
    unit: def.unit,
    dimensions: [...def.dimensions],
    ...(def.dimensionGrains ? { dimensionGrains: [...def.dimensionGrains] } : {}),
    ...(def.dimensionLevels ? { dimensionLevels: def.dimensionLevels } : {}),
    grains: [...def.grains],
    defaultGrain: def.defaultGrain ?? null,
    levels: [...def.levels],
    usesOrg: def.usesOrg,
    time: def.time,
    columns: publicColumns(def),
  };
}

function publicColumns(def: MetricDefinition) {
  return def.columns.map((c) => ({ name: c.name, label: c.label, type: c.type, ...(c.unit ? { unit: c.unit } : {}) }));
}

function exportFileName(name: MetricName, params: ResolvedParams, extension: string): string {
  const parts = [name, params.org, params.level, params.grain, params.by, params.from, params.to].filter(Boolean);
  return `${parts.join('_').replace(/[^A-Za-z0-9_.-]/g, '-')}.${extension}`;
}

/** Refuses repeated parameters (which one would win is not obvious). */
function refuseRepeatedParameters(c: Context): void {
  for (const [key, values] of Object.entries(c.req.queries())) {
    if (values.length > 1) throw badParameter(key, `Parameter ${key} is given ${values.length} times; give it once`);
  }
}

/** Reads the query, refusing repeated parameters. */
function readQuery(c: Context): MetricQuery {
  refuseRepeatedParameters(c);
  const raw = c.req.query();
  const parsed = MetricQuerySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw describeQueryIssue(issue as never, raw[String(issue.path[0] ?? '')]);
  }
  return parsed.data;
}

/**
 * Keeps a metric request inside the user's scope: without `org`, a user below the region is
 * answered for their own organisation; an organisation outside their subtree is refused, naming
 * both. (`level` only groups within `org`, so it cannot widen the scope; repeated parameters are
 * refused before this.) Metrics not reported per organisation cover the whole region, so only
 * users whose scope is the region may read them.
 */
function scopeQuery(principal: Principal, def: MetricDefinition, query: MetricQuery, facts: StoreFacts): MetricQuery {
  const scope = principal.user.org;
  if (!facts.orgByCode.has(scope) && facts.root !== null) {
    throw forbidden(`Your organisation ${scope} is not in the data; ask an administrator to correct your account.`);
  }
  if (coversRegion(facts, scope)) return query;
  if (!def.usesOrg) {
    throw forbidden(`Metric ${def.name} covers the whole region; you see ${describeOrg(facts, scope)} and the organisations within it.`);
  }
  if (query.org === undefined) return { ...query, org: scope };
  if (facts.orgByCode.has(query.org) && !isWithin(facts, query.org, scope)) {
    throw forbidden(`Organisation ${describeOrg(facts, query.org)} is outside your scope: you see ${describeOrg(facts, scope)} and the organisations within it.`, 'org');
  }
  if (!facts.orgByCode.has(query.org)) {
    throw new ApiError(404, `Unknown organisation '${query.org}' (parameter org); GET /api/orgs lists the ones you can see`, 'org');
  }
  return query;
}

export function createApp(deps: AppDeps): App {
  const { store } = deps;
  const access = deps.access ?? new Access(store);
  const workbench = deps.workbench ?? new Workbench(store);
  const now = deps.now ?? (() => new Date());
  const context = new StoreContext(store, deps.versionTtlMs);
  const cache = new ResponseCache(deps.cacheEntries ?? 500);
  // A new version's answers are compressed for brotli (what browsers ask for) before it is served.
  const answers = new VersionedAnswers(context, cache, { prepare: (r) => compressedFor(r, 'br') ?? Promise.resolve() });
  // Fail fast at start-up: every metric's SQL file and the savings model must load.
  loadMetricSql();
  const savings = loadSavingsModel();

  const app = new OpenAPIHono<AccessEnv, BlankSchema, '/'>();
  app.use('*', securityHeaders());
  app.use('*', accessGate(access));
  // Other large JSON answers (SQL results, logs) are gzipped per request; metric answers and the
  // organisation list are compressed once and cached (see send below).
  for (const path of ['/api/sql', '/api/sql/schema', '/api/sql/history', '/api/audit', '/api/import-runs', '/api/users']) app.use(path, compress());

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.toJSON(), err.status);
    console.error('[api] unexpected error', c.req.method, c.req.path, err);
    return c.json({ error: 'Internal error while answering this request; see the server log.' }, 500);
  });

  // ---- documentation of the routes (the handlers below validate with the same schemas) ----
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/metrics', summary: 'The metric catalogue',
      description: 'Every metric with its definition in plain words, unit, allowed breakdowns (dimensions), grains, levels and columns.',
      responses: { 200: { description: 'The catalogue', content: { 'application/json': { schema: CatalogueSchema } } } },
    }),
  );
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/metrics/{name}', summary: 'One metric, with disclosure control applied',
      description:
        'Rows for the metric over the organisation subtree, level, grain, date range and breakdown given. ' +
        `Disclosure control: ${SUPPRESSION_RULE} Responses carry an ETag keyed on the data version; send If-None-Match to get 304. ` +
        'format=csv writes * for suppressed cells; format=parquet leaves them null and lists them in _suppressed.',
      request: { params: MetricNameParam, query: MetricQuerySchema },
      responses: {
        200: {
          description: 'The metric result',
          content: {
            'application/json': { schema: MetricResultSchema },
            'text/csv': { schema: { type: 'string' } },
            'application/vnd.apache.parquet': { schema: { type: 'string', format: 'binary' } },
          },
        },
        304: { description: 'Not modified (If-None-Match matched the current ETag).' },
        ...errorResponses,
      },
    }),
  );
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/orgs', summary: 'Organisations',
      description: 'Flat list of organisations with parent and children codes, eligible population, go-live date and uptake target; root is the ICB.',
      responses: { 200: { description: 'The organisation tree', content: { 'application/json': { schema: OrgsSchema } } } },
    }),
  );
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/health', summary: 'Data freshness and import health',
      description:
        "status is 'degraded' when no import has succeeded, the latest one failed, the rollups lag the data, or an imported batch " +
        'has waited longer than unservedBatches.alertAfterMinutes since landing without being served. latestServedBatch says how long ' +
        'the latest batch the API serves took from landing (its files\' latest modification time) to being imported (its transaction ' +
        'committed) and to being served (the rollups including it committed with the new data version), in seconds.',
      responses: { 200: { description: 'Health report', content: { 'application/json': { schema: HealthSchema } } } },
    }),
  );
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/import-runs', summary: 'Recent import runs',
      description:
        'The most recent import runs, newest first: one entry per batch a run processed, with start and finish ' +
        'times (UTC), duration, status, error, row counts (delivered, stored, duplicates, quarantined, withheld because ' +
        'of an objection) and the same per file. Row counts of files, not people: shown exactly.',
      request: { query: ImportRunsQuerySchema },
      responses: {
        200: { description: 'Recent import runs', content: { 'application/json': { schema: ImportRunsSchema } } },
        400: errorResponses[400],
      },
    }),
  );
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/savings-model', summary: 'The savings model',
      description: 'Unit values (low / central / high), fractions and sources used by the savings and roi metrics, so the dashboard can recompute with other unit costs.',
      responses: { 200: { description: 'The savings model', content: { 'application/json': { schema: SavingsModelResponseSchema } } } },
    }),
  );

  const openApiDocument = () =>
    app.getOpenAPIDocument({
      openapi: '3.0.3',
      info: {
        title: 'Portal Insights metrics API',
        version: API_VERSION,
        description:
          'Uptake, engagement, data, consent, savings and rollout metrics of a patient-portal programme, with NHS Digital ' +
          'small-number suppression and complementary suppression applied to every response and export.',
      },
      servers: [{ url: '/' }],
    });

  // ---- handlers -----------------------------------------------------------------------------
  app.get('/api/metrics', (c) => c.json({ metrics: METRIC_NAMES.map((n) => catalogueEntry(CATALOGUE[n])) }));

  app.get('/api/metrics/:name', async (c) => {
    const name = c.req.param('name');
    if (!isMetricName(name)) {
      throw new ApiError(404, `Unknown metric '${name}'; known metrics: ${METRIC_NAMES.join(', ')}`, 'name', METRIC_NAMES);
    }
    const def = CATALOGUE[name];
    const principal = principalOf(c);
    const today = now().toISOString().slice(0, 10);
    // Made once per request asked (see VersionedAnswers.plan): checking the parameters included.
    const planner = () => metricPlanner(def, principal, readQuery(c), today);
    // The same answer for everyone in a scope asking the same URL on the same day.
    const plan = await answers.plan(`${today} ${principal.user.org} ${c.req.url}`, planner);
    const format = plan.format;
    c.set('auditOrg', plan.params.org);
    const done = (r: Response, rows: number | null) => {
      c.set('auditRows', rows);
      audit(c, access, { action: format === 'json' ? 'metric_read' : 'export', outcome: 'ok', status: r.status });
      return r;
    };
    if (matchesEtag(c.req.header('If-None-Match'), plan.etag)) {
      return done(c.body(null, 304, { ETag: plan.etag, 'Cache-Control': 'no-cache, private' }), null);
    }
    const response = await answers.answer(planner, plan);
    return done(await send(c, response), response.rowCount ?? null);
  });

  /**
   * How a metric request is answered at a version: its scope, parameters and key follow the
   * version's facts (organisations, latest day), and its store read happens at that version.
   * Kept for later requests and a version's warming, so it holds nothing of the request itself.
   */
  function metricPlanner(def: MetricDefinition, principal: Principal, query: MetricQuery, today: string) {
    const name = def.name;
    const format: Format = query.format ?? 'json';
    return (facts: StoreFacts): AnswerPlan & { params: ResolvedParams; format: Format } => {
      const params = resolveParams(def, scopeQuery(principal, def, query, facts), facts, today);
      const key = JSON.stringify([facts.dataVersion, def.needsModel ? savings.model.version : '', name, params, format]);
      const etag = etagFor(facts.dataVersion, key);
      const compute = async () => {
        const sqlContext = { model: def.needsModel ? savings.sqlParam : null, latest: facts.latestDay };
        const result = await store.withConnection((conn) => atVersion(conn, facts.dataVersion, () => computeMetric(conn, name, params, sqlContext), facts.publication));
        return render(def, params, facts, result, format, etag);
      };
      return { key, etag, compute, params, format };
    };
  }

  async function render(
    def: MetricDefinition,
    params: ResolvedParams,
    facts: StoreFacts,
    result: Awaited<ReturnType<typeof computeMetric>>,
    format: Format,
    etag: string,
  ): Promise<CachedResponse> {
    const rowCount = result.rows.length;
    if (format === 'csv') {
      return {
        rowCount,
        body: utf8(toCsv(def.columns, result.rows)),
        contentType: 'text/csv; charset=utf-8',
        headers: { 'Content-Disposition': `attachment; filename="${exportFileName(def.name, params, 'csv')}"` },
        etag,
      };
    }
    if (format === 'parquet') {
      return {
        rowCount,
        body: await toParquet(store, def.columns, result.rows),
        contentType: 'application/vnd.apache.parquet',
        headers: { 'Content-Disposition': `attachment; filename="${exportFileName(def.name, params, 'parquet')}"` },
        etag,
      };
    }
    const head = {
      metric: def.name,
      label: def.label,
      params,
      asOf: facts.asOf,
      suppression: { rule: SUPPRESSION_RULE, suppressedCells: result.suppressedCells, complementary: result.complementary },
      columns: publicColumns(def),
    };
    return { body: jsonWithRows(head, result.rows), contentType: 'application/json; charset=utf-8', headers: {}, etag, rowCount };
  }

  const bodyOf = (r: CachedResponse) => (typeof r.body === 'string' ? utf8(r.body) : (r.body as Uint8Array<ArrayBuffer>));
  const compressible = (r: CachedResponse, body: Uint8Array) => body.byteLength >= COMPRESS_MIN_BYTES && r.contentType !== 'application/vnd.apache.parquet';

  /** The answer's body in `encoding`, or undefined when it is sent as it is. */
  function compressedFor(r: CachedResponse, encoding: Encoding): Promise<Uint8Array> | undefined {
    const body = bodyOf(r);
    return compressible(r, body) ? compressedBody(r, body, encoding) : undefined;
  }

  async function send(c: Context, r: CachedResponse): Promise<Response> {
    // private: answers depend on who asks (their scope); a shared cache must not keep them.
    const headers: Record<string, string> = { 'Content-Type': r.contentType, ETag: r.etag, 'Cache-Control': 'no-cache, private', Vary: 'Accept-Encoding', ...r.headers };
    const body = bodyOf(r);
    const encoding = compressible(r, body) ? negotiateEncoding(c.req.header('Accept-Encoding')) : null;
    if (!encoding) return c.body(body, 200, headers);
    const compressed = await compressedBody(r, body, encoding);
    return c.body(compressed as Uint8Array<ArrayBuffer>, 200, { ...headers, 'Content-Encoding': encoding });
  }

  app.get('/api/orgs', async (c) => {
    const scope = principalOf(c).user.org;
    // Every page asks for it first: its JSON (and compressed copies) are kept per data version and scope.
    const planner = () => (facts: StoreFacts): AnswerPlan => {
      const key = `orgs:${scope}`;
      const etag = etagFor(facts.dataVersion, key);
      const compute = async () => {
        const orgs = coversRegion(facts, scope)
          ? { asOf: facts.asOf, root: facts.root, orgs: facts.orgs }
          : // Below the region: their own subtree, with their organisation as its root.
            { asOf: facts.asOf, root: facts.orgByCode.has(scope) ? scope : null, orgs: subtree(facts, scope) };
        return { body: utf8(JSON.stringify(orgs)), contentType: 'application/json; charset=utf-8', headers: {}, etag };
      };
      return { key: JSON.stringify([facts.dataVersion, key]), etag, compute };
    };
    const plan = await answers.plan(`orgs ${scope}`, planner);
    if (matchesEtag(c.req.header('If-None-Match'), plan.etag)) return c.body(null, 304, { ETag: plan.etag, 'Cache-Control': 'no-cache, private' });
    const response = await answers.answer(planner, plan);
    return send(c, response);
  });

  app.get('/api/health', async (c) => {
    const facts = await context.current();
    const report = await store.withConnection((conn) =>
      readHealth(conn, deps.scheduler?.status() ?? null, now(), facts.asOf.latestEventAt),
    );
    c.header('Cache-Control', 'no-store');
    return c.json(report);
  });

  app.get('/api/import-runs', async (c) => {
    refuseRepeatedParameters(c);
    const scope = principalOf(c).user.org;
    const facts = await context.current();
    if (!coversRegion(facts, scope)) {
      throw forbidden(`The import-run log covers the whole region's deliveries; you see ${describeOrg(facts, scope)} and the organisations within it.`);
    }
    const { limit } = resolveImportRunsQuery(c.req.query());
    const runs = await store.withConnection((conn) => readImportRuns(conn, limit));
    // A failed run changes no data version, so this is never cached.
    c.header('Cache-Control', 'no-store');
    return c.json(runs);
  });

  app.get('/api/savings-model', (c) => {
    const etag = etagFor(savings.model.version, 'savings-model');
    if (matchesEtag(c.req.header('If-None-Match'), etag)) return c.body(null, 304, { ETag: etag });
    c.header('ETag', etag);
    return c.json({ model: savings.model });
  });

  app.get('/api/live', (c) => c.json({ live: true }));

  registerAccessRoutes(app, access, context);
  registerSqlRoutes(app, { access, context, store, workbench });
  if (access.oidc) registerOidcRoutes(app, access);

  app.get('/signin', (c) => {
    const next = c.req.query('next');
    c.header('Cache-Control', 'no-store');
    return c.html(renderSignInPage({ next: next ?? '/', error: c.req.query('error') ?? null, oidc: access.oidc ? { label: access.oidc.label } : null }));
  });

  app.get('/api/openapi.json', (c) => c.json(openApiDocument()));

  app.get('/api/docs', (c) =>
    c.html(renderDocsPage(openApiDocument() as never, METRIC_NAMES.map((n) => CATALOGUE[n]))),
  );

  app.all('/api/*', (c) => c.json({ error: `No API route ${c.req.method} ${c.req.path}; see /api/docs` }, 404));

  return Object.assign(app as unknown as Hono<AccessEnv>, { access, workbench, answers });
}
