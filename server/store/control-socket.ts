/**
 * The store's control socket: a Unix-domain socket beside the store (data/portal.control.sock),
 * through which a command-line tool asks the process that holds the store open to act on it —
 * DuckDB locks the file against every other process, so a backup of a running server's store can
 * only be made by the server. One JSON line in, one JSON line out, then the connection closes.
 *
 * Only the server's own user may connect: the socket is made private (0600) as soon as it exists,
 * and it lives in the store's folder. It is removed when the server stops cleanly; one left by a
 * killed server is replaced at the next start.
 */
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { manifestSchema, type BackupManifest } from './backup.js';
import { StoreError } from './errors.js';

/** Longest request accepted: a folder name and a flag. */
const MAX_REQUEST = 16 * 1024;
/** Unix socket paths are limited to about 107 bytes (sun_path). */
const MAX_SOCKET_PATH = 100;

const requestSchema = z
  .object({
    backup: z.string().min(1).max(4096).refine(isAbsolute, 'must be an absolute path'),
    overwrite: z.boolean().optional(),
    /** Who ran the command, for the audit log (the operating-system user). */
    operator: z.string().max(200).optional(),
  })
  .strict();
export type ControlRequest = z.infer<typeof requestSchema>;

const responseSchema = z.union([
  z.object({ ok: z.literal(true), manifest: manifestSchema }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/** PORTAL_CONTROL_SOCKET, `off` for none; default portal.control.sock beside the store. */
export function controlSocketPath(storePath: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.PORTAL_CONTROL_SOCKET?.trim();
  if (setting === 'off' || storePath === ':memory:') return undefined;
  return setting ? resolve(setting) : join(dirname(resolve(storePath)), 'portal.control.sock');
}

export interface ControlSocket {
  path: string;
  close(): Promise<void>;
}

/** Whether something answers on the socket (a running server) or not (a file left by a killed one). */
function answers(path: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

function reply(socket: Socket, body: z.infer<typeof responseSchema>): void {
  socket.end(`${JSON.stringify(body)}\n`);
}

/**
 * Listens on `path` and hands each valid request to `handle`. Refuses (StoreError) a path held by a
 * live socket or by something that is not a socket.
 */
export async function startControlSocket(path: string, handle: (request: ControlRequest) => Promise<BackupManifest>): Promise<ControlSocket> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new StoreError(`The control socket path ${path} is too long for a Unix socket: set PORTAL_CONTROL_SOCKET to a shorter path.`);
  }
  if (existsSync(path)) {
    if (!lstatSync(path).isSocket()) throw new StoreError(`${path} exists and is not a socket: the control socket was not started (move it away).`);
    if (await answers(path)) throw new StoreError(`Another server answers on the control socket ${path}: the control socket was not started.`);
    unlinkSync(path); // left by a server that was killed
  }
  const server: Server = createServer((socket) => {
    let buffered = '';
    let handled = false;
    socket.setEncoding('utf8');
    socket.on('error', () => undefined); // the client went away; nothing to tell it
    socket.on('data', (chunk: string) => {
      if (handled) return;
      buffered += chunk;
      if (buffered.length > MAX_REQUEST) {
        handled = true;
        reply(socket, { ok: false, error: 'The request is too long.' });
        return;
      }
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      handled = true;
      let parsed: z.ZodSafeParseResult<ControlRequest>;
      try {
        parsed = requestSchema.safeParse(JSON.parse(buffered.slice(0, newline)));
      } catch {
        reply(socket, { ok: false, error: 'The request is not JSON: send one line such as {"backup": "/abs/folder"}.' });
        return;
      }
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        reply(socket, { ok: false, error: `Bad request: ${issue ? `${issue.path.join('.') || 'request'}: ${issue.message}` : 'unknown shape'}.` });
        return;
      }
      handle(parsed.data).then(
        (manifest) => reply(socket, { ok: true, manifest }),
        (err: unknown) => reply(socket, { ok: false, error: err instanceof StoreError ? err.message : `The backup failed: ${(err as Error).message}` }),
      );
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(path, () => {
      server.off('error', fail);
      done();
    });
  });
  chmodSync(path, 0o600);
  return {
    path,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        // libuv removes the socket file on close; this makes sure even if it did not.
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }),
  };
}

export type ControlAnswer = { reached: false } | { reached: true; manifest: BackupManifest } | { reached: true; error: string };

/**
 * Asks the server holding the store to make a backup. `reached: false` when no server listens
 * (no socket, or one left by a killed server): the caller may then open the store itself.
 */
export function requestBackup(path: string, request: ControlRequest): Promise<ControlAnswer> {
  return new Promise((done) => {
    if (!existsSync(path)) {
      done({ reached: false });
      return;
    }
    const socket = createConnection(path);
    let connected = false;
    let answer = '';
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (!connected) done({ reached: false });
      else done({ reached: true, error: `The server's control socket failed: ${err.message}` });
    });
    socket.once('end', () => {
      let parsed: z.ZodSafeParseResult<z.infer<typeof responseSchema>>;
      try {
        parsed = responseSchema.safeParse(JSON.parse(answer));
      } catch {
        done({ reached: true, error: 'The server gave no answer (it may have stopped during the backup).' });
        return;
      }
      if (!parsed.success) done({ reached: true, error: 'The server answered with something that is not a backup manifest.' });
      else if (parsed.data.ok) done({ reached: true, manifest: parsed.data.manifest });
      else done({ reached: true, error: parsed.data.error });
    });
  });
}
