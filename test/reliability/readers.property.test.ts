/**
 * Property-based tests (fast-check) of the file readers, through the importer (importLanding for
 * random bytes; importBatch, the same load without the run's rollup refresh, for CSV-ish text):
 * whatever a delivered file holds, the import never throws or crashes, and either
 *   - refuses the batch with a message (naming the file or saying nothing was loaded, no stack
 *     trace) and changes no data, or
 *   - loads it with every row accounted for: for the file, rows in = loaded + duplicates +
 *     quarantined + withheld; the quarantine holds exactly the quarantined rows; the event table
 *     holds exactly the loaded ones; and for CSV-ish text, rows in is the number of records written.
 *
 * Two generators:
 *   - random bytes as a file of a random kind and format (csv, csv.gz, ndjson, ndjson.gz, parquet;
 *     the .gz ones either gzip the bytes or are the raw bytes under a .gz name);
 *   - CSV-ish text: the header (columns in any order, BOM or not, LF or CRLF, last line break or
 *     not) and records that are either well quoted with hostile values (unicode, control
 *     characters, quotes, commas, line breaks, NUL, long values, near-valid codes) or lines with the
 *     wrong number of fields.
 * PI_FC_RUNS sets the runs per property (default 25); PI_FC_SEED replays a failure.
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../server/store/store.js';
import { csvCell } from '../../server/csv/csv-writer.js';
import { readBatch } from '../../server/ingest/discover.js';
import { importBatch, newRunId } from '../../server/ingest/import-batch.js';
import { resolveKey } from '../../server/ingest/pseudonymise.js';
import {
  DATA_TABLES,
  NOW,
  TEST_KEY,
  HEADERS,
  SAMPLE_BATCH_DIR,
  STACK_LINE,
  copyBatch,
  makeTempDir,
  openTestStore,
  query,
  removeTempDirs,
  runImport,
  writeBatch,
} from '../ingest/helpers/harness.js';

const RUNS = Number(process.env.PI_FC_RUNS ?? 25);
const SEED = process.env.PI_FC_SEED ? Number(process.env.PI_FC_SEED) : undefined;

let root: string;
let store: Store;
let runNo = 0;

beforeAll(async () => {
  root = makeTempDir('readers-property');
  const landing = join(root, 'sample');
  copyBatch(SAMPLE_BATCH_DIR, landing, '2026-11-24T02-00Z');
  store = await openTestStore(root);
  await runImport(store, landing);
});

afterAll(async () => {
  await store?.close();
  removeTempDirs();
});

async function dataCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of DATA_TABLES) out[t] = Number((await query<{ n: string }>(store, `SELECT count(*)::VARCHAR AS n FROM "${t}"`))[0]!.n);
  return out;
}

const EVENT_KINDS = new Set(['enrolment_events', 'usage_events', 'record_feeds', 'consent_events']);

/**
 * Delivers one file as a batch of its own and checks the property. `records` is the number of
 * records written, when the generator knows it. Returns the outcome, for the summary.
 */
async function deliverAndCheck(fileName: string, contents: Buffer | string, records?: number, via: 'landing' | 'batch' = 'landing'): Promise<string> {
  runNo += 1;
  const landing = join(root, `run-${runNo}`);
  const batchId = `2026-12-01T00-00Z-${String(runNo).padStart(4, '0')}`;
  writeBatch(landing, batchId, { [fileName]: contents });
  const before = await dataCounts();
  // A rejection fails the property. `batch` loads the one batch as importLanding does, without the
  // rollup refresh that follows a run (a second per run here, and no reader's business).
  const batch =
    via === 'landing'
      ? (await runImport(store, landing)).report.batches.find((b) => b.batchId === batchId)!
      : await store.withConnection((conn) =>
          importBatch(conn, readBatch(landing, batchId), { runId: newRunId(), trigger: 'test', key: resolveKey({ key: TEST_KEY, storePath: store.path }), now: NOW }),
        );
  expect(batch, 'the batch is reported').toBeDefined();
  if (batch.status === 'failed') {
    const message = batch.error ?? '';
    expect(message.length).toBeGreaterThan(10);
    expect(message).not.toMatch(STACK_LINE);
    expect(message.includes(fileName) || /Nothing from this batch was loaded/.test(message), message).toBe(true);
    expect(await dataCounts(), 'a refused batch changes no data').toEqual(before);
    return 'refused';
  }
  expect(batch.status).toBe('succeeded');
  expect(batch.files).toHaveLength(1);
  const f = batch.files[0]!;
  expect(f.loaded + f.duplicates + f.quarantined + f.withheld, `${fileName}: rows in = loaded + duplicates + quarantined + withheld`).toBe(f.rowsIn);
  if (records !== undefined) expect(f.rowsIn, `${fileName}: every record written is a row in`).toBe(records);
  const quarantined = Number((await query<{ n: string }>(store, `SELECT count(*)::VARCHAR AS n FROM quarantine WHERE batch_id = $1`, [batchId]))[0]!.n);
  expect(quarantined, 'the quarantine holds the quarantined rows').toBe(f.quarantined);
  if (EVENT_KINDS.has(f.kind)) {
    const stored = Number((await query<{ n: string }>(store, `SELECT count(*)::VARCHAR AS n FROM "${f.kind}" WHERE batch_id = $1`, [batchId]))[0]!.n);
    expect(stored, 'the table holds the loaded rows').toBe(f.loaded);
  }
  return f.quarantined === f.rowsIn ? 'loaded, all quarantined' : 'loaded';
}

const KINDS = Object.keys(HEADERS) as Array<keyof typeof HEADERS>;
const FORMATS = ['csv', 'csv.gz', 'ndjson', 'ndjson.gz', 'parquet'] as const;

describe('random bytes as a delivered file', () => {
  it('never crash the import: refused with a message, or every row accounted for', async () => {
    const outcomes: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KINDS),
        fc.constantFrom(...FORMATS),
        fc.boolean(),
        fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 200, maxLength: 4000 }), fc.constant(new Uint8Array([0x50, 0x41, 0x52, 0x31]))),
        async (kind, format, gzipIt, bytes) => {
          const raw = Buffer.from(bytes);
          const contents = format.endsWith('.gz') && gzipIt ? gzipSync(raw) : raw;
          const outcome = await deliverAndCheck(`${kind}.${format}`, contents);
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(RUNS);
  });
});

/** Values a field may hold: valid ones, near misses and hostile text. */
function fieldValue(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(valid) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('', ' ', '"', '""', ',', '\n', '\r\n', '\r', 'é', '\uFEFF', '\u0000', 'NULL', 'null', '943 476 5919', '9434765918', '2026-02-30T08:00:00Z', '1e309', '-1', 'x'.repeat(300), `${valid} `, ` ${valid}`),
    },
  );
}

const VALID: Record<string, string> = {
  occurred_at: '2026-07-01T08:00:00Z',
  nhs_number: '9434765919',
  org_code: 'E85001',
  event_type: 'record_viewed',
  platform: 'web',
  name: 'A campaign',
  channel: 'sms',
  start_date: '2026-12-01',
  end_date: '2026-12-31',
  cost_gbp: '100',
};

describe('CSV-ish text as a delivered file', () => {
  it('never crashes the import, and every record written is a row in, loaded or quarantined', async () => {
    const outcomes: Record<string, number> = {};
    const file = fc.record({
      kind: fc.constantFrom('usage_events' as const, 'campaigns' as const),
      order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
      bom: fc.boolean(),
      eol: fc.constantFrom('\n', '\r\n'),
      finalEol: fc.boolean(),
      rows: fc.array(
        fc.oneof(
          { weight: 3, arbitrary: fc.record({ good: fc.constant(true as const), values: fc.tuple(...Object.keys(VALID).map((c) => fieldValue(VALID[c]!))) }) },
          {
            weight: 1,
            arbitrary: fc.record({
              good: fc.constant(false as const),
              // A line with the wrong number of fields, each without quotes or line breaks: one record.
              fields: fc.array(fc.string({ unit: 'grapheme-ascii', maxLength: 6 }).map((s) => s.replace(/["\r\n]/g, '')), { minLength: 1, maxLength: 9 }),
            }),
          },
        ),
        { maxLength: 12 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(file, async ({ kind, order, bom, eol, finalEol, rows }) => {
        const columns = [...HEADERS[kind]].map((c, i) => ({ c, k: order[i]! })).sort((a, b) => a.k - b.k).map((x) => x.c);
        const lines = [columns.join(',')];
        const validNames = Object.keys(VALID);
        const idColumn = kind === 'usage_events' ? 'event_id' : 'campaign_code';
        for (const [i, row] of rows.entries()) {
          if (row.good) {
            const value = (c: string) => (c === idColumn ? `PX-${runNo + 1}-${i}` : row.values[validNames.indexOf(c)] ?? '');
            lines.push(columns.map((c) => csvCell(value(c))).join(','));
          } else {
            let fields = row.fields.length === columns.length ? [...row.fields, 'extra'] : row.fields;
            if (fields.join(',') === '') fields = ['not a row'];
            lines.push(fields.join(','));
          }
        }
        const text = (bom ? '\uFEFF' : '') + lines.join(eol) + (finalEol ? eol : '');
        const outcome = await deliverAndCheck(`${kind}.csv`, text, rows.length, 'batch');
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // Well-formed headers: a refusal here would be a reader failing on values, which it must not.
    expect(outcomes.refused ?? 0, JSON.stringify(outcomes)).toBe(0);
  });
});
