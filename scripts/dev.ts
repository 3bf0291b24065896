// `npm run dev`: the API server (tsx watch server/main.ts on PORT, default 8787) and Vite's dev
// server for the dashboard with /api proxied to it (web/vite.config.ts). Ctrl+C stops both.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const apiPort = process.env.PORT ?? '8787';
process.env.PORT = apiPort;
process.env.PORTAL_API_URL ??= `http://127.0.0.1:${apiPort}`;

const api: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--watch', 'server/main.ts'], {
  cwd: root,
  env: { ...process.env, PORT: apiPort, PORTAL_DEV: '1' },
  stdio: 'inherit',
});

let stopping = false;
api.on('exit', (code, signal) => {
  if (stopping) return;
  console.error(`The API server stopped (${signal ?? `exit code ${code}`}). Stopping the dev server.`);
  void stop(code ?? 1);
});

const vite = await createServer({ configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)) });
await vite.listen();
console.log(`\nPortal Insights (dev)\n  dashboard: ${vite.resolvedUrls?.local[0] ?? 'http://localhost:5173/'}\n  API:       http://127.0.0.1:${apiPort}/api (proxied under /api)\n`);

async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (api.exitCode === null) api.kill('SIGTERM');
  await vite.close().catch(() => undefined);
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
