// @vitest-environment happy-dom
/**
 * The Admin page for a known API answer: the users with role, organisation (named when the admin
 * sees it), sign-in method, status and last sign-in; the user named in the URL opened; a refusal
 * or failure said plainly.
 */
import { screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../api/types.js';
import Admin from './Admin.js';
import { Failure, renderPage, resetPage } from './test-support.js';

const users: User[] = [
  { username: 'ana', displayName: 'Ana Lyst', role: 'analyst', org: 'C01', source: 'local', disabled: false, createdAt: '2026-01-05T12:00:00Z', lastSignInAt: '2026-03-10T12:00:00Z' },
  { username: 'ext', displayName: null, role: 'commissioner', org: 'X99', source: 'oidc', disabled: true, createdAt: '2026-01-05T12:00:00Z', lastSignInAt: null },
];
const admin = { me: { username: 'root', role: 'admin' as const, permissions: ['metrics' as const, 'admin' as const] }, path: '/admin' };

afterEach(resetPage);

describe('Admin page', () => {
  it('lists each user with role, organisation, sign-in method, status and last sign-in', async () => {
    renderPage(Admin, { ...admin, answers: { users: { users } } });
    const table = await screen.findByTestId('users-table');
    expect(screen.getByRole('heading', { name: 'Users (2)' })).toBeTruthy();
    const rows = [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(rows[0]!.slice(0, 5)).toEqual(['anaAna Lyst', 'Analyst', 'Riverside CCGCCG · C01', 'Password', 'Active']);
    expect(rows[0]![5]).toBe('10 Mar 2026 at 12:00');
    // An organisation outside the admin's view is shown by its code.
    expect(rows[1]!.slice(0, 6)).toEqual(['ext', 'Commissioner', 'X99X99', 'Single sign-on', 'Disabled', 'Never']);
  });

  it('says so when the user named in the URL does not exist', async () => {
    renderPage(Admin, { ...admin, query: 'user=nobody', answers: { users: { users } } });
    await screen.findByTestId('users-table');
    expect(screen.getByText('There is no user “nobody”.')).toBeTruthy();
  });

  it('says plainly when the server refuses (403) or fails (500)', async () => {
    renderPage(Admin, { ...admin, answers: { users: new Failure(403, 'Administrators only.') } });
    await waitFor(() => expect(screen.getByTestId('not-available').textContent).toBe('Not available to you. Administrators only.'));
    resetPage();
    renderPage(Admin, { ...admin, answers: { users: new Failure(500, 'The account store is locked; try again.') } });
    expect((await screen.findByRole('alert')).textContent).toContain('This could not be loaded. The account store is locked; try again.');
  });
});
