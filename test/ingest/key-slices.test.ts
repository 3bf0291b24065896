/**
 * A first load at national scale brings tens of millions of NHS numbers new to the import run;
 * they are hashed a slice at a time so that memory stays bounded. However the numbers are sliced,
 * each is hashed exactly once and every patient is found: the sample batch loaded with slices of
 * five numbers (its 12 patients in three slices) ends exactly as it does in one slice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../server/store/store.js';
import { KEY_SLICE } from '../../server/ingest/load-kind.js';
import { SAMPLE_BATCH_DIR, batchCounts, copyBatch, counts, expectCountsIdentity, importOnceForBlock, rowCount, scalar, type ImportReport } from './helpers/harness.js';

const BATCH = '2026-11-24T02-00Z';

describe('the contract sample batch, its NHS numbers hashed five at a time', () => {
  const usual = KEY_SLICE.numbers;
  beforeAll(() => {
    KEY_SLICE.numbers = 5;
  });
  afterAll(() => {
    KEY_SLICE.numbers = usual;
  });

  let store: Store;
  let report: ImportReport;
  importOnceForBlock(
    'key-slices',
    (landing) => void copyBatch(SAMPLE_BATCH_DIR, landing, BATCH),
    (s, r) => {
      store = s;
      report = r;
    },
  );

  it('gives the same totals as in one slice: 127 in = 125 loaded + 2 withheld', () => {
    expect(batchCounts(report, BATCH)).toEqual(
      counts(127, 125, { withheld: 2 }),
    );
    expectCountsIdentity(report);
  });

  it('finds each of the 12 patients once, by the first 128 bits of their pseudonym', async () => {
    expect(await rowCount(store, 'patients')).toBe(12);
    expect(await scalar(store, `SELECT count(DISTINCT (key_high, key_low)) FROM patient_keys`)).toBe(12);
    expect(
      await scalar(
        store,
        `SELECT count(*) FROM patients p JOIN patient_keys k USING (patient_id)
         WHERE ('0x' || substr(p.pseudonym, 1, 16))::UBIGINT = k.key_high AND ('0x' || substr(p.pseudonym, 17, 16))::UBIGINT = k.key_low`,
      ),
    ).toBe(12);
  });

  it('links every stored event to a described patient', async () => {
    for (const table of ['enrolment_events', 'usage_events', 'record_feeds', 'consent_events']) {
      expect(await scalar(store, `SELECT count(*) FROM "${table}" e LEFT JOIN patients p USING (patient_id) WHERE p.birth_year IS NULL`), table).toBe(0);
    }
  });
});
