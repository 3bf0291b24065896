// @vitest-environment happy-dom
/**
 * The Engagement page for a known API answer: the headline is the last complete month (the partial
 * month at the end is left out), features are events summed over the dates with hidden cells
 * explained, and a failed answer says so.
 */
import { screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { COLUMNS } from '../lib/metric.js';
import Engagement from './Engagement.js';
import { Failure, card, metric, renderPage, resetPage, tableOf, tile } from './test-support.js';

const A = COLUMNS.active_users;

const active = metric('active_users', [A.period_start, A.complete, A.active_patients, A.logins, A.stickiness_pct], [
  { period_start: '2026-01-01', complete: true, active_patients: 640, logins: 2100, stickiness_pct: 12.5 },
  { period_start: '2026-02-01', complete: true, active_patients: 12345, logins: 24500, stickiness_pct: 13.42 },
  // 1–14 March: the partial month at the end.
  { period_start: '2026-03-01', complete: false, active_patients: 315, logins: 900, stickiness_pct: 20 },
]);
const features = metric('active_users', [A.period_start, A.breakdown, A.events], [
  { period_start: '2026-01-01', breakdown: 'All', events: 5000 },
  { period_start: '2026-01-01', breakdown: 'prescription_requested', events: 1200 },
  { period_start: '2026-02-01', breakdown: 'prescription_requested', events: 1300 },
  { period_start: '2026-01-01', breakdown: 'appointment_booked', events: 800 },
  { period_start: '2026-02-01', breakdown: 'appointment_booked', events: null, _suppressed: [A.events] },
]);

const answers = { 'metrics/active_users': (q: URLSearchParams) => (q.get('by') === 'event_type' ? features : active) };

afterEach(resetPage);

describe('Engagement page', () => {
  it('headlines the last complete month: 12,345 active patients, 13.4% stickiness and 24,500 logins in Feb 2026', async () => {
    renderPage(Engagement, { answers });
    await waitFor(() => expect(tile('Active patients, last complete month').value).toBe('12,345'));
    expect(tile('Active patients, last complete month').detail).toBe('Feb 2026.');
    expect(tile('Stickiness').value).toBe('13.4%');
    expect(tile('Stickiness').detail).toContain('Feb 2026, the last complete month.');
    expect(tile('Logins, last complete month').value).toBe('24,500');
  });

  it('lists each month with the partial one marked as not complete', async () => {
    renderPage(Engagement, { answers });
    await waitFor(() => expect(card('Active patients each month').querySelector('.state-loading')).toBeNull());
    const { head, rows } = tableOf(card('Active patients each month'));
    expect(head).toEqual(['Period start', 'Complete period', 'Active patients', 'Logins', 'Stickiness (daily / period active)']);
    expect(rows).toEqual([
      ['Jan 2026', 'Yes', '640', '2,100', '12.5%'],
      ['Feb 2026', 'Yes', '12,345', '24,500', '13.4%'],
      ['Mar 2026', 'No', '315', '900', '20%'],
    ]);
  });

  it('adds up events by feature over the dates, leaving out the total row', async () => {
    renderPage(Engagement, { answers });
    const features = () => card('What patients use the portal for');
    await waitFor(() => expect(features().querySelector('.state-loading')).toBeNull());
    // Prescriptions 1,200 + 1,300; appointments 800 + one hidden month. The table words the
    // features as the chart does ("Prescription requested"), not the API's codes.
    const { head, rows } = tableOf(features());
    expect(head).toEqual(['Feature', 'Events']);
    expect(rows).toEqual([
      ['Prescription requested', '2,500'],
      ['Appointment booked', '800'],
    ]);
  });

  // The hidden February cell is left out of the appointments total: the card says so, and that the
  // total is at least the figure shown.
  it('says that a hidden cell was left out of the feature totals', async () => {
    renderPage(Engagement, { answers });
    const features = () => card('What patients use the portal for');
    await waitFor(() => expect(features().querySelector('.state-loading')).toBeNull());
    expect(features().textContent).toContain("1 value hidden to protect patients' privacy");
    expect(features().textContent).toContain('hidden values are not included, so they may be slightly low');
    expect(features().textContent).toContain('each total is at least the figure shown');
  });

  it('shows an empty state when there are no rows, and a clear error when the API fails', async () => {
    renderPage(Engagement, {
      answers: {
        'metrics/active_users': (q: URLSearchParams) => (q.get('by') ? new Failure(500, 'The store is being upgraded; try again in a minute.') : { ...active, rows: [] }),
      },
    });
    const features = () => card('What patients use the portal for');
    await waitFor(() => expect(features().querySelector('[role="alert"]')).not.toBeNull());
    expect(features().textContent).toContain('This could not be loaded. The store is being upgraded; try again in a minute.');
    expect(card('Active patients each month').textContent).toContain('There is no data for these filters.');
    // No complete month to show: the tile says the value is not there, not zero.
    expect(tile('Active patients, last complete month').value).toBe('*');
    expect(screen.getAllByRole('button', { name: 'Try again' }).length).toBeGreaterThan(0);
  });
});
