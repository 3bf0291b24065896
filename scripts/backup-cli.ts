/**
 * npm run backup -- [--overwrite] <dir>
 * Writes a consistent snapshot of the store (PORTAL_DB) into <dir>: portal.duckdb and manifest.json.
 * With a server running, the server makes it (it holds the store; asked through its control socket)
 * while it goes on serving and importing; otherwise this command opens the store itself. A folder
 * that already holds a backup is refused unless --overwrite. The pseudonymisation key is not part
 * of a backup: keep it apart (see README, Backups). Exit codes: 0 written, 1 refused or failed,
 * 2 bad usage. Messages are for people: never a stack trace.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { openStore, storePath } from '../server/store/store.js';
import { createBackup, type BackupManifest } from '../server/store/backup.js';
import { controlSocketPath, requestBackup } from '../server/store/control-socket.js';
import { AuditLog } from '../server/auth/audit.js';
import { StoreError } from '../server/store/errors.js';
import { describeError, redact } from '../server/store/redact.js';

const USAGE = 'Usage: npm run backup -- [--overwrite] <backup-dir>   (store: PORTAL_DB, default data/portal.duckdb)';

function operator(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function summary(dir: string, manifest: BackupManifest, via: string): string {
  const last = manifest.loadedBatches.at(-1)?.batchId;
  const mb = (manifest.file.bytes / 1_048_576).toFixed(1);
  return (
    `backup written to ${dir} (${via}): ${manifest.loadedBatches.length} batch(es)${last ? `, the last ${last}` : ''}; ` +
    `data version ${manifest.dataVersion ?? 'none'}, schema ${manifest.schemaVersion}; ${mb} MB, SHA-256 ${manifest.file.sha256.slice(0, 16)}…\n` +
    `The pseudonymisation key is not in the backup: keep a copy of it apart (key fingerprint ${manifest.keyFingerprint ?? 'none yet'}).`
  );
}

async function main(argv: string[]): Promise<number> {
  const overwrite = argv.includes('--overwrite');
  const args = argv.filter((a) => a !== '--' && a !== '--overwrite');
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    console.error(args.includes('--help') || args.includes('-h') ? USAGE : `Expected exactly one backup folder.\n${USAGE}`);
    return 2;
  }
  const dir = resolve(args[0]!);
  const path = storePath();

  // A running server holds the store: only it can copy it, so it is asked first.
  const socket = controlSocketPath(path);
  if (socket) {
    const answer = await requestBackup(socket, { backup: dir, overwrite, operator: operator() });
    if (answer.reached) {
      if ('error' in answer) {
        console.error(redact(answer.error));
        return 1;
      }
      console.log(summary(dir, answer.manifest, 'by the running server'));
      return 0;
    }
  }

  if (!existsSync(path)) {
    console.error(`There is no store at ${path} to back up (PORTAL_DB).`);
    return 1;
  }
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore({ path, migrate: false });
  } catch (err) {
    if (err instanceof StoreError && /in use/.test(err.message)) {
      console.error(
        `${err.message}\nNo server answered on the control socket ${socket ?? '(PORTAL_CONTROL_SOCKET=off)'}, so the backup cannot be made ` +
          `from outside: stop that process, or run the backup while a server of this version holds the store.`,
      );
      return 1;
    }
    throw err;
  }
  const audit = new AuditLog(store, 60_000);
  try {
    const manifest = await createBackup(store, dir, { overwrite });
    audit.record({ username: null, action: 'admin', method: 'CLI', route: 'backup', outcome: 'ok', ip: 'local', detail: `backup CLI (run by ${operator()}): backup into ${dir} written` });
    console.log(summary(dir, manifest, 'store opened by this command'));
    return 0;
  } finally {
    await audit.flush();
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof StoreError ? redact(err.message) : `Backup failed: ${describeError(err)}`);
    if (process.env.PORTAL_DEBUG && err instanceof Error) console.error(redact(err.stack ?? ''));
    process.exit(1);
  },
);
