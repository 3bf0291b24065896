// @vitest-environment happy-dom
/**
 * The Overview page for a known API answer: the headline uptake with its target and the rollout
 * metric's verdict, active patients in the last complete month (not the partial one), savings
 * against cost, and the server's total of objections of every scope.
 */
import { waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { COLUMNS } from '../lib/metric.js';
import Overview from './Overview.js';
import { Failure, card, metric, renderPage, resetPage, tableOf , HEADLINE_ANSWERS } from './test-support.js';

const R = COLUMNS.roi;
const C = COLUMNS.consent;
const RO = COLUMNS.rollout;

const answers = {
  ...HEADLINE_ANSWERS,
  'metrics/roi': metric('roi', [R.period_start, R.cumulative_savings_central_gbp, R.cumulative_cost_gbp, R.return_central_ratio], [
    { period_start: '2026-02-01', cumulative_savings_central_gbp: 9000, cumulative_cost_gbp: 10000, return_central_ratio: 0.9 },
    { period_start: '2026-03-01', cumulative_savings_central_gbp: 24600, cumulative_cost_gbp: 12000, return_central_ratio: 2.05 },
  ]),
  'metrics/consent': metric('consent', [C.period_start, C.scope, C.objections_in_force], [
    // The server's answer: C02's objections are hidden (1-7), T01's 15 too so that C02's cannot be
    // worked out from the total of every scope (complementary suppression), which is 60.
    { period_start: '2026-03-01', scope: 'ALL', objections_in_force: 40 },
    { period_start: '2026-03-01', scope: 'T01', objections_in_force: null, _suppressed: [C.objections_in_force] },
    { period_start: '2026-03-01', scope: 'C02', objections_in_force: null, _suppressed: [C.objections_in_force] },
    { period_start: '2026-03-01', scope: 'ALL_SCOPES', objections_in_force: 60 },
  ]),
  'metrics/rollout': metric('rollout', [RO.org_code, RO.uptake_pct, RO.target_pct, RO.weekly_change_pp, RO.rag, RO.status, RO.projected_target_date], [
    { org_code: 'Q00', uptake_pct: 30.86, target_pct: 35, weekly_change_pp: 0.375, rag: 'amber', status: 'on track', projected_target_date: '2026-06-06' },
  ]),
};

afterEach(resetPage);

const tileOf = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const figureOf = (id: string) => tileOf(id)?.querySelector('.tile-value')?.textContent;

describe('Overview page', () => {
  it('puts uptake first: 30.9% of 40,000, against a 35% target, close to it and on track for 6 Jun 2026', async () => {
    renderPage(Overview, { answers });
    await waitFor(() => expect(figureOf('headline-uptake')).toBe('30.9%'));
    await waitFor(() => expect(tileOf('headline-uptake')!.textContent).toContain('Close to target'));
    const text = tileOf('headline-uptake')!.textContent;
    expect(text).toContain('12,345 of 40,000 eligible patients.');
    expect(text).toContain('Target 35%');
    expect(text).toContain('+0.375 percentage points a week');
    expect(text).toContain('6 Jun 2026');
  });

  it('counts active patients in February, the last complete month, not the 14 days of March', async () => {
    renderPage(Overview, { answers });
    await waitFor(() => expect(figureOf('headline-active')).toBe('6,400'));
    expect(tileOf('headline-active')!.textContent).toContain('used the portal in Feb 2026');
  });

  it('shows £24.6k saved against £12k spent (2.05 × the cost) and the server\'s 60 objections of every scope', async () => {
    renderPage(Overview, { answers });
    await waitFor(() => expect(figureOf('headline-savings')).toBe('£24.6k'));
    expect(tileOf('headline-savings')!.textContent).toContain('against £12k spent');
    expect(tileOf('headline-savings')!.textContent).toContain('Return: 2.05 × the cost.');
    // The total the server publishes (not 40 + 15 added up here, "at least 55" before).
    await waitFor(() => expect(figureOf('headline-objections')).toBe('60'));
  });

  it('shows * when the server hides the total of objections itself', async () => {
    const consent = answers['metrics/consent'];
    const hidden = { ...consent, rows: consent.rows.map((r) => (r.scope === 'ALL_SCOPES' ? { ...r, objections_in_force: null, _suppressed: [C.objections_in_force] } : r)) };
    renderPage(Overview, { answers: { ...answers, 'metrics/consent': hidden } });
    await waitFor(() => expect(figureOf('headline-objections')).toBe('*'));
  });

  it('lists the uptake months in the table view', async () => {
    renderPage(Overview, { answers });
    const uptake = () => card('Uptake over time against the target');
    await waitFor(() => expect(uptake().querySelector('.state-loading')).toBeNull());
    expect(tableOf(uptake()).rows).toEqual([
      ['Jan 2026', 'Yes', '11,000', '40,000', '27.5%'],
      ['Feb 2026', 'Yes', '12,345', '40,000', '30.9%'],
    ]);
  });

  it('shows empty cards for no rows and a plain error when the API fails', async () => {
    renderPage(Overview, { answers: { ...answers, 'metrics/active_users': { ...answers['metrics/active_users'], rows: [] }, 'metrics/roi': new Failure(500, 'Query failed: out of memory') } });
    await waitFor(() => expect(card('Savings against cost since the programme began').querySelector('[role="alert"]')).not.toBeNull());
    expect(card('Savings against cost since the programme began').textContent).toContain('This could not be loaded. Query failed: out of memory');
    expect(figureOf('headline-savings')).toBe('–');
    await waitFor(() => expect(card('Active patients each month').textContent).toContain('There is no data for these filters.'));
  });
});
