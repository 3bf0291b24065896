// @vitest-environment happy-dom
/**
 * The Savings & ROI page for a known API answer: activity that avoided a cost × the savings
 * model's value of one, against the programme's costs, since the programme began: totals, range,
 * return, payback month, and the months and types behind them.
 */
import { waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { COLUMNS } from '../lib/metric.js';
import Savings from './Savings.js';
import { Failure, card, metric, renderPage, resetPage, tableOf, tile } from './test-support.js';

const S = COLUMNS.savings;
const R = COLUMNS.roi;

// Each month: 1,000 prescriptions requested online instead of by phone (£1 / £2 / £3 each) and
// 500 letters not posted (£0.50 / £0.80 / £1): £2,400 a month (central).
const savings = metric('savings', [S.period_start, S.complete, S.saving_type, S.saving_label, S.activity, S.avoided], [
  { period_start: '2026-01-01', complete: true, saving_type: 'repeat_rx', saving_label: 'Repeat prescriptions', activity: 2000, avoided: 1000 },
  { period_start: '2026-01-01', complete: true, saving_type: 'letters', saving_label: 'Letters', activity: 500, avoided: 500 },
  { period_start: '2026-02-01', complete: true, saving_type: 'repeat_rx', saving_label: 'Repeat prescriptions', activity: 2000, avoided: 1000 },
  { period_start: '2026-02-01', complete: true, saving_type: 'letters', saving_label: 'Letters', activity: 500, avoided: 500 },
]);
const model = {
  items: [
    { id: 'repeat_rx', label: 'Repeat prescriptions', fraction: 0.5, unit_value_gbp: { low: 1, central: 2, high: 3 } },
    { id: 'letters', label: 'Letters', fraction: 1, unit_value_gbp: { low: 0.5, central: 0.8, high: 1 } },
  ],
};
// The server's roi answer for the same activity: £3,000 of cost in January, £1,000 in February,
// £4,000 to date, covered by £4,800 of savings (central) in February; the high case (£3,500)
// covers January's £3,000 in January; the low (£2,500) not yet.
const ROI_COLUMNS = [
  R.period_start, R.complete, R.activity, R.savings_low_gbp, R.savings_central_gbp, R.savings_high_gbp, R.cost_gbp,
  R.cumulative_savings_low_gbp, R.cumulative_savings_central_gbp, R.cumulative_savings_high_gbp, R.cumulative_cost_gbp,
  R.payback_low, R.payback_central, R.payback_high, R.return_central_ratio,
];
const roiMonth = { complete: true, activity: 2500, savings_low_gbp: 1250, savings_central_gbp: 2400, savings_high_gbp: 3500, payback_low: null, payback_central: '2026-02-01', payback_high: '2026-01-01' };
const roi = metric('roi', ROI_COLUMNS, [
  { ...roiMonth, period_start: '2026-01-01', cost_gbp: 3000, cumulative_savings_low_gbp: 1250, cumulative_savings_central_gbp: 2400, cumulative_savings_high_gbp: 3500, cumulative_cost_gbp: 3000, return_central_ratio: 0.8 },
  { ...roiMonth, period_start: '2026-02-01', cost_gbp: 1000, cumulative_savings_low_gbp: 2500, cumulative_savings_central_gbp: 4800, cumulative_savings_high_gbp: 7000, cumulative_cost_gbp: 4000, return_central_ratio: 1.2 },
]);

const answers = {
  'metrics/savings': (q: URLSearchParams) => (q.get('level') ? { ...savings, rows: [] } : savings),
  'metrics/roi': roi,
  'savings-model': model,
};

// By CCG (the ICB's answer with level=ccg): each month Riverside CCG 600 prescriptions avoided
// (£1,200 central), Hillside CCG 300 (£600), and the server's remainder row (no org_code) the
// other 100 prescriptions and the 500 letters read at trusts (£200 + £400 = £600): £2,400 a
// month, the headline's. In February Hillside's 300 are hidden by the small-number rule (a
// stand-in: the rule hides 1-7), so the server counts them in February's remainder (£1,200) and
// names it "+ hidden".
const byCcgRow = (period: string, org: string | null, name: string, type: string, label: string, avoided: number) =>
  ({ period_start: period, complete: true, org_code: org, org_name: name, saving_type: type, saving_label: label, activity: avoided, avoided });
const byCcg = metric('savings', [S.period_start, S.complete, S.org_code, S.org_name, S.saving_type, S.saving_label, S.activity, S.avoided], [
  byCcgRow('2026-01-01', 'C01', 'Riverside CCG', 'repeat_rx', 'Repeat prescriptions', 600),
  byCcgRow('2026-01-01', 'C02', 'Hillside CCG', 'repeat_rx', 'Repeat prescriptions', 300),
  byCcgRow('2026-01-01', null, 'Trusts and community services', 'repeat_rx', 'Repeat prescriptions', 100),
  byCcgRow('2026-01-01', null, 'Trusts and community services', 'letters', 'Letters', 500),
  byCcgRow('2026-02-01', 'C01', 'Riverside CCG', 'repeat_rx', 'Repeat prescriptions', 600),
  { ...byCcgRow('2026-02-01', 'C02', 'Hillside CCG', 'repeat_rx', 'Repeat prescriptions', 0), activity: null, avoided: null, _suppressed: [S.activity, S.avoided] },
  byCcgRow('2026-02-01', null, 'Trusts and community services + hidden', 'repeat_rx', 'Repeat prescriptions', 400),
  byCcgRow('2026-02-01', null, 'Trusts and community services', 'letters', 'Letters', 500),
]);

afterEach(resetPage);

describe('Savings page', () => {
  it('headlines £4.8k saved (range £2.5k to £7k) against £4k spent: 1.2 × the cost, paid back in Feb 2026', async () => {
    renderPage(Savings, { answers });
    await waitFor(() => expect(tile('Savings since the programme began (central estimate)').value).toBe('£4.8k'));
    expect(tile('Savings since the programme began (central estimate)').detail).toContain('Range £2.5k to £7k.');
    expect(tile('Programme cost since it began').value).toBe('£4k');
    expect(tile('Return on investment to date').value).toBe('1.2 ×');
    expect(tile('Return on investment to date').detail).toContain('Net benefit £800 (central)');
    expect(tile('Payback').value).toBe('Feb 2026');
  });

  it('shows the server\'s payback month and totals at the model\'s values', async () => {
    // A server answer whose payback differs from what the page could work out itself: the page
    // shows the roi metric's, the one owner (the Overview and the Report read the same row).
    const late = { ...roi, rows: roi.rows.map((r) => ({ ...r, payback_central: '2026-03-01', cumulative_savings_central_gbp: 4900, return_central_ratio: 1.23 })) };
    renderPage(Savings, { answers: { ...answers, 'metrics/roi': late } });
    await waitFor(() => expect(tile('Payback').value).toBe('Mar 2026'));
    expect(tile('Savings since the programme began (central estimate)').value).toBe('£4.9k');
    expect(tile('Return on investment to date').value).toBe('1.23 ×');
  });

  it('works out a what-if scenario\'s payback by the same rule: letters at £5 pay back in January', async () => {
    // January: 1,000 prescriptions x £2 + 500 letters x £5 = £4,500 >= £3,000 of cost.
    renderPage(Savings, { answers, path: '/savings', query: 'whatif=letters:0.5/5/5' });
    await waitFor(() => expect(tile('Payback').value).toBe('Jan 2026'));
    expect(tile('Savings since the programme began (central estimate)').value).toBe('£9k');
    // £9,000 / £4,000, by the server's return rule.
    expect(tile('Return on investment to date').value).toBe('2.25 ×');
    expect(document.querySelector('.notice')!.textContent).toContain('what-if scenario');
  });

  it('lists each month with running totals, and each type of saving', async () => {
    renderPage(Savings, { answers });
    const months = () => card('Savings against cost since the programme began, with the payback point');
    await waitFor(() => expect(months().querySelector('.state-loading')).toBeNull());
    expect(tableOf(months()).rows).toEqual([
      ['Jan 2026', '£2,400', '£1,250', '£2,400', '£3,500', '£3,000', '£3,000'],
      ['Feb 2026', '£2,400', '£2,500', '£4,800', '£7,000', '£1,000', '£4,000'],
    ]);
    expect(tableOf(card('Savings by type in the dates shown')).rows).toEqual([
      ['Repeat prescriptions', '4,000', '2,000', '£2,000', '£4,000', '£6,000'],
      ['Letters', '1,000', '1,000', '£500', '£800', '£1,000'],
    ]);
  });

  it('says plainly when the savings cannot be loaded', async () => {
    renderPage(Savings, { answers: { ...answers, 'metrics/savings': new Failure(500, 'Query failed: out of memory') } });
    const months = () => card('Savings against cost since the programme began, with the payback point');
    await waitFor(() => expect(months().querySelector('[role="alert"]')).not.toBeNull());
    expect(months().textContent).toContain('This could not be loaded. Query failed: out of memory');
    expect(document.querySelector('.whatif')!.textContent).toContain('Query failed: out of memory');
  });

  // A failed answer: the tiles are not left busy ("…", aria-busy) for ever; they show no figure and say why.
  it('does not leave the headline tiles busy when the answer failed', async () => {
    renderPage(Savings, { answers: { ...answers, 'metrics/savings': new Failure(500, 'Query failed: out of memory') } });
    await waitFor(() => expect(document.querySelector('[role="alert"]')).not.toBeNull());
    expect(tile('Savings since the programme began (central estimate)').el.getAttribute('aria-busy')).toBeNull();
    expect(tile('Savings since the programme began (central estimate)').value).toBe('–');
    expect(tile('Savings since the programme began (central estimate)').detail).toContain('could not be loaded');
    expect(tile('Payback').value).toBe('–');
    expect(tile('Payback').detail).not.toContain('not yet covered');
  });
  it('draws savings by CCG as the server sends them: its remainder row is the grey bar, and the bars add up to the total', async () => {
    renderPage(Savings, { answers: { ...answers, 'metrics/savings': (q: URLSearchParams) => (q.get('level') ? byCcg : savings) } });
    const orgs = () => card('Savings by CCG');
    await waitFor(() => expect(orgs().querySelector('.state-loading')).toBeNull());
    // Riverside £1,200 x 2; Hillside £600 in January (February's hidden); the rest £600 + £1,200.
    expect(tableOf(orgs()).rows).toEqual([
      ['Riverside CCG', '1,200', '£1,200', '£2,400', '£3,600'],
      ['Hillside CCG', '300', '£300', '£600', '£900'],
      ['Trusts and community services + hidden', '–', '£1,000', '£1,800', '£2,500'],
    ]);
    // Each column adds up to the headline: £2.5k / £4.8k / £7k.
    expect(orgs().textContent).toContain('(£4.8k)');
  });
});
