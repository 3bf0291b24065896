// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Loadable } from '../api/hooks.js';
import { ChartCard, type TableData } from './ChartCard.js';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const data: TableData = {
  columns: [
    { name: 'period_start', label: 'Month', type: 'date' },
    { name: 'active_patients', label: 'Active patients', type: 'number', unit: 'count' },
  ],
  rows: [
    { period_start: '2026-01-01', active_patients: 4210 },
    { period_start: '2026-02-01', active_patients: null, _suppressed: ['active_patients'] },
  ],
  suppression: { rule: 'counts 1-7 suppressed; others rounded to 5', suppressedCells: 1, complementary: 0 },
  grain: 'month',
};

const ready = (d: TableData): Loadable<TableData> => ({ status: 'ready', data: d });

describe('ChartCard', () => {
  it('says it is loading, then what went wrong', () => {
    const { rerender } = render(<ChartCard title="Active patients each month" data={{ status: 'loading' }} />);
    expect(screen.getByRole('status').textContent).toMatch(/Loading active patients each month/);
    rerender(<ChartCard title="Active patients each month" data={{ status: 'error', error: new Error('org: unknown code X9') }} />);
    expect(screen.getByRole('alert').textContent).toContain('org: unknown code X9');
  });

  it('explains an empty result', () => {
    render(<ChartCard title="Active patients each month" data={ready({ ...data, rows: [] })} />);
    expect(screen.getByText(/no data for these filters/)).toBeTruthy();
    expect((screen.getByRole('button', { name: /Download CSV/ }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('has a table view with periods labelled by grain and hidden values explained', () => {
    render(<ChartCard title="Active patients each month" data={ready(data)} chart={() => document.createElementNS('http://www.w3.org/2000/svg', 'svg')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Table' }));
    expect(screen.getByRole('table')).toBeTruthy();
    expect(screen.getByText('Jan 2026')).toBeTruthy();
    expect(screen.getByText('4,210')).toBeTruthy();
    expect(screen.getByText(/1 value hidden to protect patients' privacy/)).toBeTruthy();
    expect(screen.getByText(/Counts from 1 to 7 are shown as/)).toBeTruthy();
  });

  it('downloads the rows as CSV', async () => {
    let blob: Blob | null = null;
    URL.createObjectURL = vi.fn((b: Blob) => {
      blob = b;
      return 'blob:csv';
    }) as typeof URL.createObjectURL;
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    render(<ChartCard title="Active patients each month" data={ready(data)} />);
    fireEvent.click(screen.getByRole('button', { name: /Download CSV/ }));
    expect(click).toHaveBeenCalledTimes(1);
    const text = await blob!.text();
    expect(text.replace(/^\ufeff/, '')).toBe('Month,Active patients (count)\r\n2026-01-01,4210\r\n2026-02-01,*\r\n');
  });
});
