/**
 * Specification: no raw identifier is stored anywhere — tables, quarantine, logs (contract rule 1).
 *
 * After loading the sample batch and the bad-rows batch, the test looks for every NHS number of
 * both fixtures, in the plain 10-digit form and the spaced `ddd ddd dddd` form:
 *   - in every text value of every table (SQL; catches values whatever the on-disk compression),
 *   - in the bytes of the database file and its WAL,
 *   - in every log line passed to `log`, and anything written to the console meanwhile,
 *   - in the stdout/stderr of the CLI loading the same landing dir into another store.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  FIXTURES_DIR,
  SAMPLE_BATCH_DIR,
  TEST_KEY,
  allTables,
  copyBatch,
  dbPathIn,
  makeTempDir,
  openTestStore,
  query,
  removeTempDirs,
  runCli,
  runImport,
} from './helpers/harness.js';
import { spaced } from './helpers/nhs.js';

const SAMPLE = '2026-11-24T02-00Z';
const BAD = '2026-11-24T05-00Z';

/** Every NHS-number-like value in the two fixtures' nhs_number columns, digits only. */
function fixtureNhsNumbers(): string[] {
  const found = new Set<string>();
  for (const dir of [SAMPLE_BATCH_DIR, join(FIXTURES_DIR, 'bad-rows')]) {
    for (const name of readdirSync(dir)) {
      const [header, ...rows] = readFileSync(join(dir, name), 'utf8').trim().split(/\r?\n/);
      const col = header!.split(',').indexOf('nhs_number');
      if (col < 0) continue;
      for (const row of rows) {
        const digits = row.split(',')[col]!.replace(/ /g, '');
        if (digits) found.add(digits);
      }
    }
  }
  return [...found].sort();
}

/** The needles: plain and spaced forms (9-digit strings only have the plain form). */
function needles(numbers: string[]): string[] {
  return numbers.flatMap((n) => (n.length === 10 ? [n, spaced(n)] : [n]));
}

function findNeedles(haystack: string, list: string[]): string[] {
  return list.filter((n) => haystack.includes(n));
}

describe('no raw NHS number anywhere after loading the sample and the bad-rows batches', () => {
  const numbers = fixtureNhsNumbers();
  const all = needles(numbers);
  let dir: string;
  let landing: string;
  let logLines: string[] = [];
  let consoleText = '';
  const textValues: string[] = [];

  beforeAll(async () => {
    dir = makeTempDir('no-raw');
    landing = join(dir, 'landing');
    copyBatch(SAMPLE_BATCH_DIR, landing, SAMPLE);
    copyBatch(join(FIXTURES_DIR, 'bad-rows'), landing, BAD);

    const captured: string[] = [];
    const capture = (...args: unknown[]) => void captured.push(args.map(String).join(' '));
    const spies = [
      vi.spyOn(console, 'log').mockImplementation(capture),
      vi.spyOn(console, 'info').mockImplementation(capture),
      vi.spyOn(console, 'warn').mockImplementation(capture),
      vi.spyOn(console, 'error').mockImplementation(capture),
      vi.spyOn(console, 'debug').mockImplementation(capture),
    ];
    const store = await openTestStore(dir);
    try {
      const result = await runImport(store, landing);
      logLines = result.lines;
      expect(result.report.batches.map((b) => b.status)).toEqual(['succeeded', 'succeeded']);
      for (const table of await allTables(store)) {
        const rows = await query<Record<string, unknown>>(store, `SELECT * FROM "${table}"`);
        for (const row of rows) for (const [col, value] of Object.entries(row)) textValues.push(`${table}.${col}=${JSON.stringify(value)}`);
      }
    } finally {
      await store.close();
      for (const spy of spies) spy.mockRestore();
    }
    consoleText = captured.join('\n');
  });

  afterAll(() => removeTempDirs());

  it('scans for the 17 distinct sample and fixture numbers in both forms', () => {
    // Sample: 12 patients. Bad-rows fixture adds 4010234563, 4010234571 (valid) and 9434765918,
    // 943476591, 9390996032 (invalid).
    expect(numbers).toHaveLength(17);
    expect(all).toHaveLength(16 * 2 + 1);
    // Positive control: the needles are found in the raw fixture text they came from.
    const raw = [SAMPLE_BATCH_DIR, join(FIXTURES_DIR, 'bad-rows')]
      .flatMap((d) => readdirSync(d).map((n) => readFileSync(join(d, n), 'utf8')))
      .join('\n');
    for (const n of numbers) expect(raw.includes(n) || raw.includes(spaced(n)), n).toBe(true);
    expect(findNeedles(raw, ['943 476 5919', '908 246 2818', '401 023 4563'])).toHaveLength(3);
  });

  it('the byte scan would see a raw number stored in a DuckDB file (control for the method)', async () => {
    const controlDir = makeTempDir('no-raw-control');
    const path = join(controlDir, 'control.duckdb');
    const db = await DuckDBInstance.create(path);
    const conn = await db.connect();
    await conn.run(`CREATE TABLE t (id INTEGER, v VARCHAR)`);
    const appender = await conn.createAppender('t');
    numbers.forEach((n, i) => {
      appender.appendInteger(i);
      appender.appendVarchar(`nhs=${n}`);
      appender.endRow();
    });
    appender.closeSync();
    await conn.run('CHECKPOINT');
    conn.closeSync();
    db.closeSync();
    const bytes = [path, `${path}.wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1')).join('');
    expect(findNeedles(bytes, numbers).length).toBeGreaterThan(0);
  });

  it('no table holds a raw number in any column', () => {
    expect(textValues.length).toBeGreaterThan(0);
    const leaks = textValues.filter((v) => findNeedles(v, all).length > 0);
    expect(leaks).toEqual([]);
  });

  it('the database file and its WAL do not contain a raw number', () => {
    const files = [dbPathIn(dir), `${dbPathIn(dir)}.wal`].filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = readFileSync(file).toString('latin1');
      expect(findNeedles(bytes, all), file).toEqual([]);
    }
  });

  it('no log line or console output contains a raw number', () => {
    expect(logLines.length).toBeGreaterThan(0);
    // The log tells the operator which batches it handled.
    expect(logLines.join('\n')).toContain(SAMPLE);
    expect(logLines.join('\n')).toContain(BAD);
    expect(findNeedles(logLines.join('\n'), all)).toEqual([]);
    expect(findNeedles(consoleText, all)).toEqual([]);
  });

  it('the quarantine masks the numbers of the rows it keeps', async () => {
    const store = await openTestStore(dir);
    try {
      const rows = await query<{ record: string; reason: string }>(store, `SELECT record, reason FROM quarantine`);
      expect(rows.length).toBe(27); // see bad-rows.test.ts
      for (const r of rows) {
        expect(findNeedles(r.record, all), r.record).toEqual([]);
        expect(findNeedles(r.reason, all), r.reason).toEqual([]);
      }
    } finally {
      await store.close();
    }
  });

  it('the CLI loading the same landing dir prints no raw number', async () => {
    const cliDir = makeTempDir('no-raw-cli');
    const result = await runCli(landing, { PORTAL_DB: dbPathIn(cliDir), PORTAL_PSEUDO_KEY: TEST_KEY });
    expect(result.code, result.stderr).toBe(0);
    expect(findNeedles(result.stdout + result.stderr, all)).toEqual([]);
    const files = [dbPathIn(cliDir), `${dbPathIn(cliDir)}.wal`].filter((f) => existsSync(f));
    for (const file of files) expect(findNeedles(readFileSync(file).toString('latin1'), all), file).toEqual([]);
  });
});
