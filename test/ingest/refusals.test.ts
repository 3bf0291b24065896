/**
 * Specification: deliveries the importer must refuse as a whole, with a clear message (no stack
 * trace) and nothing loaded from the refused batch:
 *   - a file whose name is not in the contract,
 *   - a file with a missing or an extra column,
 *   - an unreadable or truncated file (cut-off gzip, corrupt parquet),
 *   - a missing landing directory (importLanding rejects, naming the directory),
 *   - a pseudonymisation key other than the store's (rejected, "key does not match"),
 *   - a store locked by another process (CLI exits non-zero, "in use", no stack trace).
 * A failed batch stops the run: later batches wait, because order matters.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../server/store/store.js';
import {
  DATA_TABLES,
  HEADERS,
  SAMPLE_BATCH_DIR,
  STACK_LINE,
  TEST_KEY,
  batchOf,
  copyBatch,
  csv,
  dbPathIn,
  eventIds,
  makeTempDir,
  tempLanding,
  openTestStore,
  query,
  refusalMessage,
  removeTempDirs,
  runCli,
  runImport,
  snapshot,
  writeBatch,
  type CliResult,
} from './helpers/harness.js';

const SAMPLE = '2026-11-24T02-00Z';

/** A valid usage file with one new event, so "nothing loaded" is observable. */
const GOOD_USAGE = csv(HEADERS.usage_events, [['use-930001', '2026-07-01T08:00:00Z', '9434765919', 'E85001', 'record_viewed', 'web']]);

describe('refused batches', () => {
  let store: Store;
  let root: string;
  let caseNo = 0;

  beforeAll(async () => {
    root = makeTempDir('refusals');
    const landing = join(root, 'sample-landing');
    copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
    store = await openTestStore(root);
    await runImport(store, landing);
  });

  afterAll(async () => {
    await store?.close();
    removeTempDirs();
  });

  /** Runs one landing dir holding only `files` as batch `batchId`; asserts the refusal and that nothing changed. */
  async function expectRefused(files: Record<string, string | Buffer>, mustMention: Array<string | RegExp>) {
    caseNo += 1;
    const landing = join(root, `case-${caseNo}`);
    const batchId = `2026-11-25T0${caseNo}-00Z`;
    writeBatch(landing, batchId, files);
    const before = await snapshot(store, DATA_TABLES);
    const batchesBefore = await query(store, `SELECT batch_id FROM loaded_batches ORDER BY 1`);

    const { report } = await runImport(store, landing);
    expect(report.status).toBe('failed');
    const batch = batchOf(report, batchId);
    expect(batch.status).toBe('failed');
    const message = batch.error ?? '';
    expect(message.length, 'a refusal carries a message').toBeGreaterThan(10);
    for (const m of mustMention) {
      if (typeof m === 'string') expect(message).toContain(m);
      else expect(message).toMatch(m);
    }
    expect(message).not.toMatch(STACK_LINE);

    expect(await snapshot(store, DATA_TABLES)).toEqual(before);
    expect(await query(store, `SELECT batch_id FROM loaded_batches ORDER BY 1`)).toEqual(batchesBefore);
    expect(await eventIds(store, 'usage_events')).not.toContain('use-930001');
    // The attempt is on record, with its error.
    const runs = await query<{ status: string; error: string | null }>(store, `SELECT status, error FROM ingest_runs WHERE batch_id = $1`, [
      batchId,
    ]);
    expect(runs.map((r) => r.status)).toEqual(['failed']);
    expect(runs[0]?.error ?? '').not.toBe('');
    return message;
  }

  it('refuses a file whose name is not in the contract, naming it', async () => {
    await expectRefused({ 'usage_events.csv': GOOD_USAGE, 'appointments.csv': 'id,when\n1,2026-07-01\n' }, ['appointments.csv']);
  });

  it('refuses a known base name with an unknown extension', async () => {
    await expectRefused({ 'usage_events.csv': GOOD_USAGE, 'record_feeds.xlsx': 'not really a spreadsheet' }, ['record_feeds.xlsx']);
  });

  it('refuses a file with a missing column, naming the file and the column', async () => {
    const missingPlatform = 'event_id,occurred_at,nhs_number,org_code,event_type\nuse-930002,2026-07-01T08:00:00Z,9434765919,E85001,login\n';
    const goodFeed = csv(HEADERS.record_feeds, [['feed-930002', '2026-07-01T02:00:00Z', '9434765919', 'RYJ', 'letter', 1]]);
    await expectRefused({ 'record_feeds.csv': goodFeed, 'usage_events.csv': missingPlatform }, [
      'usage_events.csv',
      'platform',
    ]);
  });

  it('refuses a file with an extra column, naming the file and the column', async () => {
    const extra = csv([...HEADERS.record_feeds, 'browser'], [['feed-930001', '2026-07-01T02:00:00Z', '9434765919', 'RYJ', 'letter', 1, 'firefox']]);
    await expectRefused({ 'usage_events.csv': GOOD_USAGE, 'record_feeds.csv': extra }, ['record_feeds.csv', 'browser']);
  });

  it('refuses a truncated gzip file, naming it', async () => {
    const full = gzipSync(
      csv(
        HEADERS.usage_events,
        Array.from({ length: 200 }, (_, i) => [`use-94${String(i).padStart(4, '0')}`, '2026-07-01T08:00:00Z', '9434765919', 'E85001', 'record_viewed', 'web']),
      ),
    );
    const cut = full.subarray(0, Math.floor(full.length / 2));
    await expectRefused({ 'usage_events.csv': GOOD_USAGE, 'record_feeds.csv.gz': cut }, ['record_feeds.csv.gz']);
  });

  it('refuses a corrupt parquet file, naming it', async () => {
    await expectRefused({ 'usage_events.csv': GOOD_USAGE, 'record_feeds.parquet': Buffer.from('PAR1 this is not parquet at all') }, [
      'record_feeds.parquet',
    ]);
  });
});

describe('a failed batch stops the run', () => {
  afterAll(() => removeTempDirs());

  it('later batches wait until the failed one is fixed, then load in order', async () => {
    const { dir, landing } = tempLanding('stop');
    copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
    const bad = writeBatch(landing, '2026-11-25T01-00Z', { 'usage_events.csv': GOOD_USAGE, 'notes.txt': 'hello' });
    writeBatch(landing, '2026-11-25T02-00Z', {
      'usage_events.csv': csv(HEADERS.usage_events, [['use-930009', '2026-07-02T08:00:00Z', '9434765919', 'E85001', 'login', 'web']]),
    });
    const store = await openTestStore(dir);
    try {
      const first = await runImport(store, landing);
      expect(first.report.status).toBe('failed');
      expect(batchOf(first.report, SAMPLE).status).toBe('succeeded');
      expect(batchOf(first.report, '2026-11-25T01-00Z').status).toBe('failed');
      const later = first.report.batches.find((b) => b.batchId === '2026-11-25T02-00Z');
      expect(later?.status ?? 'not attempted').not.toBe('succeeded');
      expect(await query(store, `SELECT batch_id FROM loaded_batches`)).toEqual([{ batch_id: SAMPLE }]);
      const usage = await eventIds(store, 'usage_events');
      expect(usage).not.toContain('use-930001');
      expect(usage).not.toContain('use-930009');

      rmSync(join(bad, 'notes.txt'));
      const second = await runImport(store, landing);
      expect(second.report.status).toBe('succeeded');
      expect(second.report.batches.map((b) => [b.batchId, b.status])).toEqual([
        [SAMPLE, 'skipped'],
        ['2026-11-25T01-00Z', 'succeeded'],
        ['2026-11-25T02-00Z', 'succeeded'],
      ]);
      expect(await eventIds(store, 'usage_events')).toEqual(expect.arrayContaining(['use-930001', 'use-930009']));
    } finally {
      await store.close();
    }
  });

  it('ignores files at the landing root', async () => {
    const { dir, landing } = tempLanding('root-files');
    copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
    writeFileSync(join(landing, 'README.txt'), 'deliveries go in batch folders');
    writeFileSync(join(landing, 'usage_events.csv'), GOOD_USAGE);
    const store = await openTestStore(dir);
    try {
      const { report } = await runImport(store, landing);
      expect(report.status).toBe('succeeded');
      expect(report.batches.map((b) => b.batchId)).toEqual([SAMPLE]);
      expect(await eventIds(store, 'usage_events')).not.toContain('use-930001');
    } finally {
      await store.close();
    }
  });
});

describe('refusals before any batch', () => {
  afterAll(() => removeTempDirs());

  it('rejects a missing landing directory with a message naming it', async () => {
    const dir = makeTempDir('no-landing');
    const missing = join(dir, 'no-such-landing');
    const store = await openTestStore(dir);
    try {
      const outcome = await refusalMessage(runImport(store, missing));
      expect(outcome.rejected).toBe(true);
      expect(outcome.message).toContain(missing);
      expect(outcome.message).not.toMatch(STACK_LINE);
    } finally {
      await store.close();
    }
  });

  it('rejects a key other than the one the store was first loaded with, loading nothing', async () => {
    const { dir, landing } = tempLanding('wrong-key');
    copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
    const store = await openTestStore(dir);
    try {
      await runImport(store, landing, { key: TEST_KEY });
      writeBatch(landing, '2026-11-25T01-00Z', { 'usage_events.csv': GOOD_USAGE });
      const before = await snapshot(store, DATA_TABLES);
      const outcome = await refusalMessage(runImport(store, landing, { key: 'a-different-key-entirely' }));
      expect(outcome.rejected, 'importLanding rejects').toBe(true);
      expect(outcome.message).toMatch(/key/i);
      expect(outcome.message).toMatch(/does not match|doesn't match|not match|mismatch/i);
      expect(outcome.message).not.toMatch(STACK_LINE);
      expect(outcome.message).not.toContain('a-different-key-entirely');
      expect(await snapshot(store, DATA_TABLES)).toEqual(before);
      expect(await query(store, `SELECT batch_id FROM loaded_batches`)).toEqual([{ batch_id: SAMPLE }]);
    } finally {
      await store.close();
    }
  });

  it('the CLI exits non-zero with "in use" and no stack trace when another process holds the store', async () => {
    const { dir, landing } = tempLanding('locked');
    copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
    const holder = await openTestStore(dir); // this test process holds the write lock
    let result: CliResult;
    try {
      result = await runCli(landing, { PORTAL_DB: dbPathIn(dir), PORTAL_PSEUDO_KEY: TEST_KEY });
    } finally {
      await holder.close();
    }
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.code, output).not.toBe(0);
    expect(result.code, output).not.toBeNull();
    expect(output).toMatch(/in use/i);
    expect(output).not.toMatch(STACK_LINE);
    const store = await openTestStore(dir);
    try {
      expect(await query(store, `SELECT count(*) AS n FROM loaded_batches`)).toEqual([{ n: '0' }]);
      expect(await query(store, `SELECT count(*) AS n FROM usage_events`)).toEqual([{ n: '0' }]);
    } finally {
      await store.close();
    }
  });
});
