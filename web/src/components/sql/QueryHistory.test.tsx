// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HistoryItem } from '../../api/sql.js';
import { QueryHistory } from './QueryHistory.js';

afterEach(cleanup);

// A known answer of GET /api/sql/history.
const history: HistoryItem[] = [
  { at: '2026-12-04T18:59:12.000Z', action: 'sql_query', sql: '-- how many\nSELECT count(*) FROM patients', outcome: 'ok', status: 200, rows: 1, elapsedMs: 42, error: null },
  { at: '2026-12-04T18:58:00.000Z', action: 'sql_query', sql: 'SELECT count(*) FROM range(1000000000000)', outcome: 'failed', status: 409, rows: null, elapsedMs: null, error: 'The query was cancelled.' },
  { at: '2026-12-04T18:57:00.000Z', action: 'sql_export', sql: 'SELECT * FROM patients', outcome: 'ok', status: 200, rows: 23_000, elapsedMs: 2_400, error: null },
];

describe('QueryHistory', () => {
  it('lists each query by its first line of code, with when, what became of it, rows and time; pressing one opens its SQL', () => {
    const onOpen = vi.fn();
    render(<QueryHistory history={history} error={null} onOpen={onOpen} />);
    const items = screen.getAllByRole('listitem').map((li) => li.textContent);
    expect(items).toEqual([
      'SELECT count(*) FROM patients4 Dec 18:59 · query done · 1 row · 42 ms',
      'SELECT count(*) FROM range(1000000000000)4 Dec 18:58 · query cancelled',
      'SELECT * FROM patients4 Dec 18:57 · download done · 23,000 rows · 2.4 s',
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'SELECT count(*) FROM patients' }));
    expect(onOpen).toHaveBeenCalledWith('-- how many\nSELECT count(*) FROM patients');
  });
});
