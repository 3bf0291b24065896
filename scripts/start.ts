/**
 * npm start [-- --scale 0.05] [--seed N]
 * First start: builds the dashboard, generates the default region into data/landing, imports it
 * with progress, then serves API and dashboard on http://localhost:8787 (PORT). With a store that
 * already holds data it serves at once (the schedule keeps importing new batches). A store without
 * users gets one demo user per role (and a CCG-scoped CIO), whose passwords are printed once.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import cliProgress from 'cli-progress';
import { openStore, type Store } from '../server/store/store.js';
import { startServer, closeOnSignals, DEFAULT_LANDING_DIR } from '../server/main.js';
import { generateRegion } from './generate/index.js';
import { importLanding } from '../server/ingest/index.js';
import { terminalProgress } from '../server/ingest/progress.js';
import { listBatchDirs } from '../server/ingest/discover.js';
import { archiveFromEnv, listArchivedBatches } from '../server/ingest/archive.js';
import { describeError, redact } from '../server/store/redact.js';
import { createDemoUsersIfNone, demoUsersBox } from '../server/auth/demo-users.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const argsSchema = z.object({
  scale: z.coerce.number().positive().max(10).default(1),
  seed: z.coerce.number().int().nonnegative().optional(),
});

function parseArgs(argv: string[]): z.infer<typeof argsSchema> {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    const match = /^--(scale|seed)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`Unknown option ${arg}. Usage: npm start [-- --scale 0.05] [--seed N]`);
    raw[match[1]!] = match[2] ?? argv[++i] ?? '';
  }
  const parsed = argsSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid option: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds web/dist when it is missing or older than the dashboard's sources. */
async function buildDashboardIfNeeded(): Promise<void> {
  const index = join(ROOT, 'web/dist/index.html');
  const sources = Math.max(newestMtime(join(ROOT, 'web/src')), statSync(join(ROOT, 'web/index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  console.log('building the dashboard…');
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'web/vite.config.ts'), logLevel: 'warn' });
}

async function hasData(store: Store): Promise<boolean> {
  return store.withConnection(async (conn) => {
    const result = await conn.runAndReadAll(`SELECT count(*)::INTEGER FROM loaded_batches`);
    return Number(result.getRows()[0]![0]) > 0;
  });
}

async function generateWithProgress(out: string, scale: number, seed?: number): Promise<void> {
  console.log(`generating a synthetic region (scale ${scale}) into ${out}…`);
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: 'generate |{bar}| {percentage}% | {phase}', stream: process.stderr }, cliProgress.Presets.shades_classic)
    : null;
  let lastPhase = '';
  bar?.start(1, 0, { phase: '' });
  const summary = await generateRegion({
    out,
    scale,
    seed,
    onProgress: (p) => {
      if (bar) {
        bar.setTotal(Math.max(1, p.total));
        bar.update(p.done, { phase: p.phase });
      } else if (p.phase !== lastPhase) {
        console.log(`  ${p.phase}…`);
      }
      lastPhase = p.phase;
    },
  });
  bar?.stop();
  console.log(`generated ${summary.patients.toLocaleString('en-GB')} patients, ${summary.batches} batches in ${summary.seconds.toFixed(0)} s`);
}

/** First start: everything is behind sign-in, so a store without users gets demo users. */
async function ensureUsers(store: Store): Promise<void> {
  const outcome = await store.withConnection((conn) => createDemoUsersIfNone(conn));
  if (outcome.created) console.log(`\n${demoUsersBox(outcome.created)}\n`);
  else if (outcome.reason === 'no organisations') {
    console.log('No users yet, and no organisations to bind them to: once a batch has imported, add one with npm run users -- add <username> --role admin --org <code>.');
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await buildDashboardIfNeeded();
  const store = await openStore();
  if (!(await hasData(store))) {
    const landing = resolve(process.env.PORTAL_LANDING_DIR ?? DEFAULT_LANDING_DIR);
    const archive = archiveFromEnv(store.path);
    // Batches already archived (a store deleted to start afresh, or lost) are imported again
    // from the archive rather than replaced by a newly generated region.
    const archived = archive ? listArchivedBatches(archive.dir).length : 0;
    if ((!existsSync(landing) || listBatchDirs(landing).length === 0) && archived === 0) await generateWithProgress(landing, args.scale, args.seed);
    mkdirSync(landing, { recursive: true });
    console.log(`importing ${landing}${archived ? ` and ${archived} archived batch(es)` : ''} into ${store.path}…`);
    const report = await importLanding({ store, landingDir: landing, trigger: 'start', progress: terminalProgress(), archive });
    if (report.status === 'failed') console.error('Some batches failed to import; serving what loaded. See the import runs page.');
  } else if (process.argv.includes('--scale')) {
    console.log('The store already holds data, so --scale is ignored (delete data/portal.duckdb to start afresh).');
  }
  await ensureUsers(store);
  const running = await startServer({ store });
  console.log(`Portal Insights is ready: ${running.url}`);
  closeOnSignals(running);
}

main().catch((err: unknown) => {
  console.error(redact(err instanceof Error && err.name !== 'Error' ? err.message : describeError(err)));
  process.exit(1);
});
