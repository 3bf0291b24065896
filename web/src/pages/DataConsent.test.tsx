// @vitest-environment happy-dom
/**
 * The Data & consent page for a known API answer: patients with data from 2 or more sources (the
 * latest period of the total rows), objections in force as the server's total of every scope,
 * quarantined rows by reason, and the import-run log kept to readers who see the region.
 */
import { waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { COLUMNS } from '../lib/metric.js';
import DataConsent from './DataConsent.js';
import { Failure, card, metric, renderPage, resetPage, tableOf, tile } from './test-support.js';

const D = COLUMNS.data_accumulation;
const C = COLUMNS.consent;
const Q = COLUMNS.data_quality;

const reach = metric('data_accumulation', [D.period_start, D.complete, D.enrolled, D.with_1_source, D.with_2_sources, D.with_3_sources, D.with_1_source_pct, D.with_2_sources_pct, D.with_3_sources_pct], [
  { period_start: '2026-02-01', complete: true, enrolled: 4000, with_1_source: 4000, with_2_sources: 1800, with_3_sources: 400, with_1_source_pct: 100, with_2_sources_pct: 45, with_3_sources_pct: 10 },
  { period_start: '2026-03-01', complete: false, enrolled: 4100, with_1_source: 4100, with_2_sources: 1870, with_3_sources: 410, with_1_source_pct: 100, with_2_sources_pct: 45.61, with_3_sources_pct: 10 },
]);
const consent = metric('consent', [C.period_start, C.complete, C.scope, C.objections_in_force], [
  { period_start: '2026-02-01', complete: true, scope: 'ALL', objections_in_force: 35 },
  { period_start: '2026-02-01', complete: true, scope: 'ALL_SCOPES', objections_in_force: 35 },
  // March: C02's objections hidden (1-7), T01's 15 with them (complementary suppression); the
  // server's total of every scope is 60.
  { period_start: '2026-03-01', complete: false, scope: 'ALL', objections_in_force: 40 },
  { period_start: '2026-03-01', complete: false, scope: 'T01', objections_in_force: null, _suppressed: [C.objections_in_force] },
  { period_start: '2026-03-01', complete: false, scope: 'C02', objections_in_force: null, _suppressed: [C.objections_in_force] },
  { period_start: '2026-03-01', complete: false, scope: 'ALL_SCOPES', objections_in_force: 60 },
]);
const quality = metric('data_quality', [Q.batch_id, Q.file_kind, Q.reason_code, Q.example_reason, Q.rows_quarantined, Q.first_quarantined_at], [
  { batch_id: 'b2', file_kind: 'usage_events', reason_code: 'unknown_patient', example_reason: 'patient_id not in patients.csv', rows_quarantined: 12, first_quarantined_at: '2026-03-14T02:10:00Z' },
  { batch_id: 'b1', file_kind: 'usage_events', reason_code: 'bad_timestamp', example_reason: 'event_time is not a date', rows_quarantined: 3, first_quarantined_at: '2026-03-13T02:10:00Z' },
  { batch_id: 'b1', file_kind: 'record_feeds', reason_code: 'unknown_patient', example_reason: 'patient_id not in patients.csv', rows_quarantined: 1250, first_quarantined_at: '2026-03-13T02:10:00Z' },
]);

const answers = {
  'metrics/data_accumulation': (q: URLSearchParams) => (q.get('by') ? { ...reach, rows: [] } : reach),
  'metrics/consent': consent,
  'metrics/data_quality': quality,
};

afterEach(resetPage);

describe('Data & consent page', () => {
  it('headlines 1,870 patients (45.6%) with data from 2 or more sources, and the server\'s 60 objections', async () => {
    renderPage(DataConsent, { answers });
    await waitFor(() => expect(tile('Patients with data from 2 or more sources').value).toBe('1,870'));
    expect(tile('Patients with data from 2 or more sources').detail).toBe('45.6% of patients with an activated account');
    // 40 + 15 in March, and one scope hidden: the total is a lower bound.
    expect(tile('Objections in force').value).toBe('60');
  });

  it('adds up quarantined rows by reason, largest first, naming the files', async () => {
    renderPage(DataConsent, { answers });
    const quarantine = () => card('Data quality: rows held back (quarantined), by reason');
    await waitFor(() => expect(quarantine().querySelector('.state-loading')).toBeNull());
    expect(tableOf(quarantine()).rows).toEqual([
      ['unknown_patient', '1,262', 'record feeds, usage events', 'patient_id not in patients.csv'],
      ['bad_timestamp', '3', 'usage events', 'event_time is not a date'],
    ]);
  });

  it('shows empty feeds as such, and a failed consent answer as an error', async () => {
    renderPage(DataConsent, { answers: { ...answers, 'metrics/consent': new Failure(500, 'Query failed: out of memory') } });
    const objections = () => card('Objections to data sharing in force');
    await waitFor(() => expect(objections().querySelector('[role="alert"]')).not.toBeNull());
    expect(objections().textContent).toContain('This could not be loaded. Query failed: out of memory');
    expect(card('Record items received each month, by source organisation').textContent).toContain('There is no data for these filters.');
  });

  it('keeps the region-wide import log and quarantine from a reader whose organisation is a CCG, without asking for them', async () => {
    const page = renderPage(DataConsent, { answers, root: 'C01', filters: { org: 'C01' }, me: { org: 'C01', orgName: 'Riverside CCG' } });
    await waitFor(() => expect(card('Import runs').querySelector('[data-testid="not-available"]')).not.toBeNull());
    expect(card('Import runs').textContent).toContain("covers the whole region's data deliveries");
    expect(card('Data quality: rows held back (quarantined), by reason').textContent).toContain('Not available for this organisation.');
    expect(page.requested.some((u) => u.startsWith('/api/import-runs') || u.startsWith('/api/metrics/data_quality'))).toBe(false);
  });
});
