// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Column, Row } from '../api/types.js';
import { DataTable, sortFromParam, sortParam } from './DataTable.js';

afterEach(cleanup);

const columns: Column[] = [
  { name: 'org_name', label: 'Organisation', type: 'string' },
  { name: 'activated', label: 'Activated', type: 'number', unit: 'count' },
  { name: 'uptake_pct', label: 'Uptake', type: 'number', unit: 'percent' },
];
const rows: Row[] = [
  { org_code: 'P1', org_name: 'Abbey Surgery', activated: 1520, uptake_pct: 30.4 },
  { org_code: 'P2', org_name: 'Brook Practice', activated: null, uptake_pct: null, _suppressed: ['activated', 'uptake_pct'] },
  { org_code: 'P3', org_name: 'Castle Medical', activated: 2890, uptake_pct: 41.25 },
];

const bodyRows = () => within(screen.getByRole('table')).getAllByRole('row').slice(1);
const firstCells = () => bodyRows().map((r) => r.querySelector('th')?.textContent);

describe('DataTable', () => {
  it('formats numbers by unit and shows hidden cells as * with the reason', () => {
    render(<DataTable caption="Uptake by practice" columns={columns} rows={rows} />);
    const [abbey, brook] = bodyRows();
    expect(abbey!.textContent).toContain('1,520');
    expect(abbey!.textContent).toContain('30.4%');
    const stars = within(brook!).getAllByText('*');
    expect(stars).toHaveLength(2);
    expect(stars[0]!.getAttribute('title')).toMatch(/1 to 7/);
  });

  it('sorts by a column when its header is pressed, keeping hidden values last', () => {
    render(<DataTable caption="Uptake by practice" columns={columns} rows={rows} />);
    fireEvent.click(screen.getByRole('button', { name: /Uptake/ }));
    // Numbers sort high to low first.
    expect(firstCells()).toEqual(['Castle Medical', 'Abbey Surgery', 'Brook Practice']);
    expect(screen.getByRole('columnheader', { name: /Uptake/ }).getAttribute('aria-sort')).toBe('descending');
    fireEvent.click(screen.getByRole('button', { name: /Uptake/ }));
    expect(firstCells()).toEqual(['Abbey Surgery', 'Castle Medical', 'Brook Practice']);
  });

  it('offers a keyboard-reachable drill-down on each row', () => {
    const onRowSelect = vi.fn();
    render(<DataTable caption="t" columns={columns} rows={rows} onRowSelect={onRowSelect} />);
    fireEvent.click(screen.getByRole('button', { name: 'Castle Medical' }));
    expect(onRowSelect).toHaveBeenCalledWith(rows[2]);
  });

  it('shows the first rows of a long table and the rest on request', () => {
    const many: Row[] = Array.from({ length: 130 }, (_, i) => ({ org_name: `Practice ${i + 1}`, activated: i, uptake_pct: i / 10 }));
    render(<DataTable caption="t" columns={columns} rows={many} pageSize={100} />);
    expect(bodyRows()).toHaveLength(100);
    fireEvent.click(screen.getByRole('button', { name: 'Show all 130 rows' }));
    expect(bodyRows()).toHaveLength(130);
  });

  it('tells of each change of sort, and starts from a sort kept in the URL (a reload keeps it)', () => {
    const changes: string[] = [];
    render(<DataTable caption="Uptake by practice" columns={columns} rows={rows} onSortChange={(s) => changes.push(sortParam(s))} />);
    fireEvent.click(screen.getByRole('button', { name: /Uptake/ }));
    fireEvent.click(screen.getByRole('button', { name: /Uptake/ }));
    expect(changes).toEqual(['-uptake_pct', 'uptake_pct']);
    cleanup();
    // As after a reload of ?sort=org_name... and of ?sort=-activated.
    render(<DataTable caption="Uptake by practice" columns={columns} rows={rows} initialSort={sortFromParam('-activated')} />);
    expect(firstCells()).toEqual(['Castle Medical', 'Abbey Surgery', 'Brook Practice']);
    expect(screen.getByRole('columnheader', { name: /Activated/ }).getAttribute('aria-sort')).toBe('descending');
    expect(sortFromParam('org_name')).toEqual({ column: 'org_name', direction: 'ascending' });
    expect(sortFromParam('x;y')).toBeUndefined();
    expect(sortFromParam(null)).toBeUndefined();
  });

  it('words the codes of the columns it is told to as the charts do (the CSV keeps the codes)', () => {
    const channel: Column[] = [
      { name: 'breakdown', label: 'Channel', type: 'string' },
      { name: 'invited', label: 'Invited', type: 'number', unit: 'count' },
    ];
    const codes: Row[] = [
      { breakdown: 'All', invited: 10 },
      { breakdown: 'sms', invited: 8 },
      { breakdown: 'prescription_requested', invited: null, _suppressed: ['invited'] },
    ];
    render(<DataTable caption="By channel" columns={channel} rows={codes} labelled={['breakdown']} />);
    expect(firstCells()).toEqual(['All', 'SMS', 'Prescription requested']);
    cleanup();
    render(<DataTable caption="By channel" columns={channel} rows={codes} />);
    expect(firstCells()).toEqual(['All', 'sms', 'prescription_requested']);
  });
});
