// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Health, Me, MetricName, MetricResult, OrgsResult } from './api/types.js';
import { clearApiCache, onSessionEnded, signInHref } from './api/client.js';
import { App } from './app.js';
import { PAGES } from './pages/registry.js';

// Typed fixtures in the API's shapes (server/app.ts, server/metrics/catalogue.ts).
const asOf = { latestEventAt: '2026-03-14T18:00:00Z', lastImportAt: '2026-03-15T02:10:00Z', dataVersion: '7' };
const orgs: OrgsResult = {
  asOf,
  root: 'ICB1',
  orgs: [
    { code: 'ICB1', name: 'Northshire ICB', type: 'icb', parent: null, eligiblePopulation: null, goLiveDate: null, targetUptakePct: 35, children: ['CCG1'] },
    { code: 'CCG1', name: 'Riverside CCG', type: 'ccg', parent: 'ICB1', eligiblePopulation: null, goLiveDate: null, targetUptakePct: 35, children: ['P1'] },
    { code: 'P1', name: 'Abbey Surgery', type: 'practice', parent: 'CCG1', eligiblePopulation: 4000, goLiveDate: '2025-06-02', targetUptakePct: 35, children: [] },
  ],
};
const me: Me = { username: 'cio1', displayName: 'Casey Ince', role: 'cio', org: 'ICB1', orgName: 'Northshire ICB', permissions: ['metrics'], via: 'session' };
const health: Health = {
  status: 'ok', asOf, lastSuccess: null, lastFailure: null, lagMinutes: 5, scheduler: null, dataVersion: '7', problems: [],
  latestServedBatch: {
    batchId: '2026-03-15T02-00Z', landedAt: '2026-03-15T02:00:00.000Z', importedAt: '2026-03-15T02:10:03.000Z', servedAt: '2026-03-15T02:10:04.000Z',
    landingToServedSeconds: 604, landingToImportedSeconds: 603, importedToServedSeconds: 1,
  },
  unservedBatches: { count: 0, oldestLandedAt: null, alertAfterMinutes: 30 },
};
const suppression = { rule: 'counts 1–7 suppressed', suppressedCells: 0, complementary: 0 };

function result(metric: MetricName, columns: MetricResult['columns'], rows: MetricResult['rows']): MetricResult {
  return { metric, label: metric, params: {}, asOf, suppression, columns, rows };
}
const date = (name: string) => ({ name, label: name, type: 'date' as const });
const count = (name: string) => ({ name, label: name, type: 'number' as const, unit: 'count' as const });

const metrics: Record<string, MetricResult> = {
  uptake: result('uptake', [date('period_start'), date('period_end'), count('activated'), count('eligible'), { name: 'uptake_pct', label: 'Uptake', type: 'number', unit: 'percent' }], [
    { period_start: '2026-01-01', period_end: '2026-01-31', activated: 1000, eligible: 4000, uptake_pct: 25 },
    { period_start: '2026-02-01', period_end: '2026-02-28', activated: 1100, eligible: 4000, uptake_pct: 27.5 },
    { period_start: '2026-03-01', period_end: '2026-03-14', activated: 1220, eligible: 4000, uptake_pct: 30.5 },
  ]),
  active_users: result('active_users', [date('period_start'), count('active_patients')], [
    { period_start: '2026-02-01', complete: true, active_patients: 640 },
    // 1-14 March: the partial month at the end (the API's `complete` column is false)
    { period_start: '2026-03-01', complete: false, active_patients: 315 },
  ]),
  roi: result('roi', [date('period_start'), { name: 'cumulative_savings_central_gbp', label: 's', type: 'number', unit: 'gbp' }, { name: 'cumulative_cost_gbp', label: 'c', type: 'number', unit: 'gbp' }, { name: 'return_central_ratio', label: 'r', type: 'number', unit: 'ratio' }], [
    { period_start: '2026-02-01', cumulative_savings_central_gbp: 9000, cumulative_cost_gbp: 10000, return_central_ratio: 0.9 },
    { period_start: '2026-03-01', cumulative_savings_central_gbp: 24600, cumulative_cost_gbp: 12000, return_central_ratio: 2.05 },
  ]),
  // The verdict against the target is the rollout metric's (the page does not work it out).
  rollout: result('rollout', [{ name: 'org_code', label: 'org', type: 'string' }, { name: 'uptake_pct', label: 'Uptake', type: 'number', unit: 'percent' }, { name: 'weekly_change_pp', label: 'Trend', type: 'number', unit: 'pp_per_week' }, { name: 'rag', label: 'RAG', type: 'string' }, { name: 'status', label: 'Status', type: 'string' }, { name: 'projected_target_date', label: 'Projected', type: 'date' }], [
    { org_code: 'ICB1', uptake_pct: 30.5, weekly_change_pp: 0.375, rag: 'amber', status: 'on track', projected_target_date: '2026-06-06' },
  ]),
  consent: result('consent', [date('period_start'), { name: 'scope', label: 'scope', type: 'string' }, count('objections_in_force')], [
    // T2 hidden (1-7), T1 with it (complementary suppression); the server's total of every scope: 60.
    { period_start: '2026-03-01', scope: 'ALL', objections_in_force: 40 },
    { period_start: '2026-03-01', scope: 'T1', objections_in_force: null, _suppressed: ['objections_in_force'] },
    { period_start: '2026-03-01', scope: 'T2', objections_in_force: null, _suppressed: ['objections_in_force'] },
    { period_start: '2026-03-01', scope: 'ALL_SCOPES', objections_in_force: 60 },
  ]),
};

let requested: string[] = [];

// The pages are loaded on demand; load (and transform) them once up front, so that a test's
// waiting time is not spent compiling page code on a busy machine.
beforeAll(async () => {
  await Promise.all(PAGES.map((p) => p.load()));
}, 60_000);

beforeEach(() => {
  clearApiCache();
  requested = [];
  window.history.replaceState(null, '', '/');
  vi.stubGlobal('fetch', vi.fn(fixtureFetch));
});

/** The API as the fixtures above: anything else is a 404. */
async function fixtureFetch(input: RequestInfo | URL): Promise<Response> {
  const url = new URL(String(input), 'http://localhost');
  requested.push(url.pathname + url.search);
  const body =
    url.pathname === '/api/me' ? me : url.pathname === '/api/orgs' ? orgs : url.pathname === '/api/health' ? health : metrics[url.pathname.replace('/api/metrics/', '')];
  return new Response(JSON.stringify(body ?? { error: 'not in the fixture' }), { status: body ? 200 : 404 });
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the app shell and the Overview', () => {
  it('puts the headline uptake first, with its target, and says how fresh the data is', async () => {
    render(<App />);
    const hero = await screen.findByTestId('headline-uptake');
    await waitFor(() => expect(hero.querySelector('.tile-value')!.textContent).toBe('30.5%'));
    // The rollout metric rates it amber (30.5% is 87% of a 35% target): close to target, with its date and trend.
    await waitFor(() => expect(hero.textContent).toContain('Close to target'));
    expect(hero.textContent).toContain('+0.375 percentage points a week');
    expect(hero.textContent).toContain('6 Jun 2026');
    expect(hero.textContent).toContain('1,220 of 4,000 eligible patients');
    expect(screen.getByTestId('freshness').textContent).toContain('Data as of 14 Mar 2026');
  });

  it('says, once the import health has come, how long the latest batch took from landing to being served', async () => {
    render(<App />);
    // The Overview asks for the health a moment after its own data (HEALTH_DELAY_MS).
    const lag = await screen.findByTestId('serving-lag', {}, { timeout: 5000 });
    expect(lag.textContent).toBe('Latest batch served 10 minutes after landing');
    expect(screen.getByTestId('freshness').contains(lag)).toBe(true);
  });

  it('counts active patients in the last complete month, and says which, not in the 14 days of March', async () => {
    render(<App />);
    const tile = await screen.findByTestId('headline-active');
    await waitFor(() => expect(tile.querySelector('.tile-value')!.textContent).toBe('640'));
    expect(tile.textContent).toContain('last complete month');
    expect(tile.textContent).toContain('Feb 2026');
  });

  it('shows savings against cost, the server\'s return and its total of objections of every scope', async () => {
    render(<App />);
    await waitFor(() => expect(screen.getByTestId('headline-savings').textContent).toContain('£24.6k'));
    // The roi metric's return: 24,600 / 12,000 = 2.05 × the cost.
    expect(screen.getByTestId('headline-savings').textContent).toContain('2.05 × the cost');
    // The consent metric's total of every scope (not 40 + 15 visible added up here: "at least 55").
    await waitFor(() => expect(screen.getByTestId('headline-objections').querySelector('.tile-value')!.textContent).toBe('60'));
  });

  it('asks the API for the last 12 months to the day of the latest data, by month', async () => {
    render(<App />);
    await screen.findByTestId('headline-uptake');
    await waitFor(() => expect(requested.some((u) => u.startsWith('/api/metrics/uptake'))).toBe(true));
    const uptake = new URL(requested.find((u) => u.startsWith('/api/metrics/uptake'))!, 'http://x').searchParams;
    expect(Object.fromEntries(uptake)).toEqual({ org: 'ICB1', from: '2025-04-01', to: '2026-03-14', grain: 'month' });
  });

  it('writes a changed date range to the URL and asks again with it', async () => {
    render(<App />);
    await screen.findByTestId('headline-uptake');
    fireEvent.change(screen.getByLabelText('Dates'), { target: { value: '3m' } });
    expect(window.location.search).toBe('?range=3m');
    await waitFor(() => expect(requested.some((u) => u.includes('from=2026-01-01') && u.includes('grain=week'))).toBe(true));
  });
});

describe('when the server has a problem', () => {
  it('says so in plain words, with the reason, and offers to try again', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: 'The store is being upgraded; try again in a minute.' }), { status: 503 })));
    render(<App />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('This could not be loaded.');
    expect(alert.textContent).toContain('The store is being upgraded; try again in a minute.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});

describe('Data & consent: import runs', () => {
  const runs = {
    runs: [
      {
        runId: 'r2', batchId: '2026-03-15T02-00Z', trigger: 'schedule', startedAt: '2026-03-15T02:10:00Z', finishedAt: '2026-03-15T02:10:04Z',
        durationMs: 4_250, status: 'failed', error: 'usage_events.csv: column event_type is missing', counts: { rowsIn: 0, loaded: 0, duplicates: 0, quarantined: 0, withheld: 0 }, files: [],
      },
      {
        runId: 'r1', batchId: '2026-03-14T02-00Z', trigger: 'schedule', startedAt: '2026-03-14T02:10:00Z', finishedAt: '2026-03-14T02:10:12Z',
        durationMs: 12_340, status: 'succeeded', error: null, counts: { rowsIn: 12_920, loaded: 12_773, duplicates: 1, quarantined: 13, withheld: 133 }, files: [],
      },
    ],
  };

  it('lists each batch with its outcome and what happened to its rows', async () => {
    vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo | URL) => (String(input).startsWith('/api/import-runs') ? new Response(JSON.stringify(runs)) : fixtureFetch(input))));
    window.history.replaceState(null, '', '/data');
    render(<App />);
    const card = await screen.findByRole('region', { name: /^Import runs: the latest 50 batches imported$/ }, { timeout: 5000 });
    await waitFor(() => expect(card.querySelectorAll('tbody tr')).toHaveLength(2));
    const [failed, ok] = [...card.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(failed).toContain('Failed: usage_events.csv: column event_type is missing');
    // 12,340 ms = 12.3 s; rows: 12,920 in, 12,773 loaded, 1 duplicate, 13 quarantined, 133 withheld.
    expect(ok).toEqual(['2026-03-14 02:10', '2026-03-14T02-00Z', 'Succeeded', '12.3', '12,920', '12,773', '1', '13', '133', 'scheduled']);
  });

  it('falls back to the batches the quarantine names when the server has no import-runs route', async () => {
    window.history.replaceState(null, '', '/data');
    render(<App />);
    // The fixture answers 404 for /api/import-runs (and for data_quality: the card says so).
    const card = await screen.findByRole('region', { name: /^Import runs$/ }, { timeout: 5000 });
    await waitFor(() => expect(card.querySelector('.state-loading')).toBeNull());
    expect(card.textContent).not.toContain('Import runs: the latest');
  });
});


describe('who is signed in', () => {
  it('shows the name, role and organisation, and leaves admin pages out of the navigation of other roles', async () => {
    render(<App />);
    const bar = await screen.findByTestId('account-bar');
    expect(bar.textContent).toContain('Casey Ince');
    expect(bar.textContent).toContain('CIO · Northshire ICB');
    const nav = [...document.querySelectorAll('.site-nav a')].map((a) => a.textContent);
    expect(nav).not.toContain('Admin');
    expect(nav).not.toContain('Audit');
    expect(nav).toContain('Overview');
  });

  it('says plainly that the Admin page is not for their role, without loading it', async () => {
    window.history.replaceState(null, '', '/admin');
    render(<App />);
    const refusal = await screen.findByTestId('not-allowed');
    expect(refusal.textContent).toContain('for administrators only');
    expect(refusal.textContent).toContain('CIO');
    expect(requested.some((u) => u.startsWith('/api/users'))).toBe(false);
  });

  it('goes to the sign-in page, coming back here, when the server says the session has ended', async () => {
    const ended = vi.fn();
    onSessionEnded(ended);
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: RequestInfo | URL) => (String(input).startsWith('/api/metrics/') ? new Response(JSON.stringify({ error: 'Sign in first' }), { status: 401 }) : fixtureFetch(input))),
    );
    window.history.replaceState(null, '', '/?range=3m');
    render(<App />);
    await waitFor(() => expect(ended).toHaveBeenCalledTimes(1));
    expect(signInHref('expired')).toBe('/signin?next=%2F%3Frange%3D3m&error=expired');
  });
});
