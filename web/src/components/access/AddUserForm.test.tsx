// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Org, User } from '../../api/types.js';
import { indexOrgs } from '../../lib/orgs.js';
import { AddUserForm } from './AddUserForm.js';

const org = (code: string, name: string, type: Org['type'], parent: string | null, children: string[] = []): Org => ({
  code, name, type, parent, children, eligiblePopulation: null, goLiveDate: null, targetUptakePct: null,
});
const orgs = indexOrgs('ICB1', [
  org('ICB1', 'Northshire ICB', 'icb', null, ['CCG1']),
  org('CCG1', 'Riverside CCG', 'ccg', 'ICB1', ['P1']),
  org('P1', 'Abbey Surgery', 'practice', 'CCG1'),
]);

const added: User = { username: 'new.cio', displayName: 'Nia Cio', role: 'cio', org: 'CCG1', source: 'local', disabled: false, createdAt: '2026-03-14T10:00:00Z', lastSignInAt: null };

let requests: Array<{ method: string; url: string; body: unknown }>;
/** The server's answer to POST /api/users for this test. */
let answer: { status: number; body: unknown };

beforeEach(() => {
  requests = [];
  answer = { status: 201, body: { user: added, password: 'Gen3ratedPassw0rdXyz' } };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      requests.push({ method: init?.method ?? 'GET', url: String(input), body: init?.body ? JSON.parse(String(init.body)) : undefined });
      return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function fill(label: string | RegExp, value: string) {
  fireEvent.input(screen.getByLabelText(label), { target: { value } });
}
function chooseOrg(query: string) {
  fireEvent.click(screen.getByRole('button', { name: /^Organisation/ }));
  fill('Search organisations by name or code', query);
  fireEvent.keyDown(screen.getByLabelText('Search organisations by name or code'), { key: 'Enter' });
}

describe('AddUserForm', () => {
  it('adds a user with the fields given and shows the generated password once', async () => {
    const onAdded = vi.fn();
    render(<AddUserForm orgs={orgs} onAdded={onAdded} />);
    fill('Username', 'New.CIO');
    fill('Name (optional)', 'Nia Cio');
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'cio' } });
    chooseOrg('Riverside');
    expect(screen.getByRole('button', { name: /^Organisation/ }).textContent).toContain('Riverside CCG');
    fireEvent.submit(screen.getByTestId('add-user-form'));
    const secret = await screen.findByTestId('one-time-secret');
    expect(requests).toEqual([{ method: 'POST', url: '/api/users', body: { username: 'New.CIO', role: 'cio', org: 'CCG1', displayName: 'Nia Cio' } }]);
    expect(secret.querySelector('code')!.textContent).toBe('Gen3ratedPassw0rdXyz');
    expect(secret.textContent).toContain('new.cio has been added');
    expect(secret.textContent).toContain('shown only this once');
    expect(secret.getAttribute('role')).toBe('status'); // announced, and focused in a browser (test/e2e)
    expect(onAdded).toHaveBeenCalledWith(added);
    // The form is empty again for the next user.
    expect((screen.getByLabelText('Username') as HTMLInputElement).value).toBe('');
  });

  it('says what is missing next to the field, and moves the focus there, without asking the server', () => {
    render(<AddUserForm orgs={orgs} />);
    fill('Username', 'someone');
    fireEvent.submit(screen.getByTestId('add-user-form'));
    const role = screen.getByLabelText('Role');
    expect(document.activeElement).toBe(role);
    expect(role.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(role.getAttribute('aria-describedby')!.split(' ').pop()!)!.textContent).toBe('Error: Choose a role.');
    fireEvent.change(role, { target: { value: 'analyst' } });
    fireEvent.submit(screen.getByTestId('add-user-form'));
    expect(screen.getByText(/Choose the organisation the user belongs to/)).toBeTruthy();
    expect(requests).toEqual([]);
  });

  it("shows the server's message next to the field it is about", async () => {
    render(<AddUserForm orgs={orgs} />);
    fill('Username', 'admin');
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'admin' } });
    chooseOrg('ICB1');
    fill('Password (optional)', 'short');
    answer = { status: 400, body: { error: 'A password needs at least 12 characters.' } };
    fireEvent.submit(screen.getByTestId('add-user-form'));
    await waitFor(() => expect(screen.getByLabelText('Password (optional)').getAttribute('aria-invalid')).toBe('true'));
    expect(requests[0]!.body).toEqual({ username: 'admin', role: 'admin', org: 'ICB1', password: 'short' });
    expect(document.activeElement).toBe(screen.getByLabelText('Password (optional)'));
    expect(screen.getByText('A password needs at least 12 characters.')).toBeTruthy();

    answer = { status: 409, body: { error: "A user 'admin' already exists." } };
    fill('Password (optional)', 'a-long-enough-password');
    fireEvent.submit(screen.getByTestId('add-user-form'));
    await waitFor(() => expect(screen.getByLabelText('Username').getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByText("A user 'admin' already exists.")).toBeTruthy();
    expect(screen.getByLabelText('Password (optional)').getAttribute('aria-invalid')).toBeNull();
    expect(screen.queryByTestId('one-time-secret')).toBeNull();
  });
});
