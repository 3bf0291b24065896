import { describe, expect, it } from 'vitest';
import { importRunRows, readImportRuns, utcMinute } from './import-runs.js';

const run = {
  runId: 'r1',
  batchId: '2026-11-25T02-00Z',
  trigger: 'schedule',
  startedAt: '2026-11-25T13:16:27Z',
  finishedAt: '2026-11-25T13:17:13Z',
  durationMs: 45_840,
  status: 'succeeded',
  error: null,
  counts: { rowsIn: 5_000_000, loaded: 4_990_000, duplicates: 6_000, quarantined: 3_500, withheld: 500 },
  files: [],
};

describe('import runs from /api/import-runs', () => {
  it('reads counts given under `counts` or flat on the run', () => {
    const { counts, ...flat } = run;
    const nested = readImportRuns({ runs: [run] })!;
    expect(readImportRuns({ runs: [{ ...flat, ...counts }] })).toEqual(nested);
    expect(nested[0]).toMatchObject({ batchId: '2026-11-25T02-00Z', rowsIn: 5_000_000, loaded: 4_990_000, quarantined: 3_500, withheld: 500 });
  });

  it('is not fooled by an answer of another shape (an older server)', () => {
    expect(readImportRuns({ error: 'Not found' })).toBeNull();
    expect(readImportRuns(null)).toBeNull();
    expect(readImportRuns({ runs: [] })).toEqual([]);
  });

  it('reads as a table row: minute in UTC, seconds to one decimal, plain-word outcome and trigger', () => {
    const failed = { ...run, status: 'failed', error: 'patients.csv: header does not match the contract', counts: { ...run.counts, loaded: 0 } };
    expect(importRunRows(readImportRuns({ runs: [run, failed] })!)).toEqual([
      // 45,840 ms = 45.8 s.
      { started_at: '2026-11-25 13:16', batch_id: '2026-11-25T02-00Z', outcome: 'Succeeded', duration_s: 45.8, rows_in: 5_000_000, loaded: 4_990_000, duplicates: 6_000, quarantined: 3_500, withheld: 500, trigger: 'scheduled' },
      { started_at: '2026-11-25 13:16', batch_id: '2026-11-25T02-00Z', outcome: 'Failed: patients.csv: header does not match the contract', duration_s: 45.8, rows_in: 5_000_000, loaded: 0, duplicates: 6_000, quarantined: 3_500, withheld: 500, trigger: 'scheduled' },
    ]);
  });

  it('keeps a time it cannot read as it is', () => {
    expect(utcMinute('yesterday')).toBe('yesterday');
    expect(utcMinute(null)).toBeNull();
  });
});
