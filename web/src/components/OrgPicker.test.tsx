// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Org } from '../api/types.js';
import { indexOrgs } from '../lib/orgs.js';
import { OrgPicker } from './OrgPicker.js';

afterEach(cleanup);

const org = (code: string, name: string, type: Org['type'], parent: string | null, children: string[] = []): Org => ({
  code,
  name,
  type,
  parent,
  children,
  eligiblePopulation: null,
  goLiveDate: null,
  targetUptakePct: null,
});

const orgs = indexOrgs('ICB1', [
  org('ICB1', 'Northshire ICB', 'icb', null, ['CCG1', 'CCG2', 'T1']),
  org('CCG1', 'Riverside CCG', 'ccg', 'ICB1', ['P1', 'P2']),
  org('CCG2', 'Hillside CCG', 'ccg', 'ICB1', ['P3']),
  org('T1', 'Northshire Hospitals Trust', 'trust', 'ICB1'),
  org('P1', 'Abbey Surgery', 'practice', 'CCG1'),
  org('P2', 'Riverside Health Centre', 'practice', 'CCG1'),
  org('P3', 'Hill Top Surgery', 'practice', 'CCG2'),
]);

describe('OrgPicker', () => {
  it('finds organisations by name or code and chooses one', () => {
    const onChange = vi.fn();
    render(<OrgPicker orgs={orgs} value="ICB1" onChange={onChange} />);
    fireEvent.click(screen.getByRole('button', { name: /Organisation Northshire ICB/ }));
    const search = screen.getByLabelText(/Search organisations/);
    fireEvent.input(search, { target: { value: 'riverside' } });
    const options = screen.getAllByRole('button').filter((b) => b.hasAttribute('data-org-option'));
    // The CCG comes before the practice whose name also matches.
    expect(options.map((o) => o.getAttribute('data-org-option'))).toEqual(['CCG1', 'P2']);
    fireEvent.click(options[1]!);
    expect(onChange).toHaveBeenCalledWith('P2');
  });

  it('browses the hierarchy: CCGs and trusts under the ICB, practices under a CCG', () => {
    render(<OrgPicker orgs={orgs} value="ICB1" onChange={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: /Organisation Northshire ICB/ }));
    const visible = () => screen.getAllByRole('button').filter((b) => b.hasAttribute('data-org-option')).map((b) => b.getAttribute('data-org-option'));
    expect(visible()).toEqual(['ICB1', 'CCG2', 'CCG1', 'T1']);
    fireEvent.click(screen.getByRole('button', { name: 'Show organisations in Riverside CCG' }));
    expect(visible()).toEqual(['ICB1', 'CCG2', 'CCG1', 'P1', 'P2', 'T1']);
  });

  it('says when nothing matches', () => {
    render(<OrgPicker orgs={orgs} value="ICB1" onChange={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: /Organisation/ }));
    fireEvent.input(screen.getByLabelText(/Search organisations/), { target: { value: 'zzz' } });
    expect(screen.getByText(/No organisation matches/)).toBeTruthy();
  });

  it('puts the focus back on its button after a choice, by click or by Enter in the search box', () => {
    const onChange = vi.fn();
    const { rerender } = render(<OrgPicker orgs={orgs} value="ICB1" onChange={onChange} />);
    const toggle = screen.getByRole('button', { name: /Organisation Northshire ICB/ });
    fireEvent.click(toggle);
    const option = screen.getAllByRole('button').find((b) => b.getAttribute('data-org-option') === 'CCG1')!;
    option.focus();
    fireEvent.click(option);
    expect(onChange).toHaveBeenCalledWith('CCG1');
    rerender(<OrgPicker orgs={orgs} value="CCG1" onChange={onChange} />);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: /Organisation Riverside CCG/ }));

    fireEvent.click(document.activeElement!);
    const search = screen.getByLabelText(/Search organisations/);
    expect(document.activeElement).toBe(search);
    fireEvent.input(search, { target: { value: 'hill top' } });
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(onChange).toHaveBeenLastCalledWith('P3');
    rerender(<OrgPicker orgs={orgs} value="P3" onChange={onChange} />);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: /Organisation Hill Top Surgery/ }));
  });

  it('takes the focus back when drawn anew just after a choice (the page re-rendered for it)', () => {
    const onChange = vi.fn();
    const first = render(<OrgPicker orgs={orgs} value="ICB1" onChange={onChange} />);
    fireEvent.click(screen.getByRole('button', { name: /Organisation Northshire ICB/ }));
    fireEvent.click(screen.getAllByRole('button').find((b) => b.getAttribute('data-org-option') === 'T1')!);
    first.unmount();
    (document.activeElement as HTMLElement | null)?.blur();
    render(<OrgPicker orgs={orgs} value="T1" onChange={onChange} />);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: /Organisation Northshire Hospitals Trust/ }));
  });

  it('closes when the focus leaves it (Tab out), and on Escape with the focus back on its button', () => {
    render(
      <>
        <OrgPicker orgs={orgs} value="ICB1" onChange={() => {}} />
        <button type="button">Next field</button>
      </>,
    );
    const toggle = screen.getByRole('button', { name: /Organisation Northshire ICB/ });
    fireEvent.click(toggle);
    const search = screen.getByLabelText(/Search organisations/);
    // Moving within the panel keeps it open.
    const option = screen.getAllByRole('button').find((b) => b.getAttribute('data-org-option') === 'ICB1')!;
    fireEvent.focusOut(search, { relatedTarget: option });
    expect(screen.queryByRole('dialog')).not.toBeNull();
    // Tab from the last option to the next field closes it.
    const next = screen.getByRole('button', { name: 'Next field' });
    fireEvent.focusOut(option, { relatedTarget: next });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(toggle.getAttribute('aria-expanded')).toBe('false');

    fireEvent.click(toggle);
    fireEvent.keyDown(screen.getByLabelText(/Search organisations/), { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(toggle);
  });

  it('names its button with everything the button shows, and lists options as list items', () => {
    render(<OrgPicker orgs={orgs} value="CCG1" onChange={() => {}} />);
    const toggle = screen.getByRole('button', { name: 'Organisation Riverside CCG CCG' });
    expect(toggle.textContent).toContain('Riverside CCG');
    fireEvent.click(toggle);
    const list = screen.getByRole('list');
    for (const li of Array.from(list.children)) {
      expect(li.tagName).toBe('LI');
      expect(li.getAttribute('role')).toBeNull();
    }
  });
});

describe('organisation hierarchy helpers', () => {
  it('finds every practice below the ICB, through its CCGs', async () => {
    const { descendantsOf } = await import('../lib/orgs.js');
    expect(descendantsOf(orgs, 'ICB1', 'practice').map((o) => o.code)).toEqual(['P1', 'P3', 'P2']); // by name: Abbey, Hill Top, Riverside
    expect(descendantsOf(orgs, 'ICB1', 'trust').map((o) => o.code)).toEqual(['T1']);
    expect(descendantsOf(orgs, 'CCG2', 'practice').map((o) => o.code)).toEqual(['P3']);
  });
});
