// @vitest-environment happy-dom
/**
 * The Account page for a known API answer: who you are and what you see, your API tokens (never
 * their secrets) and your open sessions, this browser's marked.
 */
import { screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiToken, SessionInfo } from '../api/types.js';
import Account from './Account.js';
import { Failure, renderPage, resetPage } from './test-support.js';

const tokens: ApiToken[] = [{ id: 3, username: 'ana', label: 'Analysis notebook', createdAt: '2026-02-01T12:00:00Z', lastUsedAt: null }];
const sessions: SessionInfo[] = [
  { id: 's1', username: 'ana', method: 'password', createdAt: '2026-03-14T12:00:00Z', lastSeenAt: '2026-03-14T12:30:00Z', expiresAt: '2026-03-15T12:00:00Z', ip: '10.0.0.4', userAgent: 'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36', current: true },
  { id: 's2', username: 'ana', method: 'oidc', createdAt: '2026-03-12T12:00:00Z', lastSeenAt: '2026-03-12T12:10:00Z', expiresAt: '2026-03-13T12:00:00Z', ip: null, userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Firefox/121.0' },
];
const ana = { me: { username: 'ana', displayName: 'Ana Lyst', role: 'analyst' as const, org: 'C01', orgName: 'Riverside CCG' }, root: 'C01', filters: { org: 'C01' }, path: '/account' };

afterEach(resetPage);

describe('Account page', () => {
  it('says who you are, your role and what you see', () => {
    renderPage(Account, { ...ana, answers: { tokens: { tokens }, sessions: { sessions } } });
    const details = [...screen.getByTestId('my-details').querySelectorAll('dt, dd')].map((e) => e.textContent);
    expect(details).toEqual([
      'Username', 'ana',
      'Name', 'Ana Lyst',
      'Role', 'Analyst: reads metrics and exports them, and uses the SQL console',
      'Organisation', 'Riverside CCG (CCG, C01): you see it and the organisations within it',
    ]);
  });

  it('lists your tokens and your sessions, this browser marked and the others revocable', async () => {
    renderPage(Account, { ...ana, answers: { tokens: { tokens }, sessions: { sessions } } });
    const tokenTable = await screen.findByRole('table', { name: 'Your API tokens' });
    const tokenRow = [...tokenTable.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent))[0]!;
    expect(tokenRow[0]).toBe('Analysis notebook');
    expect(tokenRow[2]).toBe('Never');
    const sessionTable = await screen.findByRole('table', { name: 'Your open sessions' });
    const rows = [...sessionTable.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(rows.map((r) => [r[0], r[4]])).toEqual([
      ['Chrome on Windows', '10.0.0.4'],
      ['Firefox on macOSsingle sign-on', '–'],
    ]);
    expect(rows[0]![5]).toBe('This browser');
    expect(rows[1]![5]).toContain('Revoke');
  });

  it('says plainly when the tokens cannot be loaded', async () => {
    renderPage(Account, { ...ana, answers: { tokens: new Failure(500, 'The account store is locked; try again.'), sessions: { sessions: [] } } });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('This could not be loaded. The account store is locked; try again.'));
    await waitFor(() => expect(screen.getByText('No open sessions.')).toBeTruthy());
  });
});
