// @vitest-environment happy-dom
/**
 * The Rollout page for a known API answer: the selected organisation's uptake, target, RAG and
 * projected date are the rollout metric's row; the league table lists the CCGs with their verdicts;
 * a hidden uptake is `*` with the note; go-lives are counted from the organisation list.
 */
import { waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { COLUMNS } from '../lib/metric.js';
import Rollout from './Rollout.js';
import { Failure, card, metric, renderPage, resetPage, tableOf, tile } from './test-support.js';

const R = COLUMNS.rollout;
const cols = [R.org_code, R.org_name, R.go_live_date, R.eligible, R.activated, R.uptake_pct, R.target_pct, R.weekly_change_pp, R.rag, R.status, R.projected_target_date] as const;

const own = metric('rollout', cols, [
  { org_code: 'Q00', org_name: 'Northshire ICB', go_live_date: '2025-06-02', eligible: 13000, activated: 3965, uptake_pct: 30.5, target_pct: 35, weekly_change_pp: 0.375, rag: 'amber', status: 'on track', projected_target_date: '2026-06-06' },
]);
const ccgs = metric('rollout', cols, [
  { org_code: 'C01', org_name: 'Riverside CCG', go_live_date: '2025-06-02', eligible: 10000, activated: 3600, uptake_pct: 36, target_pct: 35, weekly_change_pp: 0.2, rag: 'green', status: 'target reached', projected_target_date: null },
  { org_code: 'C02', org_name: 'Hillside CCG', go_live_date: null, eligible: 3000, activated: null, uptake_pct: null, target_pct: 35, weekly_change_pp: null, rag: null, status: null, projected_target_date: null, _suppressed: [R.activated, R.uptake_pct, R.weekly_change_pp, R.rag, R.status, R.projected_target_date] },
]);

const answers = { 'metrics/rollout': (q: URLSearchParams) => (q.get('level') ? ccgs : own), 'metrics/uptake': metric('uptake', [], []) };

afterEach(resetPage);

describe('Rollout page', () => {
  it("headlines the ICB's uptake 30.5% against its 35% target, close to it, projected to reach it on 6 Jun 2026", async () => {
    const page = renderPage(Rollout, { answers });
    await waitFor(() => expect(tile('Uptake in Northshire ICB').value).toBe('30.5%'));
    expect(tile('Uptake in Northshire ICB').detail).toBe('Target 35% Close to target · on 14 Mar 2026');
    expect(tile('Projected date to reach the target').value).toBe('6 Jun 2026');
    expect(tile('Projected date to reach the target').detail).toContain('Trend +0.375 percentage points a week over the last 12 weeks');
    // Riverside went live on 2 Jun 2025 (the rollout row's go-live date); Hillside has none.
    expect(tile('CCGs live').value).toBe('1 of 2');
    expect(page.queriesTo('metrics/rollout')).toContainEqual({ org: 'Q00', level: 'ccg', to: '2026-03-14' });
  });

  it('lists the CCGs with uptake, target and verdict; the hidden one is * with the note', async () => {
    renderPage(Rollout, { answers });
    const league = () => card('League table: uptake against target by CCG');
    await waitFor(() => expect(league().querySelector('.state-loading')).toBeNull());
    const { head, rows } = tableOf(league());
    expect(head).toEqual(['Organisation', 'Go-live', 'Eligible population', 'Activated patients', 'Uptake', 'Target uptake', 'Trend (percentage points a week)', 'Projected to reach target', 'Against target']);
    expect(rows).toEqual([
      ['Riverside CCG', '2 Jun 2025', '10,000', '3,600', '36%', '35%', '0.2', 'Target reached', 'On target'],
      // Its RAG is hidden with its uptake: the badge says so (not "No target" beside a 35% target).
      ['Hillside CCG', '–', '3,000', '*', '*', '35%', '*', '–', 'Rating hidden'],
    ]);
    expect(league().textContent).toContain('6 values hidden to protect patients\' privacy');
  });

  it('says so in plain words when the API fails', async () => {
    renderPage(Rollout, { answers: { ...answers, 'metrics/rollout': new Failure(500, 'Query failed: out of memory') } });
    const league = () => card('League table: uptake against target by CCG');
    await waitFor(() => expect(league().querySelector('[role="alert"]')).not.toBeNull());
    expect(league().textContent).toContain('This could not be loaded. Query failed: out of memory');
    expect(tile('Uptake in Northshire ICB').value).toBe('*');
  });
});
