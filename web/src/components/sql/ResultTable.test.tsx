// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cell, ResultColumn } from '../../api/sql.js';
import { ResultTable } from './ResultTable.js';

afterEach(cleanup);

// A known answer of POST /api/sql: columns with DuckDB types, rows as arrays in column order.
const columns: ResultColumn[] = [
  { name: 'practice_code', type: 'VARCHAR' },
  { name: 'patients', type: 'BIGINT' },
  { name: 'uptake_pct', type: 'DOUBLE' },
  { name: 'go_live', type: 'DATE' },
];
const rows: Cell[][] = [
  ['P01', 40, 16, '2026-01-05'],
  ['P02', '9007199254740993', 5.5, null],
];

const bodyRows = () => within(screen.getByRole('table')).getAllByRole('row').filter((r) => r.getAttribute('aria-rowindex') !== '1' && !r.classList.contains('spacer'));

describe('ResultTable', () => {
  it('shows the columns with their types and the rows in column order, NULL for null, numbers on the right', () => {
    render(<ResultTable columns={columns} rows={rows} caption="Result: 2 rows" />);
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Row#', 'practice_codeVARCHAR', 'patientsBIGINT', 'uptake_pctDOUBLE', 'go_liveDATE']);
    const [first, second] = bodyRows();
    expect([...first!.querySelectorAll('th, td')].map((c) => c.textContent)).toEqual(['1', 'P01', '40', '16', '2026-01-05']);
    // A big integer stays exact (the server sends it as text); null is NULL.
    expect([...second!.querySelectorAll('td')].map((c) => c.textContent)).toEqual(['P02', '9007199254740993', '5.5', 'NULL']);
    expect(second!.querySelectorAll('td')[1]!.className).toBe('num');
    expect(second!.querySelectorAll('td')[3]!.className).toBe('null');
    expect(screen.getByRole('table').getAttribute('aria-rowcount')).toBe('3');
    expect(screen.getByRole('region', { name: 'Result: 2 rows' })).toBeTruthy();
  });

  it('keeps the page small at 10,000 rows: only the rows in view are drawn, and scrolling draws the others', async () => {
    const many: Cell[][] = Array.from({ length: 10_000 }, (_, i) => [`P${i + 1}`, i, i / 10, '2026-01-01']);
    const t = performance.now();
    render(<ResultTable columns={columns} rows={many} caption="Result: 10,000 rows" rowHeight={30} fallbackHeight={420} overscan={10} />);
    const renderMs = performance.now() - t;
    // 420 px / 30 px = 14 rows in view, and 10 beyond: 24 rows, not 10,000.
    expect(bodyRows().length).toBeLessThanOrEqual(40);
    expect(document.querySelectorAll('td').length).toBeLessThan(200);
    expect(bodyRows()[0]!.querySelector('td')!.textContent).toBe('P1');
    expect(renderMs).toBeLessThan(1000);
    // The spacer keeps the scroll height of every row.
    const spacer = document.querySelector('tr.spacer') as HTMLElement;
    expect(parseInt(spacer.style.height, 10)).toBeGreaterThan(9_000 * 30);

    const box = screen.getByTestId('result-table');
    box.scrollTop = 5_000 * 30;
    await act(async () => {
      fireEvent.scroll(box);
      await new Promise((r) => setTimeout(r, 50));
    });
    const shown = bodyRows().map((r) => r.querySelector('td')!.textContent);
    expect(shown).toContain('P5001');
    expect(shown).not.toContain('P1');
    expect(bodyRows().length).toBeLessThanOrEqual(40);
    expect(bodyRows().find((r) => r.querySelector('td')!.textContent === 'P5001')!.getAttribute('aria-rowindex')).toBe('5002');
  });
});
