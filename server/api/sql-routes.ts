/**
 * The analysts' SQL workbench API (roles analyst and admin): the schema of their tables, running
 * one query on their scope's extract, cancelling it, downloading a whole result (CSV or Parquet,
 * optionally protected for publication), saved queries and their history. Every query and download
 * is audited with its SQL text, duration, rows and outcome. Engine: server/sql/.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Access } from '../auth/access.js';
import type { AccessEnv } from '../auth/http.js';
import { clientAddress } from '../auth/http.js';
import type { Principal } from '../auth/sessions.js';
import type { Store } from '../store/store.js';
import { describeWorkbenchTables } from '../sql/extract.js';
import type { Cell, ResultColumn } from '../sql/protocol.js';
import { publicationPlan, PublicationRefusal, type PublicationSpec } from '../sql/publication.js';
import { QueryFailure } from '../sql/sandbox.js';
import { addSaved, deleteSaved, findSaved, listSaved, updateSaved } from '../sql/saved.js';
import { WORKBENCH_TABLES } from '../sql/tables.js';
import { loadExampleQueries } from '../sql/examples.js';
import type { Workbench } from '../sql/workbench.js';
import { requirePermission } from './access-routes.js';
import type { StoreContext } from './context.js';
import { ApiError, badParameter } from './errors.js';
import { csvLine } from '../csv/csv-writer.js';
import { sqlLiteral as quote } from '../store/sql-literal.js';

type App = OpenAPIHono<AccessEnv>;

const MAX_SQL_CHARS = 100_000;
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const err = (description: string) => json(SqlErrorSchema, description);

const SqlErrorSchema = z
  .object({
    error: z.string(),
    code: z.enum(['refused', 'syntax', 'invalid', 'timeout', 'cancelled', 'memory', 'crashed', 'busy']).optional(),
    position: z.number().int().optional().openapi({ description: 'Character offset of a syntax error in the SQL (0-based).' }),
  })
  .openapi('SqlError');

const SqlBody = z
  .object({
    sql: z.string().max(MAX_SQL_CHARS, `The SQL may be at most ${MAX_SQL_CHARS} characters`),
    limit: z.number().int().min(1).max(100_000).default(10_000),
    queryId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'queryId is 8 to 64 letters, digits, - or _').optional(),
  })
  .strict();

const PublicationSchema = z
  .object({
    counts: z.array(z.string().min(1)).min(1, 'Declare at least one column of counts of people'),
    dimensions: z.array(z.string().min(1)).optional(),
  })
  .strict();

const ExportBody = z
  .object({
    sql: z.string().max(MAX_SQL_CHARS),
    queryId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/).optional(),
    publication: PublicationSchema.optional().openapi({
      description: "Marks the download for publication: the NHS disclosure rule is applied to the columns declared as counts of people; any other numeric column must be declared a dimension, or the download is refused.",
    }),
  })
  .strict();

const SavedBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).nullable().optional(),
    sql: z.string().min(1).max(MAX_SQL_CHARS),
    shared: z.boolean().default(false),
  })
  .strict();
// Not SavedBody.partial(): zod applies `shared`'s default inside .partial(), so a rename would unshare.
const SavedChanges = SavedBody.extend({ shared: z.boolean() }).partial().strict();

const ResultColumnSchema = z.object({ name: z.string(), type: z.string() });
const ResultSchema = z
  .object({
    queryId: z.string(),
    columns: z.array(ResultColumnSchema),
    rows: z.array(z.array(z.unknown())).openapi({ description: 'One array per row, cells in column order.' }),
    rowCount: z.number().int(),
    truncated: z.boolean().openapi({ description: 'True when the result has more rows than `limit` (download the whole result with /api/sql/export).' }),
    elapsedMs: z.number().int(),
    scope: z.string(),
    dataVersion: z.string(),
  })
  .openapi('SqlResult');

const SavedSchema = z
  .object({ id: z.number().int(), owner: z.string(), ownerOrg: z.string(), name: z.string(), description: z.string().nullable(), sql: z.string(), shared: z.boolean(), createdAt: z.string(), updatedAt: z.string(), mine: z.boolean() })
  .openapi('SavedQuery');

const STATUS: Record<QueryFailure['code'], 400 | 409 | 422 | 429 | 503> = {
  refused: 400,
  syntax: 400,
  invalid: 400,
  busy: 429,
  cancelled: 409,
  timeout: 422,
  memory: 422,
  crashed: 503,
};

function explain(e: QueryFailure, timeoutS: number, memory: string): string {
  if (e.code === 'timeout') return `The query ran for longer than the workbench allows (${timeoutS} s) and was stopped. Narrow it (a WHERE on dates or organisations, fewer joins), or download an aggregate.`;
  if (e.code === 'memory') return `The query needed more memory than the workbench allows (${memory}) and was stopped. Aggregate before you join, or select fewer columns. DuckDB said: ${e.message.split('\n')[0]}`;
  return e.message;
}

async function readJson(c: Context): Promise<unknown> {
  if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) throw new ApiError(400, 'Send the body as JSON (Content-Type: application/json).');
  // Read as text and parsed here: Request.json() took twice as long for the same body.
  try {
    return JSON.parse(await c.req.text());
  } catch {
    throw new ApiError(400, 'The request body is not valid JSON.');
  }
}

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join('.') || what;
  throw badParameter(field, `Invalid ${field} in the ${what}: ${issue.message}`);
}

/** Names made unique (a, a_2) for formats that need them. */
function uniqueNames(columns: readonly ResultColumn[]): string[] {
  const seen = new Map<string, number>();
  return columns.map((c) => {
    const n = (seen.get(c.name) ?? 0) + 1;
    seen.set(c.name, n);
    return n === 1 ? c.name : `${c.name}_${n}`;
  });
}

const cellText = (v: Cell): string => (v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function registerSqlRoutes(app: App, deps: { access: Access; context: StoreContext; store: Store; workbench: Workbench }): void {
  const { access, context, store, workbench } = deps;
  const settings = workbench.settings;
  let described: Promise<Record<string, { name: string; type: string }[]>> | undefined;

  const analyst = (c: Context<AccessEnv>): Principal => requirePermission(c, 'sql');
  const audit = (c: Context<AccessEnv>, p: Principal, entry: { action: 'sql_query' | 'sql_export'; outcome: 'ok' | 'failed' | 'denied' | 'error'; status: number; sql: string; rows?: number | null; params?: Record<string, unknown> }) => {
    c.set('audited', true);
    access.audit.record({
      username: p.user.username,
      role: p.user.role,
      userOrg: p.user.org,
      action: entry.action,
      method: c.req.method,
      route: c.req.path,
      params: entry.params ?? null,
      org: p.user.org,
      rowCount: entry.rows ?? null,
      status: entry.status,
      outcome: entry.outcome,
      ip: clientAddress(c, access.edge),
      detail: entry.sql.slice(0, 20_000),
    });
  };
  const failure = (e: unknown) => {
    if (e instanceof QueryFailure) {
      return { status: STATUS[e.code], body: { error: explain(e, settings.timeoutMs / 1000, settings.memoryLimit), code: e.code, ...(e.position !== undefined ? { position: e.position } : {}) } };
    }
    if (e instanceof PublicationRefusal) return { status: 400 as const, body: { error: e.message, code: 'refused' as const } };
    throw e;
  };

  // ---- schema ------------------------------------------------------------------------------------
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/sql/schema', summary: "The analysts' tables",
      description: 'Every table the SQL workbench can query, with a description of it and of each column, and the column types. The rows are your scope\'s only.',
      responses: {
        200: json(z.object({ scope: z.string(), tables: z.array(z.object({ name: z.string(), description: z.string(), columns: z.array(z.object({ name: z.string(), type: z.string(), description: z.string() })) })) }), 'The tables.'),
        401: err('Not signed in.'),
        403: err('Your role may not use the SQL workbench.'),
      },
    }),
  );
  app.get('/api/sql/schema', async (c) => {
    const p = analyst(c);
    described ??= store.withConnection((conn) => describeWorkbenchTables(conn));
    const types = await described;
    c.header('Cache-Control', 'private, max-age=300');
    return c.json({
      scope: p.user.org,
      tables: WORKBENCH_TABLES.map((t) => ({
        name: t.name,
        description: t.description,
        columns: t.columns.map((col) => ({ name: col.name, type: types[t.name]?.find((x) => x.name === col.name)?.type ?? 'UNKNOWN', description: col.description })),
      })),
    });
  });

  const examples = loadExampleQueries();
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/sql/examples', summary: 'Example queries',
      description: 'A short gallery of queries that answer real questions on these tables, to start from.',
      responses: {
        200: json(z.object({ examples: z.array(z.object({ name: z.string(), title: z.string(), description: z.string(), sql: z.string() })) }), 'The examples.'),
        401: err('Not signed in.'),
        403: err('Your role may not use the SQL workbench.'),
      },
    }),
  );
  app.get('/api/sql/examples', (c) => {
    analyst(c);
    c.header('Cache-Control', 'private, max-age=300');
    return c.json({ examples });
  });

  // ---- running a query ---------------------------------------------------------------------------
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post', path: '/api/sql', summary: 'Run one query',
      description:
        `Runs exactly one read-only query (SELECT, WITH … SELECT, FROM …, DESCRIBE, SHOW, SUMMARIZE) on an extract holding only your scope's rows, ` +
        `in a separate sandboxed process, and returns its first \`limit\` rows (default 10,000). Time limit ${settings.timeoutMs / 1000} s ` +
        '(PORTAL_SQL_TIMEOUT_S); give a `queryId` to be able to cancel it with DELETE /api/sql/queries/{queryId}. Results are row-level ' +
        'pseudonymised data: not for publication as they are.',
      request: { body: { content: { 'application/json': { schema: SqlBody } } } },
      responses: {
        200: json(ResultSchema, 'The result.'),
        400: err('Not one read-only query, a syntax error (with its position), or an error DuckDB reported.'),
        401: err('Not signed in.'),
        403: err('Your role may not use the SQL workbench.'),
        409: err('Cancelled.'),
        422: err('Stopped at the time or memory limit.'),
        429: err('Too many of your queries are running.'),
        503: err('The query process stopped; nothing else was affected.'),
      },
    }),
  );
  app.post('/api/sql', async (c) => {
    const p = analyst(c);
    const body = parse(SqlBody, await readJson(c), 'query');
    const facts = await context.current();
    try {
      // The request's signal aborts when the client goes away: the query is cancelled with it.
      const r = await workbench.query({ username: p.user.username, scope: p.user.org }, body.sql, facts, {
        limit: body.limit,
        ...(body.queryId ? { id: body.queryId } : {}),
        signal: c.req.raw.signal,
      });
      audit(c, p, { action: 'sql_query', outcome: 'ok', status: 200, sql: body.sql, rows: r.rowCount, params: { elapsedMs: r.elapsedMs, limit: body.limit, truncated: r.truncated, queryId: r.id } });
      c.header('Cache-Control', 'no-store');
      // The rows arrive as JSON text from the sandbox and go into the answer as they are.
      const rest = JSON.stringify({ queryId: r.id, columns: r.columns, rowCount: r.rowCount, truncated: r.truncated, elapsedMs: r.elapsedMs, scope: p.user.org, dataVersion: r.dataVersion });
      return c.body(`${rest.slice(0, -1)},"rows":${r.rowsJson}}`, 200, { 'Content-Type': 'application/json' });
    } catch (e) {
      const f = failure(e);
      audit(c, p, { action: 'sql_query', outcome: f.status === 503 ? 'error' : 'failed', status: f.status, sql: body.sql, params: { code: f.body.code, error: f.body.error.slice(0, 500) } });
      if (f.status === 429) c.header('Retry-After', '2');
      return c.json(f.body, f.status);
    }
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'delete', path: '/api/sql/queries/{queryId}', summary: 'Cancel a running query',
      description: 'Stops one of your running queries (or downloads) at once; it answers 409 "cancelled".',
      request: { params: z.object({ queryId: z.string() }) },
      responses: { 200: json(z.object({ cancelled: z.literal(true) }), 'Cancelled.'), 401: err('Not signed in.'), 403: err('Not allowed.'), 404: err('No query of yours with that id is running.') },
    }),
  );
  app.delete('/api/sql/queries/:queryId', (c) => {
    const p = analyst(c);
    const id = c.req.param('queryId');
    if (!workbench.cancel(p.user.username, id)) throw new ApiError(404, `No query of yours with id '${id}' is running (it may have finished).`);
    return c.json({ cancelled: true as const });
  });

  // ---- downloading a whole result ------------------------------------------------------------------
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post', path: '/api/sql/export', summary: 'Download a whole result',
      description:
        'Runs the query like POST /api/sql and streams every row (not only the shown ones) as CSV or Parquet. With `publication`, the NHS ' +
        'disclosure rule (the same as the metrics) is applied to the declared counts of people, suppressed cells are * in CSV (null and ' +
        'listed in `_suppressed` in Parquet), and other numeric columns are refused unless declared dimensions. Complementary suppression ' +
        'cannot be worked out for a free-form result: do not publish a total beside its suppressed parts.',
      request: { query: z.object({ format: z.enum(['csv', 'parquet']).default('csv') }), body: { content: { 'application/json': { schema: ExportBody } } } },
      responses: {
        200: { description: 'The file', content: { 'text/csv': { schema: z.string() }, 'application/vnd.apache.parquet': { schema: z.string().openapi({ format: 'binary' }) } } },
        400: err('Not one query, or refused for publication (the message says which columns).'),
        401: err('Not signed in.'),
        403: err('Your role may not use the SQL workbench.'),
        422: err('Stopped at the time or memory limit.'),
        429: err('Too many of your queries are running.'),
      },
    }),
  );
  app.post('/api/sql/export', async (c) => {
    const p = analyst(c);
    const format = parse(z.object({ format: z.enum(['csv', 'parquet']).default('csv') }).strict(), c.req.query(), 'query string').format;
    const body = parse(ExportBody, await readJson(c), 'download');
    const facts = await context.current();
    const caller = { username: p.user.username, scope: p.user.org };
    const fileBase = `query_${p.user.org}_${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}${body.publication ? '_for-publication' : ''}`;
    const auditParams = { format, publication: body.publication ?? null };
    return format === 'csv'
      ? exportCsv(c, p, caller, body.sql, body.publication, facts, fileBase, auditParams, body.queryId)
      : exportParquet(c, p, caller, body.sql, body.publication, facts, fileBase, auditParams, body.queryId);
  });

  /**
   * CSV is streamed to the client as the sandbox produces it: the first chunk decides the status
   * (an error before any row is a clean 4xx); the sandbox waits for each chunk to be written, so a
   * slow client holds memory at one chunk.
   */
  async function exportCsv(c: Context<AccessEnv>, p: Principal, caller: { username: string; scope: string }, sql: string, publication: PublicationSpec | undefined, facts: { dataVersion: string; root: string | null }, fileBase: string, params: Record<string, unknown>, queryId?: string) {
    const encoder = new TextEncoder();
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(undefined, { highWaterMark: 4 }, { highWaterMark: 4 });
    const writer = writable.getWriter();
    let protect: ReturnType<typeof publicationPlan> | null = null;
    let columnNames: string[] = [];
    let started!: (ok: true | { status: number; body: unknown }) => void;
    const first = new Promise<true | { status: number; body: unknown }>((r) => (started = r));
    const abort = new AbortController();
    c.req.raw.signal?.addEventListener('abort', () => abort.abort(), { once: true });
    const run = workbench
      .stream(caller, sql, facts, {
        columns: (columns) => {
          if (publication) protect = publicationPlan(columns, publication);
          columnNames = columns.map((col) => col.name);
          started(true);
          return writer.write(encoder.encode(csvLine(uniqueNames(columns), '\r\n')));
        },
        rows: (rows) => {
          let text = '';
          for (const row of rows) {
            if (protect) {
              const { cells, suppressed } = protect(row);
              text += csvLine(cells.map((v, i) => (v === null && suppressed.includes(columnNames[i]!) ? '*' : cellText(v))), '\r\n');
            } else {
              text += csvLine(row.map(cellText), '\r\n');
            }
          }
          return writer.write(encoder.encode(text));
        },
      }, { ...(queryId ? { id: queryId } : {}), signal: abort.signal })
      .then(
        async (done) => {
          audit(c, p, { action: 'sql_export', outcome: 'ok', status: 200, sql, rows: done.rowCount, params: { ...params, elapsedMs: done.elapsedMs } });
          await writer.close();
        },
        async (e: unknown) => {
          let f: { status: number; body: { error: string; code?: string } };
          try {
            f = failure(e);
          } catch (unexpected) {
            f = { status: 500, body: { error: 'The download failed; see the server log.' } };
            console.error('[sql] export failed', unexpected);
          }
          audit(c, p, { action: 'sql_export', outcome: 'failed', status: f.status, sql, params: { ...params, code: f.body.code, error: f.body.error.slice(0, 500) } });
          started(f);
          await writer.abort(new Error(f.body.error)).catch(() => {});
        },
      );
    void run;
    const head = await first;
    if (head !== true) return c.json(head.body as never, head.status as 400);
    return new Response(readable, {
      status: 200,
      headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${fileBase}.csv"`, 'Cache-Control': 'no-store' },
    });
  }

  /**
   * Parquet needs the whole result before the file can be written: rows go to a private
   * temporary NDJSON file as they come, then the server's DuckDB writes the Parquet file from it
   * with the result's own column types.
   */
  async function exportParquet(c: Context<AccessEnv>, p: Principal, caller: { username: string; scope: string }, sql: string, publication: PublicationSpec | undefined, facts: { dataVersion: string; root: string | null }, fileBase: string, params: Record<string, unknown>, queryId?: string) {
    const dir = await mkdtemp(join(tmpdir(), 'portal-sql-export-'));
    const ndjson = join(dir, 'rows.ndjson');
    const parquet = join(dir, 'result.parquet');
    const out = createWriteStream(ndjson, { mode: 0o600 });
    let names: string[] = [];
    let columns: ResultColumn[] = [];
    let protect: ReturnType<typeof publicationPlan> | null = null;
    const write = (text: string) =>
      new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        if (out.write(text)) resolve();
        else out.once('drain', resolve);
      });
    try {
      const done = await workbench.stream(caller, sql, facts, {
        columns: (cols) => {
          columns = cols;
          names = uniqueNames(cols);
          if (publication) protect = publicationPlan(cols, publication);
        },
        rows: (rows) => {
          let text = '';
          for (const row of rows) {
            const o: Record<string, unknown> = {};
            if (protect) {
              const { cells, suppressed } = protect(row);
              for (const [i, n] of names.entries()) o[n] = cells[i];
              o._suppressed = suppressed;
            } else for (const [i, n] of names.entries()) o[n] = row[i];
            text += `${JSON.stringify(o)}\n`;
          }
          return write(text);
        },
      }, { ...(queryId ? { id: queryId } : {}), signal: c.req.raw.signal }); // a client that goes away stops it
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
      const spec = names.map((n, i) => `${quote(n)}: ${quote(columns[i]!.type)}`);
      if (publication) spec.push(`${quote('_suppressed')}: 'VARCHAR[]'`);
      await store.withConnection((conn) =>
        conn.run(
          `COPY (SELECT * FROM read_json(${quote(ndjson)}, format = 'newline_delimited', columns = {${spec.join(', ')}})) TO ${quote(parquet)} (FORMAT parquet, COMPRESSION zstd)`,
        ),
      );
      audit(c, p, { action: 'sql_export', outcome: 'ok', status: 200, sql, rows: done.rowCount, params: { ...params, elapsedMs: done.elapsedMs } });
      const size = (await stat(parquet)).size;
      const file = createReadStream(parquet);
      file.on('close', () => void rm(dir, { recursive: true, force: true }));
      return new Response(Readable.toWeb(file) as ReadableStream, {
        status: 200,
        headers: { 'Content-Type': 'application/vnd.apache.parquet', 'Content-Length': String(size), 'Content-Disposition': `attachment; filename="${fileBase}.parquet"`, 'Cache-Control': 'no-store' },
      });
    } catch (e) {
      out.destroy();
      await rm(dir, { recursive: true, force: true });
      const f = failure(e);
      audit(c, p, { action: 'sql_export', outcome: 'failed', status: f.status, sql, params: { ...params, code: f.body.code, error: f.body.error.slice(0, 500) } });
      return c.json(f.body, f.status);
    }
  }

  // ---- saved queries and history ---------------------------------------------------------------------
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/sql/saved', summary: 'Saved queries',
      description: "Your saved queries, and those shared by users whose scope covers yours. A saved query is SQL: running it runs in your own scope.",
      responses: { 200: json(z.object({ saved: z.array(SavedSchema) }), 'Saved queries.'), 401: err('Not signed in.'), 403: err('Not allowed.') },
    }),
  );
  app.get('/api/sql/saved', async (c) => {
    const p = analyst(c);
    c.header('Cache-Control', 'no-store');
    return c.json({ saved: await store.withConnection((conn) => listSaved(conn, p.user.username, p.user.org)) });
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post', path: '/api/sql/saved', summary: 'Save a query',
      request: { body: { content: { 'application/json': { schema: SavedBody } } } },
      responses: { 201: json(SavedSchema, 'Saved.'), 400: err('Invalid.'), 401: err('Not signed in.'), 403: err('Not allowed.') },
    }),
  );
  app.post('/api/sql/saved', async (c) => {
    const p = analyst(c);
    const body = parse(SavedBody, await readJson(c), 'saved query');
    const saved = await store.withConnection((conn) => addSaved(conn, p.user.username, p.user.org, body));
    return c.json(saved, 201);
  });

  const mineOr404 = async (c: Context<AccessEnv>, p: Principal) => {
    const id = Number(c.req.param('id'));
    if (!Number.isInteger(id) || id < 1) throw badParameter('id', `A saved query's id is a whole number (got '${c.req.param('id')}')`);
    const q = await store.withConnection((conn) => findSaved(conn, id, p.user.username));
    if (!q?.mine) throw new ApiError(404, `No saved query ${id} of yours.`);
    return q;
  };
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'patch', path: '/api/sql/saved/{id}', summary: 'Change a saved query (its owner)',
      request: { params: z.object({ id: z.string() }), body: { content: { 'application/json': { schema: SavedChanges } } } },
      responses: { 200: json(SavedSchema, 'Changed.'), 400: err('Invalid.'), 401: err('Not signed in.'), 403: err('Not allowed.'), 404: err('No such query of yours.') },
    }),
  );
  app.patch('/api/sql/saved/:id', async (c) => {
    const p = analyst(c);
    const q = await mineOr404(c, p);
    const changes = parse(SavedChanges, await readJson(c), 'change');
    return c.json(await store.withConnection((conn) => updateSaved(conn, q.id, changes, p.user.username)));
  });
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'delete', path: '/api/sql/saved/{id}', summary: 'Delete a saved query (its owner)',
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: json(z.object({ deleted: z.literal(true) }), 'Deleted.'), 401: err('Not signed in.'), 403: err('Not allowed.'), 404: err('No such query of yours.') },
    }),
  );
  app.delete('/api/sql/saved/:id', async (c) => {
    const p = analyst(c);
    const q = await mineOr404(c, p);
    await store.withConnection((conn) => deleteSaved(conn, q.id));
    return c.json({ deleted: true as const });
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/sql/history', summary: 'Your query history',
      description: 'Your latest queries and downloads, newest first, from the audit log: SQL, when, how long, rows, outcome.',
      request: { query: z.object({ limit: z.string().optional() }) },
      responses: {
        200: json(z.object({ history: z.array(z.object({ at: z.string(), action: z.string(), sql: z.string(), outcome: z.string(), status: z.number().nullable(), rows: z.number().nullable(), elapsedMs: z.number().nullable(), error: z.string().nullable() })) }), 'History.'),
        401: err('Not signed in.'),
        403: err('Not allowed.'),
      },
    }),
  );
  app.get('/api/sql/history', async (c) => {
    const p = analyst(c);
    const limit = parse(z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict(), c.req.query(), 'query string').limit;
    // Queries and downloads in one read of the audit log, newest first (by audit id).
    const records = await access.audit.read({ username: p.user.username, action: ['sql_query', 'sql_export'], limit });
    c.header('Cache-Control', 'no-store');
    return c.json({
      history: records.map((r) => {
        const extra = r.params ? (JSON.parse(r.params) as { elapsedMs?: number; error?: string }) : {};
        return { at: r.at, action: r.action, sql: r.detail ?? '', outcome: r.outcome, status: r.status, rows: r.rowCount, elapsedMs: extra.elapsedMs ?? null, error: extra.error ?? null };
      }),
    });
  });
}

