/**
 * Hostile input: files no honest export would hold, and a data directory that cannot be written.
 * Each must end in a clear refusal of its batch (the message names the file and says why; no stack
 * trace; nothing from the batch stored; the attempt on the run log) or in a quarantined row with a
 * reason — nothing lost: for every file, rows in = loaded + duplicates + quarantined + withheld,
 * and rows in is the number of records written into the file.
 *
 * Covered elsewhere (not repeated here):
 *   - cut-off gzip, corrupt (non-)Parquet, unknown file name, missing/extra column:
 *     test/ingest/refusals.test.ts "refused batches";
 *   - CRLF line ends and a quoted line break in a value: test/ingest/formats.test.ts
 *     "CRLF and LF files read the same";
 *   - lines that do not parse beside good ones: test/ingest/part-files.test.ts
 *     "a part file with unparsable lines next to a clean one";
 *   - PORTAL_TMP_DIR missing: test/ingest/decompress.test.ts "refuse clearly, pointing at PORTAL_TMP_DIR …".
 *
 * A full or read-only data directory: tests run as root, for whom chmod stops no write. Where the
 * machine lets root mount a tmpfs (this one does), the store is put on a real, tiny tmpfs that is
 * full, or remounted read-only (EROFS stops root too). Everywhere, the write error is also
 * injected: a directory is put where DuckDB writes its write-ahead log, so the batch's COMMIT fails
 * with a real I/O error from the filesystem.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../server/store/store.js';
import {
  DATA_TABLES,
  HEADERS,
  SAMPLE_BATCH_DIR,
  STACK_LINE,
  batchOf,
  copyBatch,
  csv,
  dbPathIn,
  expectCountsIdentity,
  makeTempDir,
  openTestStore,
  query,
  removeTempDirs,
  runImport,
  snapshot,
  writeBatch,
  type BatchReport,
  type ImportReport,
} from '../ingest/helpers/harness.js';
import { openStore } from '../../server/store/store.js';
import { storeState, whichState } from './helpers/store-state.js';
import { canMount } from './helpers/mount.js';

const SAMPLE = '2026-11-24T02-00Z';
const MB = 1024 * 1024;

const usage = (id: string, platform = 'web') => [id, '2026-07-01T08:00:00Z', '9434765919', 'E85001', 'record_viewed', platform];
const usageJson = (id: string, extra: Record<string, string> = {}) =>
  JSON.stringify({ event_id: id, occurred_at: '2026-07-01T08:00:00Z', nhs_number: '9434765919', org_code: 'E85001', event_type: 'login', platform: 'web', ...extra });
const dataLine = (row: ReadonlyArray<string | number>) => `${csv(HEADERS.usage_events, [row]).split('\n')[1]!}\n`;

let root: string;
let sampleLanding: string;
let store: Store;
let caseNo = 0;

beforeAll(async () => {
  root = makeTempDir('hostile');
  sampleLanding = join(root, 'sample-landing');
  copyBatch(SAMPLE_BATCH_DIR, sampleLanding, SAMPLE);
  store = await openTestStore(root);
  await runImport(store, sampleLanding);
});

afterAll(async () => {
  await store?.close();
  removeTempDirs();
});

/** Delivers `files` (a null value makes a directory of that name) as one batch of a landing of its own. */
async function deliver(files: Record<string, string | Buffer | null>): Promise<{ batch: BatchReport; batchId: string }> {
  caseNo += 1;
  const landing = join(root, `case-${caseNo}`);
  const batchId = `2026-11-25T${String(caseNo).padStart(2, '0')}-00Z`;
  const dir = writeBatch(landing, batchId, Object.fromEntries(Object.entries(files).filter(([, v]) => v !== null)) as Record<string, string | Buffer>);
  for (const [name, contents] of Object.entries(files)) if (contents === null) mkdirSync(join(dir, name));
  const { report } = await runImport(store, landing);
  expectCountsIdentity(report);
  return { batch: batchOf(report, batchId), batchId };
}

/** The batch is refused naming the file, changes no data, and its attempt is on the run log. */
async function expectRefused(files: Record<string, string | Buffer | null>, mustMention: Array<string | RegExp>): Promise<string> {
  const before = await snapshot(store, DATA_TABLES);
  const { batch, batchId } = await deliver(files);
  expect(batch.status).toBe('failed');
  const message = batch.error ?? '';
  for (const m of mustMention) typeof m === 'string' ? expect(message).toContain(m) : expect(message).toMatch(m);
  expect(message).toMatch(/Nothing from this batch was loaded/);
  expect(message).not.toMatch(STACK_LINE);
  // A clear message, not the file's contents echoed back.
  expect(message.length).toBeLessThan(1000);
  expect(await snapshot(store, DATA_TABLES)).toEqual(before);
  const runs = await query<{ status: string; error: string }>(store, `SELECT status, error FROM ingest_runs WHERE batch_id = $1`, [batchId]);
  expect(runs).toEqual([{ status: 'failed', error: message }]);
  return message;
}

/** The batch loads; each file's rows in equals the records written; the quarantine holds what was counted. */
async function expectAccounted(files: Record<string, string | Buffer>, records: Record<string, { rowsIn: number; loaded: number; quarantined: number }>) {
  const { batch, batchId } = await deliver(files);
  expect([batch.status, batch.error]).toEqual(['succeeded', undefined]);
  const got = Object.fromEntries(batch.files.map((f) => [f.fileName, { rowsIn: f.rowsIn, loaded: f.loaded, quarantined: f.quarantined }]));
  expect(got).toEqual(records);
  const recorded = await query<{ file_name: string; rows_in: string }>(store, `SELECT file_name, rows_in FROM ingest_files WHERE batch_id = $1 ORDER BY 1`, [batchId]);
  expect(recorded.map((r) => [r.file_name, Number(r.rows_in)])).toEqual(Object.entries(records).map(([f, c]) => [f, c.rowsIn]).sort());
  const quarantine = await query<{ file_name: string; line: string; reason_code: string; reason: string; record: string }>(
    store,
    `SELECT file_name, line, reason_code, reason, record FROM quarantine WHERE batch_id = $1 ORDER BY file_name, line`,
    [batchId],
  );
  expect(quarantine).toHaveLength(batch.quarantined);
  for (const q of quarantine) expect(q.reason.length, 'every quarantined row says why').toBeGreaterThan(10);
  return { batch, batchId, quarantine };
}

async function parquetBytes(): Promise<Buffer> {
  const path = join(root, 'feeds.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(
    `COPY (SELECT 'feed-95' || lpad(i::VARCHAR, 4, '0') AS event_id, TIMESTAMP '2026-07-01 02:00:00' AS occurred_at, '9434765919' AS nhs_number,
            'RYJ' AS source_org_code, 'letter' AS record_type, 1 AS item_count FROM range(2000) t(i)) TO '${path}' (FORMAT parquet)`,
  );
  conn.closeSync();
  instance.closeSync();
  const { readFileSync } = await import('node:fs');
  return readFileSync(path);
}

describe('hostile files are refused with a clear message, nothing from the batch stored', () => {
  it('a truncated Parquet file (cut in half, or only its last 10 bytes cut)', async () => {
    const whole = await parquetBytes();
    await expectRefused({ 'usage_events.csv': csv(HEADERS.usage_events, [usage('use-950001')]), 'record_feeds.parquet': whole.subarray(0, whole.length >> 1) }, ['record_feeds.parquet', 'cannot be read']);
    await expectRefused({ 'record_feeds.parquet': whole.subarray(0, whole.length - 10) }, ['record_feeds.parquet']);
  });

  it('an empty (0-byte) Parquet file', async () => {
    await expectRefused({ 'record_feeds.parquet': Buffer.alloc(0) }, ['record_feeds.parquet']);
  });

  it('a file that is one 50 MB line', async () => {
    const message = await expectRefused({ 'usage_events.csv': 'x'.repeat(50 * MB) }, ['usage_events.csv', 'missing column(s) event_id']);
    expect(message).not.toContain('x'.repeat(100));
  });

  it('a 50 MB line between good rows (DuckDB would drop it without a trace: found by the importer)', async () => {
    const file = csv(HEADERS.usage_events, [usage('use-950101')]) + dataLine(usage('use-950102', 'y'.repeat(50 * MB))) + dataLine(usage('use-950103'));
    await expectRefused({ 'usage_events.csv': file }, ['usage_events.csv', 'a line of more than 16 MB']);
  });

  it('the same 50 MB line in a gzipped file', async () => {
    const file = csv(HEADERS.usage_events, [usage('use-950111')]) + dataLine(usage('use-950112', 'y'.repeat(50 * MB))) + dataLine(usage('use-950113'));
    await expectRefused({ 'usage_events.csv.gz': gzipSync(file, { level: 1 }) }, ['usage_events.csv.gz', 'a line of more than 16 MB']);
  });

  it('an NDJSON file whose one object is 50 MB', async () => {
    await expectRefused({ 'usage_events.ndjson': `${usageJson('use-950201', { event_type: 'z'.repeat(50 * MB) })}\n` }, ['usage_events.ndjson', 'cannot be read']);
  });

  it('a corrupt gzip (bytes flipped inside the stream) and a 0-byte .gz', async () => {
    const gz = Buffer.from(gzipSync(csv(HEADERS.usage_events, Array.from({ length: 300 }, (_, i) => usage(`use-9503${String(i).padStart(2, '0')}`)))));
    for (let i = 40; i < 60; i++) gz[i]! ^= 0xff;
    await expectRefused({ 'usage_events.csv.gz': gz }, ['usage_events.csv.gz', 'not valid gzip']);
    await expectRefused({ 'usage_events.csv.gz': Buffer.alloc(0) }, ['usage_events.csv.gz', 'not valid gzip']);
  });

  it('an empty CSV file (0 bytes, or a gzip of nothing)', async () => {
    await expectRefused({ 'usage_events.csv': '' }, ['usage_events.csv is empty']);
    await expectRefused({ 'usage_events.csv.gz': gzipSync('') }, ['usage_events.csv.gz is empty']);
  });

  it('a directory where a file should be', async () => {
    await expectRefused({ 'record_feeds.csv': csv(HEADERS.record_feeds, [['feed-950401', '2026-07-01T02:00:00Z', '9434765919', 'RYJ', 'letter', 1]]), 'usage_events.csv': null }, [
      'usage_events.csv is a directory',
    ]);
  });
});

describe('hostile files that load: every record loaded or quarantined with a reason', () => {
  it('a 3 MB line between good rows is quarantined as malformed_row (over DuckDB’s 2 MB line limit)', async () => {
    const file = csv(HEADERS.usage_events, [usage('use-950501')]) + dataLine(usage('use-950502', 'y'.repeat(3 * MB))) + dataLine(usage('use-950503'));
    const { quarantine } = await expectAccounted({ 'usage_events.csv': file }, { 'usage_events.csv': { rowsIn: 3, loaded: 2, quarantined: 1 } });
    expect(quarantine[0]).toMatchObject({ line: '3', reason_code: 'malformed_row' });
    expect(quarantine[0]!.reason).toMatch(/line size over maximum/);
    expect(quarantine[0]!.record.length).toBeLessThanOrEqual(10_000);
  });

  it('lines of 12 MB and 6 MB in an 18 MB file are quarantined, not refused: the 16 MB limit is exact', async () => {
    const file =
      csv(HEADERS.usage_events, [usage('use-950511')]) +
      dataLine(usage('use-950512', 'y'.repeat(12 * MB))) +
      dataLine(usage('use-950513')) +
      dataLine(usage('use-950514', 'z'.repeat(6 * MB)));
    const { quarantine } = await expectAccounted({ 'usage_events.csv': file }, { 'usage_events.csv': { rowsIn: 4, loaded: 2, quarantined: 2 } });
    expect(quarantine.map((q) => [q.line, q.reason_code])).toEqual([
      ['3', 'malformed_row'],
      ['5', 'malformed_row'],
    ]);
  });

  it('a UTF-8 BOM before the header (CSV, CSV with CRLF, NDJSON) is not part of the first value', async () => {
    const bom = '\uFEFF';
    await expectAccounted(
      {
        'usage_events.part-0001.csv': bom + csv(HEADERS.usage_events, [usage('use-950601'), usage('use-950602', 'fax')]),
        'usage_events.part-0002.csv': bom + csv(HEADERS.usage_events, [usage('use-950603')]).replace(/\n/g, '\r\n'),
        'consent_events.ndjson': `${bom + JSON.stringify({ event_id: 'con-950604', occurred_at: '2026-07-01T08:00:00Z', nhs_number: '9434765919', org_code: 'E85001', event_type: 'sharing_granted' })}\n`,
      },
      {
        'usage_events.part-0001.csv': { rowsIn: 2, loaded: 1, quarantined: 1 },
        'usage_events.part-0002.csv': { rowsIn: 1, loaded: 1, quarantined: 0 },
        'consent_events.ndjson': { rowsIn: 1, loaded: 1, quarantined: 0 },
      },
    );
    expect(await query(store, `SELECT event_id FROM usage_events WHERE event_id LIKE '%use-9506%' ORDER BY 1`)).toEqual([{ event_id: 'use-950601' }, { event_id: 'use-950603' }]);
    expect(await query(store, `SELECT event_id FROM consent_events WHERE event_id LIKE '%con-950604%'`)).toEqual([{ event_id: 'con-950604' }]);
  });

  it('Latin-1 (not UTF-8) text: the line is quarantined as malformed_row, the UTF-8 lines load', async () => {
    const file = Buffer.concat([
      Buffer.from(`${HEADERS.organisations.join(',')}\nE85099,Caf`),
      Buffer.from([0xe9]), // é in Latin-1: not UTF-8
      Buffer.from(' Practice,practice,07W,1000,2020-01-01,\nE85098,Caf\u00e9 Two,practice,07W,1000,2020-01-01,\n'),
    ]);
    const { quarantine } = await expectAccounted({ 'organisations.csv': file }, { 'organisations.csv': { rowsIn: 2, loaded: 1, quarantined: 1 } });
    expect(quarantine[0]).toMatchObject({ line: '2', reason_code: 'malformed_row' });
    expect(quarantine[0]!.reason).toMatch(/encoding/);
    expect(quarantine[0]!.record).toContain('E85099');
    expect(await query(store, `SELECT name FROM organisations WHERE org_code IN ('E85098', 'E85099')`)).toEqual([{ name: 'Café Two' }]);
  });

  it('quoted line breaks, commas and quotes inside fields, with a bad row after them', async () => {
    const { quarantine } = await expectAccounted(
      {
        'campaigns.csv': csv(HEADERS.campaigns, [
          ['C95-A', 'two\nlines, a comma and "quotes"', '07W', 'poster', '2026-12-01', '2026-12-31', 1],
          ['C95-B', 'three\r\nlines\nhere', '07W', 'sms', '2026-12-01', '2026-12-31', 2],
          ['C95-C', 'after the breaks', '07W', 'pigeon', '2026-12-01', '2026-12-31', 3],
        ]),
      },
      { 'campaigns.csv': { rowsIn: 3, loaded: 2, quarantined: 1 } },
    );
    expect(await query(store, `SELECT campaign_code, name FROM campaigns WHERE campaign_code LIKE 'C95-%' ORDER BY 1`)).toEqual([
      { campaign_code: 'C95-A', name: 'two\nlines, a comma and "quotes"' },
      { campaign_code: 'C95-B', name: 'three\r\nlines\nhere' },
    ]);
    expect(quarantine[0]).toMatchObject({ reason_code: 'unknown_value' });
    expect(quarantine[0]!.record).toContain('C95-C');
    // `line` counts records (header = 1), not physical lines: C95-C is the fourth record, though it
    // starts on the file's seventh line (see RELIABILITY.md, known limits).
    expect(quarantine[0]!.line).toBe('4');
  });

  it('quoted line breaks with unparsable lines among them (the careful path): every record counted, numbered by record', async () => {
    const row = (r: Array<string | number>) => csv(HEADERS.campaigns, [r]).split('\n').slice(1).join('\n');
    const file =
      csv(HEADERS.campaigns, [['C96-A', 'two\nlines\nthree', '07W', 'poster', '2026-12-01', '2026-12-31', 1]]) +
      'C96-B,too,few\n' +
      row(['C96-C', 'bad', '07W', 'pigeon', '2026-12-01', '2026-12-31', 1]) +
      row(['C96-D', 'four\nmore\nlines\nhere', '07W', 'sms', '2026-12-01', '2026-12-31', 1]) +
      'C96-E,x,07W,sms,2026-12-01,2026-12-31,1,extra\n' +
      row(['C96-F', 'bad2', '07W', 'pigeon', '2026-12-01', '2026-12-31', 1]);
    const { quarantine } = await expectAccounted({ 'campaigns.csv': file }, { 'campaigns.csv': { rowsIn: 6, loaded: 2, quarantined: 4 } });
    expect(quarantine.map((q) => [q.line, q.reason_code])).toEqual([
      ['3', 'malformed_row'],
      ['4', 'unknown_value'],
      ['6', 'malformed_row'],
      ['7', 'unknown_value'],
    ]);
    expect(await query(store, `SELECT name FROM campaigns WHERE campaign_code IN ('C96-A', 'C96-D') ORDER BY campaign_code`)).toEqual([
      { name: 'two\nlines\nthree' },
      { name: 'four\nmore\nlines\nhere' },
    ]);
  });

  it('header-only files (with and without a final line break) and an empty NDJSON file load nothing and are logged', async () => {
    await expectAccounted(
      {
        'usage_events.part-0001.csv': `${HEADERS.usage_events.join(',')}\n`,
        'usage_events.part-0002.csv': HEADERS.usage_events.join(','),
        'record_feeds.ndjson': '',
      },
      {
        'usage_events.part-0001.csv': { rowsIn: 0, loaded: 0, quarantined: 0 },
        'usage_events.part-0002.csv': { rowsIn: 0, loaded: 0, quarantined: 0 },
        'record_feeds.ndjson': { rowsIn: 0, loaded: 0, quarantined: 0 },
      },
    );
  });
});

const MOUNT = canMount();

describe('a data directory that cannot be written', () => {
  let landing: string;
  let baseDb: string;
  let before: Awaited<ReturnType<typeof storeState>>;
  const NEW = '2026-11-26T01-00Z';

  beforeAll(async () => {
    const dir = join(root, 'disk-base');
    landing = join(dir, 'landing');
    copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
    const base = await openTestStore(dir);
    try {
      await runImport(base, landing);
      before = await storeState(base);
    } finally {
      await base.close();
    }
    baseDb = dbPathIn(dir);
    // 20,000 new events: more than the room left on the tiny disk below.
    writeBatch(landing, NEW, { 'usage_events.csv': csv(HEADERS.usage_events, Array.from({ length: 20_000 }, (_, i) => usage(`use-96${String(i).padStart(5, '0')}`))) });
  });

  /** A store file that is the "before" store, at `path`. */
  const storeAt = (path: string) => copyFileSync(baseDb, path);

  /** Checks the store at `path` is "before", then that a run with room loads the batch. */
  async function expectBeforeThenCompletes(path: string) {
    const reopened = await openStore({ path, threads: 1 });
    try {
      const state = await storeState(reopened);
      // The failed attempt may be on the run log (when the disk had room for that one row); nothing else changed.
      const failedRuns = state.base.ingest_runs!.filter((r) => !before.base.ingest_runs!.includes(r));
      for (const run of failedRuns) expect(JSON.parse(run)).toMatchObject({ batch_id: NEW, status: 'failed', rows_in: '0' });
      state.base.ingest_runs = state.base.ingest_runs!.filter((r) => !failedRuns.includes(r));
      expect(whichState('base', state, { before })).toBe('before');
      expect(whichState('published', state, { before })).toBe('before');
      const { report } = await runImport(reopened, landing);
      expect(batchOf(report, NEW).status).toBe('succeeded');
      expect(batchOf(report, NEW).loaded).toBe(20_000);
    } finally {
      await reopened.close();
    }
  }

  it('injected everywhere: a directory where DuckDB writes its WAL fails the COMMIT; the batch fails saying so, the store keeps "before"', async () => {
    const dir = join(root, 'wal-injected');
    mkdirSync(dir);
    const path = dbPathIn(dir);
    storeAt(path);
    const target = await openStore({ path, threads: 1 });
    let report: ImportReport;
    try {
      expect(existsSync(`${path}.wal`)).toBe(false);
      mkdirSync(`${path}.wal`);
      ({ report } = await runImport(target, landing));
    } finally {
      await target.close().catch(() => undefined);
    }
    const batch = batchOf(report, NEW);
    expect(batch.status).toBe('failed');
    expect(batch.error).toMatch(new RegExp(`Batch ${NEW} could not be loaded: .*${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\.wal.*Is a directory`));
    // The run log is in the same store: the failure could not be written there, and the message says so.
    expect(batch.error).toMatch(/could not be written to the run log either/);
    expect(batch.error).not.toMatch(STACK_LINE);
    rmSync(`${path}.wal`, { recursive: true });
    await expectBeforeThenCompletes(path);
  });

  it.skipIf(!MOUNT)('the store on a full disk (a tmpfs with 300 KB left): the batch fails with "No space left", the store keeps "before", and completes once there is room', async () => {
    const mnt = join(root, 'full-disk');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${statSync(baseDb).size + 300 * 1024}`, 'tmpfs', mnt]);
    try {
      const path = join(mnt, 'store.duckdb');
      storeAt(path);
      const target = await openStore({ path, threads: 1 });
      let report: ImportReport;
      try {
        ({ report } = await runImport(target, landing));
      } finally {
        await target.close().catch(() => undefined);
      }
      expect(report.status).toBe('failed');
      const batch = batchOf(report, NEW);
      expect(batch.status).toBe('failed');
      expect(batch.error).toMatch(/No space left on device/);
      expect(batch.error).not.toMatch(STACK_LINE);
      execFileSync('mount', ['-o', 'remount,size=256m', mnt]);
      await expectBeforeThenCompletes(path);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it.skipIf(!MOUNT)('the store on a read-only filesystem (tmpfs remounted read-only, which stops root too): refused at open, saying so', async () => {
    const mnt = join(root, 'read-only');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt]);
    try {
      const path = join(mnt, 'store.duckdb');
      storeAt(path);
      execFileSync('mount', ['-o', 'remount,ro', mnt]);
      await expect(openStore({ path, threads: 1 })).rejects.toThrow(/^Cannot open the store .*store\.duckdb: .*Read-only file system/);
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
      await expectBeforeThenCompletes(path);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it.skipIf(!MOUNT)('PORTAL_TMP_DIR on a full disk (a 1 MB tmpfs) while a gzipped file is inflated: refused, pointing at PORTAL_TMP_DIR, no copy left', async () => {
    const mnt = join(root, 'full-tmp');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    process.env.PORTAL_TMP_DIR = mnt;
    try {
      const message = await expectRefused(
        { 'usage_events.csv.gz': gzipSync(csv(HEADERS.usage_events, Array.from({ length: 30_000 }, (_, i) => usage(`use-97${String(i).padStart(5, '0')}`)))) },
        [/could not be written in .*full-tmp.*no space left on device/i, 'PORTAL_TMP_DIR'],
      );
      expect(message).not.toMatch(STACK_LINE);
      expect(readdirSync(mnt)).toEqual([]);
    } finally {
      delete process.env.PORTAL_TMP_DIR;
      execFileSync('umount', [mnt]);
    }
  });
});
