// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Org } from '../api/types.js';
import { readFilters } from '../lib/filters.js';
import { indexOrgs } from '../lib/orgs.js';
import { FilterBar } from './FilterBar.js';

afterEach(cleanup);

const org = (code: string, name: string, type: Org['type'], parent: string | null, children: string[] = []): Org => ({
  code, name, type, parent, children, eligiblePopulation: null, goLiveDate: null, targetUptakePct: null,
});
const orgs = indexOrgs('ICB1', [org('ICB1', 'Northshire ICB', 'icb', null, ['CCG1']), org('CCG1', 'Riverside CCG', 'ccg', 'ICB1')]);
const START = '/rollout?from=2026-01-01&range=custom&to=2026-02-28';

beforeEach(() => window.history.replaceState(null, '', START));

function bar() {
  const filters = { ...readFilters(new URLSearchParams(window.location.search), new Date(2026, 2, 14)), org: 'ICB1' };
  return render(<FilterBar orgs={orgs} filters={filters} />);
}

describe('the filter bar\'s dates', () => {
  it('refuses a From after the To where it is entered: a message beside the fields, the address unchanged', () => {
    bar();
    const from = screen.getByLabelText('From') as HTMLInputElement;
    fireEvent.change(from, { target: { value: '2026-03-15' } });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toBe('The From date must be on or before the To date (28 Feb 2026). These dates have not been applied.');
    expect(from.getAttribute('aria-invalid')).toBe('true');
    expect(from.getAttribute('aria-describedby')).toBe(alert.id);
    expect(window.location.pathname + window.location.search).toBe(START);
  });

  it('refuses a To before the From the same way', () => {
    bar();
    const to = screen.getByLabelText('To') as HTMLInputElement;
    fireEvent.change(to, { target: { value: '2025-12-01' } });
    expect(screen.getByRole('alert').textContent).toMatch(/^The From date must be on or before the To date \(1 Dec 2025\)/);
    expect(to.getAttribute('aria-invalid')).toBe('true');
    expect(window.location.search).toBe(START.slice('/rollout'.length));
  });

  it('applies good dates to the address, and a corrected range clears the message', () => {
    bar();
    const from = screen.getByLabelText('From') as HTMLInputElement;
    fireEvent.change(from, { target: { value: '2026-03-15' } });
    expect(screen.queryByRole('alert')).not.toBeNull();
    fireEvent.change(screen.getByLabelText('To') as HTMLInputElement, { target: { value: '2026-03-31' } });
    expect(screen.queryByRole('alert')).toBeNull();
    const q = new URLSearchParams(window.location.search);
    expect([q.get('from'), q.get('to'), q.get('range')]).toEqual(['2026-03-15', '2026-03-31', 'custom']);
  });
});
