// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Org, User } from '../../api/types.js';
import { indexOrgs } from '../../lib/orgs.js';
import { UsersTable } from './UsersTable.js';

afterEach(cleanup);

const org = (code: string, name: string, type: Org['type'], parent: string | null, children: string[] = []): Org => ({
  code, name, type, parent, children, eligiblePopulation: null, goLiveDate: null, targetUptakePct: null,
});
const orgs = indexOrgs('ICB1', [org('ICB1', 'Northshire ICB', 'icb', null, ['CCG1']), org('CCG1', 'Riverside CCG', 'ccg', 'ICB1')]);

// GET /api/users as the server answers it (server/api/access-routes.ts, UserSchema).
const answer: { users: User[] } = {
  users: [
    { username: 'admin', displayName: 'Ada Min', role: 'admin', org: 'ICB1', source: 'local', disabled: false, createdAt: '2026-01-02T09:00:00Z', lastSignInAt: '2026-03-14T08:30:00Z' },
    { username: 'jo@nhs.net', displayName: null, role: 'cio', org: 'CCG1', source: 'oidc', disabled: false, createdAt: '2026-02-01T09:00:00Z', lastSignInAt: null },
    { username: 'old.user', displayName: null, role: 'commissioner', org: 'GONE1', source: 'local', disabled: true, createdAt: '2025-01-01T09:00:00Z', lastSignInAt: '2025-06-01T12:00:00Z' },
  ],
};

describe('UsersTable', () => {
  it('shows each user with role, organisation by name and code, sign-in source, status and last sign-in', () => {
    render(<UsersTable users={answer.users} orgs={orgs} onManage={() => {}} />);
    const rows = screen.getAllByRole('row').slice(1).map((r) => [...r.children].map((c) => c.textContent));
    expect(rows).toEqual([
      ['adminAda Min', 'Administrator', 'Northshire ICBICB · ICB1', 'Password', 'Active', '14 Mar 2026 at 08:30', 'Manage admin'],
      ['jo@nhs.net', 'CIO', 'Riverside CCGCCG · CCG1', 'Single sign-on', 'Active', 'Never', 'Manage jo@nhs.net'],
      // An organisation no longer in the data is shown by its code.
      ['old.user', 'Commissioner', 'GONE1GONE1', 'Password', 'Disabled', '1 Jun 2025 at 12:00', 'Manage old.user'],
    ]);
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Username', 'Role', 'Organisation', 'Sign-in', 'Status', 'Last signed in', 'Actions']);
  });

  it('opens a user with Manage, and marks the one open', () => {
    const onManage = vi.fn();
    render(<UsersTable users={answer.users} orgs={orgs} selected="jo@nhs.net" onManage={onManage} />);
    fireEvent.click(screen.getByRole('button', { name: 'Manage old.user' }));
    expect(onManage).toHaveBeenCalledWith('old.user');
    const open = screen.getByRole('button', { name: 'Manage jo@nhs.net' });
    expect(open.getAttribute('aria-expanded')).toBe('true');
    expect(open.closest('tr')!.className).toBe('highlight');
    expect(within(open.closest('tr')!).getByRole('rowheader').textContent).toBe('jo@nhs.net');
  });

  it('says so when there are no users', () => {
    render(<UsersTable users={[]} orgs={orgs} onManage={() => {}} />);
    expect(screen.getByText('There are no users yet.')).toBeTruthy();
  });
});
