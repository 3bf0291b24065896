// @vitest-environment happy-dom
/**
 * The Funnel page for a known API answer: each step is the cohorts of the dates chosen added up
 * (total row 'All'), with the share of the step before; channels are summed the same way, with
 * hidden cells explained; no cohorts is an empty card, a refusal or failure says so.
 */
import { fireEvent, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COLUMNS } from '../lib/metric.js';
import { funnelChart } from '../charts/funnel.js';
import Funnel, { sumOverPeriods } from './Funnel.js';
import { Failure, card, metric, renderPage, resetPage, tableOf, tile } from './test-support.js';

const F = COLUMNS.funnel;
const cols = [F.period_start, F.complete, F.breakdown, F.invited, F.registered, F.activated, F.active_30d] as const;

const byChannel = metric('funnel', cols, [
  { period_start: '2026-01-01', complete: true, breakdown: 'All', invited: 6000, registered: 3000, activated: 2400, active_30d: 1200 },
  { period_start: '2026-02-01', complete: true, breakdown: 'All', invited: 4000, registered: 2000, activated: 1600, active_30d: 800 },
  { period_start: '2026-01-01', complete: true, breakdown: 'sms', invited: 5000, registered: 2600, activated: 2000, active_30d: 1000 },
  { period_start: '2026-02-01', complete: true, breakdown: 'sms', invited: 3000, registered: 1500, activated: 1200, active_30d: null, _suppressed: [F.active_30d] },
]);

afterEach(resetPage);

describe('Funnel page', () => {
  it('adds up the cohorts of the dates chosen: 10,000 invited, 5,000 registered (50%), 4,000 activated (80%)', async () => {
    const page = renderPage(Funnel, { answers: { 'metrics/funnel': byChannel, 'metrics/campaign_impact': metric('campaign_impact', [], []) } });
    await waitFor(() => expect(tile('Invited').value).toBe('10,000'));
    expect(tile('Invited').detail).toBe('Patients first contacted in the dates chosen');
    expect(tile('Registered').value).toBe('5,000');
    expect(tile('Registered').detail).toBe('50% of those invited');
    expect(tile('Activated').value).toBe('4,000');
    expect(tile('Activated').detail).toBe('80% of those registered');
    expect(tile('Active in the last 30 days').value).toBe('2,000');
    expect(tile('Active in the last 30 days').detail).toBe('50% of those activated');
    // Cohorts are kept by month: the by-channel request.
    expect(page.queriesTo('metrics/funnel')).toContainEqual({ org: 'Q00', from: '2025-04-01', to: '2026-03-14', grain: 'month', by: 'channel' });
  });

  it('lists each channel summed over the months, total first, and explains the hidden cell left out of a sum', async () => {
    renderPage(Funnel, { answers: { 'metrics/funnel': byChannel } });
    const channels = () => card('Funnel by channel: share of invited patients reaching each step');
    await waitFor(() => expect(channels().querySelector('.state-loading')).toBeNull());
    const { head, rows } = tableOf(channels());
    expect(head).toEqual(['Channel of first contact', 'Invited', 'Registered', 'Activated', 'Active in the last 30 days', 'Registered (% of invited)', 'Activated (% of invited)']);
    expect(rows).toEqual([
      ['All', '10,000', '5,000', '4,000', '2,000', '50%', '40%'],
      // 4,100 of 8,000 registered = 51.3%; 3,200 activated = 40%; February's active count is hidden.
      // The channel as the chart words it, not the API's code.
      ['SMS', '8,000', '4,100', '3,200', '1,000', '51.3%', '40%'],
    ]);
    expect(channels().textContent).toContain("1 value hidden to protect patients' privacy");
    expect(channels().textContent).toContain('hidden values are not included, so they may be slightly low');
  });

  it('shows one figure per rate over the dates: the tiles, the table and the chart read the same rows', async () => {
    // 1,001 of 3,000 registered = 33.37% -> 33.4; 667 of 1,001 activated = 66.63% -> 66.6; 333 of 667
    // active = 49.93% -> 49.9; of invited: 667 = 22.23% -> 22.2, 333 = 11.1%.
    const odd = metric('funnel', cols, [
      { period_start: '2026-01-01', complete: true, breakdown: 'All', invited: 2000, registered: 700, activated: 467, active_30d: 233 },
      { period_start: '2026-02-01', complete: true, breakdown: 'All', invited: 1000, registered: 301, activated: 200, active_30d: 100 },
      { period_start: '2026-01-01', complete: true, breakdown: 'sms', invited: 2000, registered: 700, activated: 467, active_30d: 233 },
      { period_start: '2026-02-01', complete: true, breakdown: 'sms', invited: 1000, registered: 301, activated: 200, active_30d: 100 },
    ]);
    renderPage(Funnel, { answers: { 'metrics/funnel': odd } });
    const channels = () => card('Funnel by channel: share of invited patients reaching each step');
    await waitFor(() => expect(channels().querySelector('.state-loading')).toBeNull());
    expect(tile('Registered').detail).toBe('33.4% of those invited');
    expect(tile('Activated').detail).toBe('66.6% of those registered');
    expect(tile('Active in the last 30 days').detail).toBe('49.9% of those activated');
    expect(tableOf(channels()).rows[0]).toEqual(['All', '3,000', '1,001', '667', '333', '33.4%', '22.2%']);

    // The chart's bars and their labels: the same rates from the same rows.
    const svg = funnelChart(sumOverPeriods(odd, F.breakdown), { width: 640 }) as unknown as SVGSVGElement;
    const labels = [...svg.querySelectorAll('g[aria-label="text"] text')].map((t) => t.textContent);
    expect(labels).toEqual(['33.4%', '22.2%', '11.1%']);
  });

  it("downloads the channels' codes as the API sends them (the table words them)", async () => {
    let blob: Blob | null = null;
    const created = vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      blob = b as Blob;
      return 'blob:csv';
    });
    const revoked = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    try {
      renderPage(Funnel, { answers: { 'metrics/funnel': byChannel } });
      const channels = () => card('Funnel by channel: share of invited patients reaching each step');
      await waitFor(() => expect(channels().querySelector('.state-loading')).toBeNull());
      fireEvent.click(within(channels()).getByRole('button', { name: /Download CSV/ }));
      const text = (await blob!.text()).replace(/^\ufeff/, '');
      expect(text.split('\r\n')[2]).toMatch(/^sms,8000,/);
    } finally {
      created.mockRestore();
      revoked.mockRestore();
      click.mockRestore();
    }
  });

  it('shows an empty card when no one was contacted in the dates, and the campaign error in plain words', async () => {
    renderPage(Funnel, { answers: { 'metrics/funnel': { ...byChannel, rows: [] }, 'metrics/campaign_impact': new Failure(500, 'Query failed: out of memory') } });
    const impact = () => card('Campaign impact');
    await waitFor(() => expect(impact().querySelector('[role="alert"]')).not.toBeNull());
    expect(impact().textContent).toContain('This could not be loaded. Query failed: out of memory');
    expect(card(/^Patients registering, by month/).textContent).toContain('There is no data for these filters.');
    // No cohorts: the step tiles have no figure (not zero).
    expect(tile('Invited').value).toBe('*');
  });

  it('says plainly when the reader may not see campaigns (403), rather than as a failure', async () => {
    renderPage(Funnel, { answers: { 'metrics/funnel': byChannel, 'metrics/campaign_impact': new Failure(403, 'Campaign costs are for CIOs and finance only.') } });
    const impact = () => card('Campaign impact');
    await waitFor(() => expect(impact().querySelector('[data-testid="not-available"]')).not.toBeNull());
    expect(impact().textContent).toContain('Not available to you. Campaign costs are for CIOs and finance only.');
    expect(impact().querySelector('[role="alert"]')).toBeNull();
  });
});
