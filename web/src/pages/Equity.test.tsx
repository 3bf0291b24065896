// @vitest-environment happy-dom
/**
 * The Equity page for a known API answer: overall uptake, the most deprived fifth and the gap
 * (least − most deprived, from the metric's gap column); each breakdown as named groups in order,
 * with hidden cells explained.
 */
import { waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { COLUMNS } from '../lib/metric.js';
import Equity from './Equity.js';
import { Failure, card, metric, renderPage, resetPage, tableOf, tile } from './test-support.js';

const E = COLUMNS.equity;
const cols = [E.breakdown, E.population, E.activated, E.uptake_pct, E.gap_q5_q1_pp] as const;

const imd = metric('equity', cols, [
  { breakdown: 'All', population: 13000, activated: 3965, uptake_pct: 30.5, gap_q5_q1_pp: 12.25 },
  { breakdown: 'Q1 (deciles 1–2)', population: 4000, activated: 880, uptake_pct: 22, gap_q5_q1_pp: 12.25 },
  { breakdown: 'Q5 (deciles 9–10)', population: 2000, activated: 685, uptake_pct: 34.25, gap_q5_q1_pp: 12.25 },
  { breakdown: '10', population: 1000, activated: 350, uptake_pct: 35 },
  { breakdown: '1', population: 2000, activated: 420, uptake_pct: 21 },
  { breakdown: '2', population: 2000, activated: null, uptake_pct: null, _suppressed: [E.activated, E.uptake_pct] },
]);
const sex = metric('equity', cols, [
  { breakdown: 'All', population: 13000, activated: 3965, uptake_pct: 30.5 },
  { breakdown: 'M', population: 6400, activated: 1780, uptake_pct: 27.8 },
  { breakdown: 'F', population: 6600, activated: 2185, uptake_pct: 33.1 },
]);

const answers = { 'metrics/equity': (q: URLSearchParams) => (q.get('by') === 'sex' ? sex : q.get('by') === 'imd_decile' ? imd : { ...sex, rows: [] }) };

afterEach(resetPage);

describe('Equity page', () => {
  it('headlines overall uptake 30.5%, the most deprived fifth 22% and a gap of 12.25 points', async () => {
    renderPage(Equity, { answers });
    await waitFor(() => expect(tile('Overall uptake').value).toBe('30.5%'));
    expect(tile('Most deprived fifth (deciles 1–2)').value).toBe('22%');
    expect(tile('Deprivation gap').value).toBe('12.25 points');
    expect(tile('Deprivation gap').detail).toContain('Least deprived fifth (deciles 9–10): 34.3%.');
  });

  it('lists the deciles in order with their names, leaves out the quintile rows and explains the hidden ones', async () => {
    renderPage(Equity, { answers });
    const deciles = () => card('Uptake by deprivation decile (1 = most deprived)');
    await waitFor(() => expect(deciles().querySelector('.state-loading')).toBeNull());
    const { head, rows } = tableOf(deciles());
    expect(head).toEqual(['Deprivation decile', 'Registered patients', 'Activated patients', 'Uptake']);
    expect(rows).toEqual([
      ['1 (most deprived)', '2,000', '420', '21%'],
      ['2', '2,000', '*', '*'],
      ['10 (least deprived)', '1,000', '350', '35%'],
    ]);
    expect(deciles().textContent).toContain("2 values hidden to protect patients' privacy");
    expect(deciles().textContent).toContain('Overall 30.5%');
  });

  it('names the sexes, and says when there is no data or the API fails', async () => {
    renderPage(Equity, { answers });
    const bySex = () => card('Uptake by sex');
    await waitFor(() => expect(bySex().querySelector('.state-loading')).toBeNull());
    expect(tableOf(bySex()).rows.map((r) => r[0])).toEqual(['Female', 'Male']);
    expect(card('Uptake by age band').textContent).toContain('There is no data for these filters.');
    resetPage();
    renderPage(Equity, { answers: { 'metrics/equity': new Failure(500, 'The store is being upgraded; try again in a minute.') } });
    await waitFor(() => expect(card('Uptake by sex').querySelector('[role="alert"]')).not.toBeNull());
    expect(card('Uptake by sex').textContent).toContain('This could not be loaded. The store is being upgraded; try again in a minute.');
    expect(tile('Overall uptake').value).toBe('*');
  });
});
