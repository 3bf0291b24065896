/**
 * The Portal Insights server: the metrics API and the dashboard on one port, and the scheduled
 * import that keeps the store fresh. Configuration comes from the environment:
 *   PORT (8787), PORTAL_DB (data/portal.duckdb), PORTAL_LANDING_DIR (data/landing),
 *   PORTAL_IMPORT_CRON ("every 15 minutes"; "off" disables the schedule), HOST (127.0.0.1: only
 *   this machine; set 0.0.0.0 behind a TLS reverse proxy, with PORTAL_TRUST_PROXY), the archive of
 *   imported batches (PORTAL_ARCHIVE_DIR, PORTAL_ARCHIVE_DAYS), the control socket through which
 *   `npm run backup` asks this process for a snapshot (PORTAL_CONTROL_SOCKET), and the access
 *   settings read by server/auth (sessions, single sign-on).
 */
import { resolve } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { openStore, type Store } from './store/store.js';
import { createApp } from './app.js';
import { Access } from './auth/access.js';
import { mountDashboard } from './web-static.js';
import { refreshRollupsIfStale } from './metrics/rollups.js';
import { createImportScheduler, DEFAULT_IMPORT_CRON, type ImportScheduler } from './scheduler/import-job.js';
import { archiveFromEnv, type ArchiveOptions } from './ingest/archive.js';
import { createBackup } from './store/backup.js';
import { controlSocketPath, startControlSocket, type ControlSocket } from './store/control-socket.js';
import { describeError } from './store/redact.js';

export const DEFAULT_PORT = 8787;
/** Only this machine can connect unless HOST says otherwise. */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_LANDING_DIR = 'data/landing';

export interface RunningServer {
  url: string;
  store: Store;
  scheduler: ImportScheduler;
  /** The control socket's path (null: none). */
  controlSocket: string | null;
  close(): Promise<void>;
}

export interface ServerOptions {
  store?: Store;
  port?: number;
  host?: string;
  landingDir?: string;
  cron?: string | 'off';
  /** Where the schedule moves imported batches (default from PORTAL_ARCHIVE_DIR / _DAYS). */
  archive?: ArchiveOptions | 'off';
  /** The control socket's path (default from PORTAL_CONTROL_SOCKET: beside the store). */
  controlSocket?: string | 'off';
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const store = options.store ?? (await openStore());
  const landingDir = resolve(options.landingDir ?? process.env.PORTAL_LANDING_DIR ?? DEFAULT_LANDING_DIR);
  const cron = options.cron ?? process.env.PORTAL_IMPORT_CRON ?? DEFAULT_IMPORT_CRON;
  // A store written by an older version may hold rollups built by older SQL: rebuild before serving.
  try {
    if (await store.withConnection((conn) => refreshRollupsIfStale(conn))) console.log('metric rollups rebuilt for this version');
  } catch (err) {
    console.error((err as Error).message);
  }
  const archive = options.archive === 'off' ? undefined : (options.archive ?? archiveFromEnv(store.path));
  const scheduler = createImportScheduler({ store, landingDir, cron: cron === 'off' ? undefined : cron, schedule: cron !== 'off', archive });
  const access = new Access(store);
  const control = await openControlSocket(store, access, options.controlSocket === 'off' ? undefined : (options.controlSocket ?? controlSocketPath(store.path)));
  const app = createApp({ store, scheduler, access });
  mountDashboard(app);
  const port = options.port ?? Number(process.env.PORT ?? DEFAULT_PORT);
  const hostname = options.host ?? (process.env.HOST || DEFAULT_HOST);
  const server: ServerType = await new Promise((resolveServer, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname }, () => resolveServer(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `Port ${port} is already in use: set PORT to a free port.` : err.message)),
    );
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = hostname === '0.0.0.0' || hostname === '::' ? 'localhost' : hostname.includes(':') ? `[${hostname}]` : hostname;
  return {
    url: `http://${shownHost}:${actualPort}`,
    store,
    scheduler,
    controlSocket: control?.path ?? null,
    async close() {
      scheduler.stop();
      await control?.close();
      await new Promise<void>((done) => server.close(() => done()));
      await access.close();
      await app.workbench.close();
      if (!options.store) await store.close();
    },
  };
}

/**
 * The control socket answers `npm run backup` while this process holds the store. A server that
 * cannot open it still serves: backups then need the server stopped, and the log says why.
 */
async function openControlSocket(store: Store, access: Access, path: string | undefined): Promise<ControlSocket | undefined> {
  if (!path) return undefined;
  try {
    return await startControlSocket(path, async (request) => {
      const detail = (outcome: string) => `backup into ${request.backup} (run by ${request.operator ?? 'unknown'} through the control socket): ${outcome}`;
      try {
        const manifest = await createBackup(store, request.backup, { overwrite: request.overwrite });
        access.audit.record({ username: null, action: 'admin', method: 'CLI', route: 'backup', outcome: 'ok', ip: 'local', detail: detail('written') });
        console.log(`backup written to ${request.backup}`);
        return manifest;
      } catch (err) {
        access.audit.record({ username: null, action: 'admin', method: 'CLI', route: 'backup', outcome: 'failed', ip: 'local', detail: detail(describeError(err)) });
        throw err;
      }
    });
  } catch (err) {
    console.error(`No control socket (npm run backup will need the server stopped): ${describeError(err)}`);
    return undefined;
  }
}

/** Stops cleanly on Ctrl-C / SIGTERM so DuckDB checkpoints and releases its lock. */
export function closeOnSignals(running: RunningServer): void {
  const stop = () => {
    console.log('stopping…');
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const isMain = process.argv[1] && resolve(process.argv[1]).replace(/\.ts$/, '') === resolve(new URL(import.meta.url).pathname).replace(/\.ts$/, '');
if (isMain) {
  startServer().then(
    (running) => {
      console.log(`Portal Insights on ${running.url} (store ${running.store.path})`);
      closeOnSignals(running);
    },
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
