/**
 * Routes of access control: signing in and out, who am I, API tokens, and the admin's users,
 * sessions and audit log. Each answers with a message a person can act on; each state change is
 * audited. (The gate that applies to every other route is server/api/access-gate.ts.)
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Access } from '../auth/access.js';
import { SIGN_IN_FAILED } from '../auth/access.js';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditEntry } from '../auth/audit.js';
import { clearSessionCookie, clientAddress, readSessionCookie, setSessionCookie, type AccessEnv } from '../auth/http.js';
import { can, PERMISSIONS, ROLES, refusalFor, type Permission } from '../auth/roles.js';
import type { Principal } from '../auth/sessions.js';
import { newPassword } from '../auth/hashing.js';
import { addUser, findUser, listUsers, setPassword, updateUser, UserError, type User } from '../auth/users.js';
import type { StoreContext } from './context.js';
import { ApiError, badParameter, forbidden, notSignedIn } from './errors.js';
import { toCsv } from './export.js';
import { utf8 } from './json-body.js';
import { ErrorSchema } from './schemas.js';

type App = OpenAPIHono<AccessEnv>;

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const err = (description: string) => json(ErrorSchema, description);
const SIGNED_OUT = { 401: err('Not signed in, or the session or token is no longer valid.') } as const;
const ADMIN_ONLY = { ...SIGNED_OUT, 403: err('Signed in, but only an admin may do this.') } as const;

const MeSchema = z
  .object({
    username: z.string(),
    displayName: z.string().nullable(),
    role: z.enum(ROLES),
    org: z.string().openapi({ description: "The user's organisation: they see it and everything below it." }),
    orgName: z.string().nullable(),
    permissions: z.array(z.enum(PERMISSIONS)),
    via: z.enum(['session', 'token']),
  })
  .openapi('Me');

const UserSchema = z
  .object({
    username: z.string(),
    displayName: z.string().nullable(),
    role: z.enum(ROLES),
    org: z.string(),
    source: z.enum(['local', 'oidc']),
    disabled: z.boolean(),
    createdAt: z.string(),
    lastSignInAt: z.string().nullable(),
  })
  .openapi('User');

const SignInBody = z.object({ username: z.string().min(1).max(200), password: z.string().min(1).max(1024) }).strict();
const NewTokenBody = z.object({ label: z.string().trim().min(1).max(100) }).strict();
const NewUserBody = z
  .object({
    username: z.string().min(1).max(100),
    role: z.enum(ROLES),
    org: z.string().regex(/^[A-Za-z0-9]{3,8}$/, 'org must be an organisation code'),
    password: z.string().max(256).optional(),
    displayName: z.string().max(200).nullable().optional(),
  })
  .strict();
const UserChangesBody = z
  .object({
    role: z.enum(ROLES).optional(),
    org: z.string().regex(/^[A-Za-z0-9]{3,8}$/, 'org must be an organisation code').optional(),
    disabled: z.boolean().optional(),
    displayName: z.string().max(200).nullable().optional(),
  })
  .strict();
const PasswordBody = z.object({ password: z.string().max(256).optional() }).strict();
const AuditQuery = z
  .object({
    from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'from must be a date YYYY-MM-DD').optional(),
    to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'to must be a date YYYY-MM-DD').optional(),
    username: z.string().max(200).optional(),
    action: z.enum(AUDIT_ACTIONS).optional(),
    outcome: z.enum(AUDIT_OUTCOMES).optional(),
    limit: z.coerce.number().int().min(1).max(100_000).default(500),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict();

function publicUser(u: User) {
  return { username: u.username, displayName: u.displayName, role: u.role, org: u.org, source: u.source, disabled: u.disabled, createdAt: u.createdAt, lastSignInAt: u.lastSignInAt };
}

/**
 * The audit holds text typed by strangers (a username tried at sign-in): a cell starting with
 * = + - @ would be run as a formula by a spreadsheet opening the CSV, so it is quoted with '.
 */
function spreadsheetSafe<T extends object>(record: T): T {
  const out: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  for (const [k, v] of Object.entries(out)) if (typeof v === 'string' && /^[=+\-@\t\r]/.test(v)) out[k] = `'${v}`;
  return out as T;
}

/** `next` after signing in: a path on this site only (never //host or a scheme), else the overview. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) && !next.startsWith('/api/') ? next : '/';
}

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join('.') || what;
  if (issue.code === 'unrecognized_keys') throw badParameter(field, `Unknown field(s) in the ${what}: ${(issue as { keys?: string[] }).keys?.join(', ')}`);
  throw badParameter(field, `Invalid ${field} in the ${what}: ${issue.message}`);
}

async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) throw new ApiError(400, 'Send the body as JSON (Content-Type: application/json).');
  try {
    return await c.req.json();
  } catch {
    throw new ApiError(400, 'The request body is not valid JSON.');
  }
}

export function principalOf(c: Context<AccessEnv>): Principal {
  const p = c.get('principal');
  if (!p) throw notSignedIn();
  return p;
}

export function requirePermission(c: Context<AccessEnv>, permission: Permission): Principal {
  const p = principalOf(c);
  if (!can(p.user.role, permission)) throw forbidden(refusalFor(p.user.role, permission));
  return p;
}

export function registerAccessRoutes(app: App, access: Access, context: StoreContext): void {
  const { credentials, audit } = access;
  const client = (c: Context) => ({ ip: clientAddress(c, access.edge), userAgent: c.req.header('user-agent') ?? null });
  const record = (c: Context<AccessEnv>, entry: Omit<AuditEntry, 'username' | 'ip'> & { username?: string | null }) => {
    const p = c.get('principal');
    c.set('audited', true);
    audit.record({
      username: entry.username !== undefined ? entry.username : (p?.user.username ?? null),
      role: p?.user.role ?? null,
      userOrg: p?.user.org ?? null,
      method: c.req.method,
      route: c.req.path,
      ip: clientAddress(c, access.edge),
      ...entry,
    });
  };
  /** An admin action: done, audited with what changed. */
  const adminAction = (c: Context<AccessEnv>, detail: string, status = 200) => record(c, { action: 'admin', outcome: 'ok', status, detail });

  // ---- signing in and out ----------------------------------------------------------------------
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post', path: '/api/session', summary: 'Sign in',
      description:
        'Checks a username and password and opens a session: the answer sets an httpOnly, SameSite=Strict session cookie ' +
        '(`__Host-pi_session` over TLS). Also accepts the sign-in page\'s form post, answered with a redirect. Repeated ' +
        'failures for a name or from an address are slowed down and then locked out for a while (429 with Retry-After). ' +
        'The message never says whether the username exists.',
      request: { body: { content: { 'application/json': { schema: SignInBody } } } },
      responses: {
        200: json(MeSchema.pick({ username: true, role: true, org: true }).extend({ expiresAt: z.string() }), 'Signed in; the session cookie is set.'),
        400: err('The body is not a username and password.'),
        401: err(SIGN_IN_FAILED),
        403: err('The request did not come from this site (cross-site requests are refused).'),
        429: err('Too many failed sign-ins; try again after Retry-After seconds.'),
      },
    }),
  );
  app.post('/api/session', async (c) => {
    const isForm = /^application\/x-www-form-urlencoded\b|^multipart\/form-data\b/i.test(c.req.header('content-type') ?? '');
    let body: z.infer<typeof SignInBody>;
    let next = '/';
    if (isForm) {
      const form = await c.req.parseBody();
      next = safeNext(form.next);
      const r = SignInBody.safeParse({ username: form.username, password: form.password });
      if (!r.success) return c.redirect(`/signin?error=missing&next=${encodeURIComponent(next)}`, 303);
      body = r.data;
    } else {
      body = parse(SignInBody, await readJson(c), 'sign-in');
    }
    const result = await access.signIn(body.username, body.password, client(c));
    if (!result.ok) {
      const locked = result.reason === 'locked';
      record(c, { username: body.username.toLowerCase().slice(0, 200), action: 'sign_in', outcome: locked ? 'denied' : 'failed', status: locked ? 429 : 401, detail: locked ? 'locked out' : 'wrong username or password' });
      if (isForm) return c.redirect(`/signin?error=${locked ? 'locked' : 'invalid'}&next=${encodeURIComponent(next)}`, 303);
      if (locked) {
        c.header('Retry-After', String(result.retryAfterSeconds ?? 60));
        throw new ApiError(429, `Too many failed sign-ins. Try again in ${Math.ceil((result.retryAfterSeconds ?? 60) / 60)} minute(s), or ask an administrator to reset your password.`);
      }
      throw new ApiError(401, SIGN_IN_FAILED);
    }
    setSessionCookie(c, result.token, access.edge, credentials.policy.absoluteMs / 1000);
    record(c, { username: result.user.username, role: result.user.role, userOrg: result.user.org, action: 'sign_in', outcome: 'ok', status: 200, detail: 'password' });
    if (isForm) return c.redirect(next, 303);
    return c.json({ username: result.user.username, role: result.user.role, org: result.user.org, expiresAt: result.expiresAt });
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'delete', path: '/api/session', summary: 'Sign out',
      description: 'Ends this session (it cannot be used again) and clears the cookie.',
      responses: { 200: json(z.object({ signedOut: z.literal(true) }), 'Signed out.'), ...SIGNED_OUT },
    }),
  );
  app.delete('/api/session', async (c) => {
    const token = readSessionCookie(c);
    if (token) await credentials.revokeSessionByToken(token);
    clearSessionCookie(c, access.edge);
    record(c, { action: 'sign_out', outcome: 'ok', status: 200 });
    return c.json({ signedOut: true as const });
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/me', summary: 'Who am I',
      description: 'The signed-in user: username, role, organisation (their scope) and what the role may do.',
      responses: { 200: json(MeSchema, 'The signed-in user.'), ...SIGNED_OUT },
    }),
  );
  app.get('/api/me', async (c) => {
    const p = principalOf(c);
    const facts = await context.current();
    c.header('Cache-Control', 'no-store');
    return c.json({
      username: p.user.username,
      displayName: p.user.displayName,
      role: p.user.role,
      org: p.user.org,
      orgName: facts.orgByCode.get(p.user.org)?.name ?? null,
      permissions: PERMISSIONS.filter((perm) => can(p.user.role, perm)),
      via: p.via,
    });
  });

  // ---- sessions ----------------------------------------------------------------------------------
  const SessionInfoSchema = z
    .object({ id: z.string(), username: z.string(), method: z.enum(['password', 'oidc']), createdAt: z.string(), lastSeenAt: z.string(), expiresAt: z.string(), ip: z.string().nullable(), userAgent: z.string().nullable(), current: z.boolean() })
    .openapi('Session');
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/sessions', summary: 'Open sessions',
      description: "Your open sessions; an admin sees everyone's with `all=true`.",
      request: { query: z.object({ all: z.enum(['true', 'false']).optional() }) },
      responses: { 200: json(z.object({ sessions: z.array(SessionInfoSchema) }), 'Open sessions, most recently used first.'), ...ADMIN_ONLY },
    }),
  );
  app.get('/api/sessions', async (c) => {
    const p = principalOf(c);
    const all = c.req.query('all') === 'true';
    if (all) requirePermission(c, 'admin');
    const sessions = await credentials.listSessions(all ? undefined : p.user.id);
    c.header('Cache-Control', 'no-store');
    return c.json({ sessions: sessions.map((s) => ({ ...s, current: p.via === 'session' && s.id === p.credentialId })) });
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'delete', path: '/api/sessions/{id}', summary: 'Revoke a session',
      description: 'Ends one of your sessions (an admin: anyone\'s).',
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: json(z.object({ revoked: z.literal(true) }), 'Revoked.'), ...ADMIN_ONLY, 404: err('No such open session.') },
    }),
  );
  app.delete('/api/sessions/:id', async (c) => {
    const p = principalOf(c);
    const isAdmin = can(p.user.role, 'admin');
    const done = await credentials.revokeSession(c.req.param('id'), isAdmin ? undefined : p.user.id);
    if (!done) throw new ApiError(404, `No open session '${c.req.param('id')}'${isAdmin ? '' : ' of yours'}.`);
    if (isAdmin) adminAction(c, `revoked session ${c.req.param('id')}`);
    return c.json({ revoked: true as const });
  });

  // ---- API tokens --------------------------------------------------------------------------------
  const TokenSchema = z.object({ id: z.number().int(), username: z.string(), label: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() }).openapi('ApiToken');
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/tokens', summary: 'API tokens',
      description: "Your API tokens (never the secret, which is shown once when created); an admin sees another user's with `user=<name>`, or all with `user=*`.",
      request: { query: z.object({ user: z.string().optional() }) },
      responses: { 200: json(z.object({ tokens: z.array(TokenSchema) }), 'Tokens in use.'), ...ADMIN_ONLY },
    }),
  );
  app.get('/api/tokens', async (c) => {
    const p = principalOf(c);
    const who = c.req.query('user');
    let userId: number | undefined = p.user.id;
    if (who !== undefined && who !== p.user.username) {
      requirePermission(c, 'admin');
      userId = who === '*' ? undefined : (await userNamed(who)).id;
    }
    c.header('Cache-Control', 'no-store');
    return c.json({ tokens: await credentials.listTokens(userId) });
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post', path: '/api/tokens', summary: 'Create an API token',
      description:
        'A token for scripts and notebooks: send it as `Authorization: Bearer <token>`. It acts as you (your role and scope). ' +
        'The token is in this answer only; the server keeps a hash. An admin may create one for another user with `user`.',
      request: { body: { content: { 'application/json': { schema: NewTokenBody.extend({ user: z.string().optional() }) } } } },
      responses: { 201: json(z.object({ id: z.number().int(), label: z.string(), username: z.string(), token: z.string() }), 'The new token (shown once).'), 400: err('No label.'), ...ADMIN_ONLY },
    }),
  );
  app.post('/api/tokens', async (c) => {
    const p = principalOf(c);
    const raw = (await readJson(c)) as Record<string, unknown>;
    const { user: who, ...rest } = raw ?? {};
    const { label } = parse(NewTokenBody, rest, 'token request');
    let owner = p.user;
    if (who !== undefined && who !== p.user.username) {
      requirePermission(c, 'admin');
      owner = await userNamed(String(who));
    }
    const created = await credentials.createToken(owner, label);
    if (owner.id !== p.user.id) adminAction(c, `created API token ${created.id} '${label}' for ${owner.username}`, 201);
    else record(c, { action: 'admin', outcome: 'ok', status: 201, detail: `created own API token ${created.id} '${label}'` });
    c.header('Cache-Control', 'no-store');
    return c.json({ id: created.id, label, username: owner.username, token: created.token }, 201);
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'delete', path: '/api/tokens/{id}', summary: 'Revoke an API token',
      description: "Revokes one of your tokens (an admin: anyone's); it stops working at once.",
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: json(z.object({ revoked: z.literal(true) }), 'Revoked.'), ...ADMIN_ONLY, 404: err('No such token.') },
    }),
  );
  app.delete('/api/tokens/:id', async (c) => {
    const p = principalOf(c);
    const id = Number(c.req.param('id'));
    if (!Number.isInteger(id) || id < 1) throw badParameter('id', `A token id is a whole number (got '${c.req.param('id')}')`);
    const isAdmin = can(p.user.role, 'admin');
    const done = await credentials.revokeToken(id, isAdmin ? undefined : p.user.id);
    if (!done) throw new ApiError(404, `No API token ${id}${isAdmin ? '' : ' of yours'} in use.`);
    record(c, { action: 'admin', outcome: 'ok', status: 200, detail: `revoked API token ${id}` });
    return c.json({ revoked: true as const });
  });

  // ---- users (admin) -----------------------------------------------------------------------------
  const userNamed = async (username: string): Promise<User> => {
    const u = await access.store.withConnection((conn) => findUser(conn, username));
    if (!u) throw new ApiError(404, `No user '${username}'.`);
    return u;
  };
  const asApiError = (e: unknown): never => {
    if (e instanceof UserError) throw new ApiError(e.status, e.message);
    throw e;
  };
  /** Refuses a change that would leave nobody able to manage users. */
  const keepAnAdmin = async (target: User, after: { role: string; disabled: boolean }) => {
    if (target.role !== 'admin' || (after.role === 'admin' && !after.disabled)) return;
    const admins = (await access.store.withConnection((conn) => listUsers(conn))).filter((u) => u.role === 'admin' && !u.disabled);
    if (admins.length <= 1) throw new ApiError(409, `${target.username} is the last enabled admin: make another user an admin first.`);
  };

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/users', summary: 'Users (admin)',
      description: 'Every user with role, organisation, whether disabled and when last signed in.',
      responses: { 200: json(z.object({ users: z.array(UserSchema) }), 'Users.'), ...ADMIN_ONLY },
    }),
  );
  app.get('/api/users', async (c) => {
    requirePermission(c, 'admin');
    const users = await access.store.withConnection((conn) => listUsers(conn));
    c.header('Cache-Control', 'no-store');
    record(c, { action: 'admin', outcome: 'ok', status: 200, rowCount: users.length, detail: 'listed users' });
    return c.json({ users: users.map(publicUser) });
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post', path: '/api/users', summary: 'Add a user (admin)',
      description: 'Adds a user with a role and an organisation. Without a password, one is made and returned once in `password`.',
      request: { body: { content: { 'application/json': { schema: NewUserBody } } } },
      responses: {
        201: json(z.object({ user: UserSchema, password: z.string().optional() }), 'Added.'),
        400: err('A field is missing or invalid (the message says which).'),
        ...ADMIN_ONLY,
        404: err('Unknown organisation.'),
        409: err('The username is taken.'),
      },
    }),
  );
  app.post('/api/users', async (c) => {
    requirePermission(c, 'admin');
    const body = parse(NewUserBody, await readJson(c), 'new user');
    const password = body.password ?? newPassword();
    const user = await access.store
      .withConnection((conn) => addUser(conn, { username: body.username, role: body.role, org: body.org, password, displayName: body.displayName ?? null }))
      .catch(asApiError);
    adminAction(c, `added user ${user.username} (${user.role}, ${user.org})`, 201);
    c.header('Cache-Control', 'no-store');
    return c.json({ user: publicUser(user), ...(body.password === undefined ? { password } : {}) }, 201);
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'patch', path: '/api/users/{username}', summary: 'Change a user (admin)',
      description: 'Changes role, organisation, display name, or disables / enables the user. A disabled user is signed out everywhere and their tokens stop working.',
      request: { params: z.object({ username: z.string() }), body: { content: { 'application/json': { schema: UserChangesBody } } } },
      responses: { 200: json(z.object({ user: UserSchema }), 'Changed.'), 400: err('Invalid change.'), ...ADMIN_ONLY, 404: err('No such user or organisation.'), 409: err('It would leave no enabled admin.') },
    }),
  );
  app.patch('/api/users/:username', async (c) => {
    requirePermission(c, 'admin');
    const changes = parse(UserChangesBody, await readJson(c), 'change');
    const target = await userNamed(c.req.param('username'));
    await keepAnAdmin(target, { role: changes.role ?? target.role, disabled: changes.disabled ?? target.disabled });
    const user = await access.store.withConnection((conn) => updateUser(conn, target.username, changes)).catch(asApiError);
    if (user.disabled && !target.disabled) await credentials.revokeAllFor(user.id);
    else credentials.forgetUser(user.id);
    const what = Object.entries(changes).map(([k, v]) => `${k}=${String(v)}`).join(', ');
    adminAction(c, `changed user ${user.username}: ${what}`);
    return c.json({ user: publicUser(user) });
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post', path: '/api/users/{username}/password', summary: "Reset a user's password (admin)",
      description: 'Sets a new password (or makes one, returned once) and signs the user out everywhere.',
      request: { params: z.object({ username: z.string() }), body: { content: { 'application/json': { schema: PasswordBody } } } },
      responses: { 200: json(z.object({ username: z.string(), password: z.string().optional() }), 'Reset.'), 400: err('The password is too weak.'), ...ADMIN_ONLY, 404: err('No such user.') },
    }),
  );
  app.post('/api/users/:username/password', async (c) => {
    requirePermission(c, 'admin');
    const body = parse(PasswordBody, await readJson(c), 'password reset');
    const target = await userNamed(c.req.param('username'));
    const password = body.password ?? newPassword();
    await access.store.withConnection((conn) => setPassword(conn, target.username, password)).catch(asApiError);
    await credentials.revokeAllFor(target.id);
    adminAction(c, `reset the password of ${target.username}`);
    c.header('Cache-Control', 'no-store');
    return c.json({ username: target.username, ...(body.password === undefined ? { password } : {}) });
  });

  // ---- audit (admin) -----------------------------------------------------------------------------
  const AuditRecordSchema = z
    .object({
      id: z.number().int(), at: z.string(), username: z.string().nullable(), role: z.string().nullable(), userOrg: z.string().nullable(),
      action: z.string(), method: z.string().nullable(), route: z.string().nullable(), params: z.string().nullable(), org: z.string().nullable(),
      rowCount: z.number().nullable(), status: z.number().nullable(), outcome: z.string(), ip: z.string().nullable(), detail: z.string().nullable(),
    })
    .openapi('AuditRecord');
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get', path: '/api/audit', summary: 'The audit log (admin)',
      description: 'Sign-ins (success and failure), metric reads, exports, SQL queries and admin actions, newest first: who, when, what, outcome. format=csv downloads it.',
      request: { query: AuditQuery },
      responses: { 200: { description: 'Audit records', content: { 'application/json': { schema: z.object({ records: z.array(AuditRecordSchema) }) }, 'text/csv': { schema: z.string() } } }, 400: err('Invalid filter.'), ...ADMIN_ONLY },
    }),
  );
  app.get('/api/audit', async (c) => {
    requirePermission(c, 'admin');
    const q = parse(AuditQuery, c.req.query(), 'audit query');
    const records = await audit.read(q);
    record(c, { action: 'read', outcome: 'ok', status: 200, rowCount: records.length, params: c.req.query(), detail: q.format === 'csv' ? 'audit log exported' : 'audit log read' });
    c.header('Cache-Control', 'no-store');
    if (q.format === 'csv') {
      const columns = Object.keys(AuditRecordSchema.shape).map((name) => ({ name, label: name, type: (name === 'id' || name === 'rowCount' || name === 'status' ? 'number' : 'string') as 'number' | 'string' }));
      return c.body(utf8(toCsv(columns as never, records.map(spreadsheetSafe) as never)), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="audit_${new Date().toISOString().slice(0, 10)}.csv"`,
      });
    }
    return c.json({ records });
  });
}
