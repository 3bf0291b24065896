// @vitest-environment happy-dom
/**
 * The printed report for a known API answer: the four headline figures, the key findings, the
 * organisations below against target (those behind first), and a plain error when a figure the
 * report is built on cannot be loaded.
 */
import { screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { COLUMNS } from '../lib/metric.js';
import Report from './Report.js';
import { Failure, metric, renderPage, resetPage , HEADLINE_ANSWERS } from './test-support.js';

const R = COLUMNS.roi;
const C = COLUMNS.consent;
const F = COLUMNS.funnel;
const E = COLUMNS.equity;
const RO = COLUMNS.rollout;
const rolloutCols = [RO.org_code, RO.org_name, RO.uptake_pct, RO.target_pct, RO.weekly_change_pp, RO.rag, RO.status, RO.projected_target_date] as const;

const answers = {
  ...HEADLINE_ANSWERS,
  'metrics/roi': metric('roi', [R.period_start, R.cumulative_savings_low_gbp, R.cumulative_savings_central_gbp, R.cumulative_savings_high_gbp, R.cumulative_cost_gbp, R.payback_central, R.return_central_ratio], [
    { period_start: '2026-02-01', cumulative_savings_low_gbp: 6000, cumulative_savings_central_gbp: 9000, cumulative_savings_high_gbp: 12000, cumulative_cost_gbp: 10000, return_central_ratio: 0.9, payback_central: null },
    { period_start: '2026-03-01', cumulative_savings_low_gbp: 18000, cumulative_savings_central_gbp: 24600, cumulative_savings_high_gbp: 31200, cumulative_cost_gbp: 12000, return_central_ratio: 2.05, payback_central: '2026-03-01' },
  ]),
  'metrics/consent': metric('consent', [C.period_start, C.scope, C.objections_in_force], [
    // The server's answer: C02's objections are hidden (1-7), T01's 15 too so that C02's cannot be
    // worked out from the total of every scope (complementary suppression), which is 60.
    { period_start: '2026-03-01', scope: 'ALL', objections_in_force: 40 },
    { period_start: '2026-03-01', scope: 'T01', objections_in_force: null, _suppressed: [C.objections_in_force] },
    { period_start: '2026-03-01', scope: 'C02', objections_in_force: null, _suppressed: [C.objections_in_force] },
    { period_start: '2026-03-01', scope: 'ALL_SCOPES', objections_in_force: 60 },
  ]),
  'metrics/funnel': metric('funnel', [F.period_start, F.breakdown, F.invited, F.registered, F.activated, F.active_30d], [
    { period_start: '2026-01-01', breakdown: 'All', invited: 6000, registered: 3000, activated: 2400, active_30d: 1200 },
    { period_start: '2026-02-01', breakdown: 'All', invited: 4000, registered: 2000, activated: 1600, active_30d: 800 },
  ]),
  'metrics/equity': metric('equity', [E.breakdown, E.uptake_pct, E.gap_q5_q1_pp], [
    { breakdown: 'All', uptake_pct: 30.5, gap_q5_q1_pp: 12.25 },
    { breakdown: 'Q1 (deciles 1–2)', uptake_pct: 22, gap_q5_q1_pp: 12.25 },
    { breakdown: 'Q5 (deciles 9–10)', uptake_pct: 34.25, gap_q5_q1_pp: 12.25 },
  ]),
  'metrics/rollout': (q: URLSearchParams) =>
    q.get('level')
      ? metric('rollout', rolloutCols, [
          { org_code: 'C01', org_name: 'Riverside CCG', uptake_pct: 36, target_pct: 35, rag: 'green', status: 'target reached' },
          { org_code: 'C02', org_name: 'Hillside CCG', uptake_pct: 20, target_pct: 35, rag: 'red', status: 'not on track' },
        ])
      : metric('rollout', rolloutCols, [
          { org_code: 'Q00', org_name: 'Northshire ICB', uptake_pct: 30.86, target_pct: 35, weekly_change_pp: 0.375, rag: 'amber', status: 'on track', projected_target_date: '2026-06-06' },
        ]),
};

afterEach(resetPage);

const tiles = () => [...screen.getByTestId('report-tiles').querySelectorAll('.tile')].map((t) => [...t.children].map((c) => c.textContent));
const facts = () => Object.fromEntries([...document.querySelectorAll('.report-grid table:not(.report-league) tr')].map((tr) => [tr.querySelector('th')!.textContent, tr.querySelector('td')!.textContent]));

describe('Report page', () => {
  it('headlines uptake 30.9% (close to the 35% target), 6,400 active in Feb 2026, £24.6k saved and the objections', async () => {
    renderPage(Report, { answers });
    await screen.findByTestId('report-tiles');
    await waitFor(() => expect(tiles()[0]![2]).toBe('Target 35% · Close to target'));
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Northshire ICB');
    expect(document.querySelector('.report header')!.textContent).toContain('ICB · ');
    expect(document.querySelector('.report header')!.textContent).toContain('data as of 14 Mar 2026');
    await waitFor(() => expect(tiles()[3]![1]).toBe('60'));
    expect(tiles()).toEqual([
      ['Uptake', '30.9%', 'Target 35% · Close to target'],
      ['Active patients (Feb 2026)', '6,400', '12,345 activated accounts'],
      ['Savings since the programme began (central)', '£24.6k', 'Cost £12k · range £18k–£31.2k'],
      ['Objections in force', '60', 'Honoured in every figure'],
    ]);
  });

  it('lists the key findings as worked out from the answers', async () => {
    renderPage(Report, { answers });
    await screen.findByTestId('report-tiles');
    await waitFor(() => expect(facts()['Projected to reach target']).toBe('6 Jun 2026'));
    await waitFor(() => expect(facts()['Deprivation gap (least − most deprived fifth)']).not.toBe('–'));
    expect(facts()).toEqual({
      'Eligible patients': '40,000',
      'Activated accounts': '12,345',
      'Projected to reach target': '6 Jun 2026',
      // The server's return: 24,600 / 12,000 (server/metrics/roi-rule.ts)
      'Return on investment to date': '2.05 × cost',
      'Payback (central)': 'Mar 2026',
      // 4,000 activated of 10,000 invited over the two cohorts
      'Invited → activated': '40%',
      'Deprivation gap (least − most deprived fifth)': '12.25 points (22% vs 34.3%)',
    });
  });

  it('lists the CCGs against target, those behind first', async () => {
    renderPage(Report, { answers });
    await waitFor(() => expect(document.querySelector('table.report-league')).not.toBeNull());
    const rows = [...document.querySelectorAll('table.report-league tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(rows).toEqual([
      ['Hillside CCG', '20%', '35%', 'Behind target'],
      ['Riverside CCG', '36%', '35%', 'On target'],
    ]);
    expect(screen.getByTestId('league-note').textContent).toBe('All 2 CCGs, those behind target first.');
  });

  it('says plainly when a figure it is built on cannot be loaded, and shows no figures', async () => {
    renderPage(Report, { answers: { ...answers, 'metrics/uptake': new Failure(500, 'The store is being upgraded; try again in a minute.') } });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('This could not be loaded. The store is being upgraded; try again in a minute.');
    expect(screen.queryByTestId('report-tiles')).toBeNull();
  });

  // With scopes' objections hidden, the report shows the server's total of every scope, as the
  // Overview and Data & consent do (it added up the scopes shown before: "at least 55").
  it('shows the server\'s total of objections with scopes hidden, as the other pages do', async () => {
    renderPage(Report, { answers });
    await screen.findByTestId('report-tiles');
    await waitFor(() => expect(tiles()[3]![1]).not.toBe('*'));
    expect(tiles()[3]![1]).toBe('60');
  });
});
