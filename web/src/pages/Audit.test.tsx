// @vitest-environment happy-dom
/**
 * The Audit page for a known API answer: the records newest first, worded (action, outcome, who
 * with role and organisation, what was asked), the filters sent as the query, and a date the
 * server refuses shown at its field.
 */
import { fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../api/types.js';
import Audit from './Audit.js';
import { Failure, renderPage, resetPage } from './test-support.js';

const records: AuditRecord[] = [
  { id: 2, at: '2026-03-14T18:00:05.123Z', username: 'ana', role: 'analyst', userOrg: 'C01', action: 'metric_read', method: 'GET', route: '/api/metrics/uptake', params: '{"org":"C01","grain":"month"}', org: 'C01', rowCount: 12345, status: 200, outcome: 'ok', ip: '10.0.0.4', detail: null },
  { id: 1, at: '2026-03-14T17:59:00Z', username: null, role: null, userOrg: null, action: 'sign_in', method: 'POST', route: '/api/session', params: null, org: null, rowCount: null, status: 401, outcome: 'denied', ip: '10.0.0.9', detail: 'wrong password for ana' },
];
const admin = { me: { username: 'root', role: 'admin' as const }, path: '/audit' };

afterEach(resetPage);

describe('Audit page', () => {
  it('lists the records newest first, in words, with their count', async () => {
    renderPage(Audit, { ...admin, answers: { audit: { records } } });
    const table = await screen.findByTestId('audit-table');
    const rows = [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(rows).toEqual([
      ['14 Mar 2026 18:00:05', 'anaAnalyst · C01', 'Metric read', 'GET /api/metrics/uptakeorg=C01 grain=monthorganisation C01', 'DoneHTTP 200', '12,345', '10.0.0.4'],
      ['14 Mar 2026 17:59:00', 'not signed in', 'Sign-in', 'POST /api/sessionwrong password for ana', 'RefusedHTTP 401', '', '10.0.0.9'],
    ]);
    expect(screen.getByText('2 records, newest first.')).toBeTruthy();
  });

  it('asks again with the filters chosen, and says when nothing matches', async () => {
    const page = renderPage(Audit, { ...admin, answers: { audit: (q: URLSearchParams) => (q.get('username') ? { records: [] } : { records }) } });
    await screen.findByTestId('audit-table');
    fireEvent.input(screen.getByLabelText('Username'), { target: { value: 'zed' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(screen.getByText('No records match these filters.')).toBeTruthy());
    expect(page.queriesTo('audit').at(-1)).toEqual({ username: 'zed', limit: '200' });
    expect(screen.queryByTestId('audit-table')).toBeNull();
  });

  it('shows a date the server refuses at its field, and any other failure as an error', async () => {
    renderPage(Audit, { ...admin, answers: { audit: (q: URLSearchParams) => (q.get('from') ? new Failure(400, 'from: 2030-01-01 is after the latest record', 'from') : { records }) } });
    await screen.findByTestId('audit-table');
    fireEvent.input(screen.getByLabelText('From'), { target: { value: '2030-01-01' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(document.querySelector('.form-group-error')?.textContent).toContain('from: 2030-01-01 is after the latest record'));
    expect(document.querySelector('.form-group-error label')!.textContent).toBe('From');
    expect(screen.queryByText(/This could not be loaded/)).toBeNull();
    resetPage();
    renderPage(Audit, { ...admin, answers: { audit: new Failure(500, 'The audit store is locked; try again.') } });
    expect((await screen.findByRole('alert')).textContent).toContain('This could not be loaded. The audit store is locked; try again.');
  });
});
