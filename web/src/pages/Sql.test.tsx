// @vitest-environment happy-dom
/**
 * The SQL workbench page with a known API answer: the editor (CodeMirror) loads, Run sends the
 * statement under the cursor with a query id, the result's rows and count are shown and announced,
 * and a syntax error shows the server's message with its place marked in the editor.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Me } from '../api/types.js';
import { AppContext, type AppState } from '../lib/context.js';
import { indexOrgs } from '../lib/orgs.js';
import Sql from './Sql.js';

const me: Me = { username: 'ana', displayName: null, role: 'analyst', org: 'Q00', orgName: 'Northshire ICB', permissions: ['metrics', 'sql'], via: 'session' };

function state(): AppState {
  const orgs = indexOrgs('Q00', [{ code: 'Q00', name: 'Northshire ICB', type: 'icb', parent: null, children: [] }] as never);
  return { me, orgs, health: null, route: { path: '/sql', query: new URLSearchParams() }, filters: { org: 'Q00' } as AppState['filters'] };
}

const schema = {
  scope: 'Q00',
  tables: [{ name: 'patients', description: 'One row per patient.', columns: [{ name: 'practice_code', type: 'VARCHAR', description: 'Registered practice.' }] }],
};
const examples = { examples: [{ name: 'by_practice', title: 'Patients by practice', description: 'how many per practice.', sql: 'SELECT practice_code, count(*) AS patients FROM patients GROUP BY ALL' }] };

let posted: { sql: string; queryId: string; limit: number }[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };

beforeEach(() => {
  posted = [];
  sessionStorage.clear();
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      if (url === '/api/sql/schema') return json(schema);
      if (url === '/api/sql/examples') return json(examples);
      if (url === '/api/sql/saved') return json({ saved: [] });
      if (url.startsWith('/api/sql/history')) return json({ history: [] });
      if (url === '/api/sql' && init?.method === 'POST') {
        posted.push(JSON.parse(String(init.body)) as (typeof posted)[number]);
        return json(answer.body, answer.status);
      }
      return json({ error: 'not here' }, 404);
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const renderPage = () =>
  render(
    <AppContext.Provider value={state()}>
      <Sql />
    </AppContext.Provider>,
  );

describe('SQL workbench page', () => {
  it('runs the example put in the editor, with a query id, and shows the rows, their count and time', async () => {
    answer = {
      status: 200,
      body: { queryId: 'x', columns: [{ name: 'practice_code', type: 'VARCHAR' }, { name: 'patients', type: 'BIGINT' }], rows: [['P01', 40], ['P02', 30]], rowCount: 2, truncated: false, elapsedMs: 12, scope: 'Q00', dataVersion: '7' },
    };
    renderPage();
    await waitFor(() => expect(document.querySelector('.cm-content')).not.toBeNull(), { timeout: 5000 });
    expect(screen.getByTestId('pseudonymised-note').textContent).toContain('not for publication as they are');
    fireEvent.click(await screen.findByRole('button', { name: 'Patients by practice' }));
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(screen.getByTestId('sql-status').textContent).toBe('2 rows in 12 ms'));
    expect(posted).toHaveLength(1);
    expect(posted[0]!.sql).toBe(examples.examples[0]!.sql);
    expect(posted[0]!.queryId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(screen.getByTestId('sql-announce').textContent).toBe('Query done: 2 rows in 12 ms.');
    const cells = [...screen.getByTestId('result-table').querySelectorAll('tbody td')].map((c) => c.textContent);
    expect(cells).toEqual(['P01', '40', 'P02', '30']);
  });

  it("shows a syntax error with the server's message and marks its place in the editor", async () => {
    sessionStorage.setItem('portal-insights:sql-workbench:ana', 'SELECT count(*) FROM patients WHERE;\nSELECT 1;');
    answer = { status: 400, body: { error: 'Syntax error: syntax error at end of input', code: 'syntax', position: 35 } };
    renderPage();
    await waitFor(() => expect(document.querySelector('.cm-content')).not.toBeNull(), { timeout: 5000 });
    // The cursor is at the start (the first statement): Run sends that statement only, without its ;.
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    const error = await screen.findByTestId('sql-error');
    expect(posted[0]!.sql).toBe('SELECT count(*) FROM patients WHERE');
    expect(error.textContent).toContain('Syntax error');
    expect(error.textContent).toContain('syntax error at end of input');
    // Position 35 of the statement is its end: the word before it is marked.
    await waitFor(() => expect(document.querySelector('.cm-sql-error')?.textContent).toBe('WHERE'));
  });
});
