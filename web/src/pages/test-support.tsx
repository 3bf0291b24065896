/**
 * Component tests of the dashboard pages with a known API answer: hand-written metric results
 * built from the metric catalogue (a renamed column does not compile), a small region of
 * organisations, and a fetch stub that answers by URL path. Used by web/src/pages/*.test.tsx.
 */
import { cleanup, fireEvent, render, within } from '@testing-library/preact';
import type { ComponentType } from 'preact';
import { vi } from 'vitest';
import { METRICS, type ColumnSpec } from '../../../server/metrics/catalogue-data.js';
import { clearApiCache } from '../api/client.js';
import type { ColumnName, Column, Health, Me, MetricName, MetricResult, Org } from '../api/types.js';
import { AppContext, type AppState } from '../lib/context.js';
import { COLUMNS } from '../lib/metric.js';
import type { Filters } from '../lib/filters.js';
import { indexOrgs } from '../lib/orgs.js';

// The dashboard shows instants in the reader's time zone; the programme's readers are in the UK, so
// the tests read times as they would, whatever the zone of the machine running them.
vi.stubEnv('TZ', 'Europe/London');

const asOf = { latestEventAt: '2026-03-14T18:00:00Z', lastImportAt: '2026-03-15T02:10:00Z', dataVersion: '7', programmeStart: '2025-06-01' };

const org = (code: string, name: string, type: Org['type'], parent: string | null, children: string[], extra: Partial<Org> = {}): Org => ({
  code,
  name,
  type,
  parent,
  children,
  eligiblePopulation: null,
  goLiveDate: null,
  targetUptakePct: 35,
  ...extra,
});

/**
 * A small region: Northshire ICB (Q00) with two CCGs (Riverside C01: two practices; Hillside C02:
 * one practice) and an acute trust (T01) directly under the ICB.
 */
const REGION: Org[] = [
  org('Q00', 'Northshire ICB', 'icb', null, ['C01', 'C02', 'T01']),
  org('C01', 'Riverside CCG', 'ccg', 'Q00', ['P01', 'P02']),
  org('C02', 'Hillside CCG', 'ccg', 'Q00', ['P03']),
  org('P01', 'Abbey Surgery', 'practice', 'C01', [], { eligiblePopulation: 4000, goLiveDate: '2025-06-02' }),
  org('P02', 'Brook Medical Centre', 'practice', 'C01', [], { eligiblePopulation: 6000, goLiveDate: '2025-09-01' }),
  org('P03', 'Castle Practice', 'practice', 'C02', [], { eligiblePopulation: 3000, goLiveDate: null }),
  org('T01', 'Northshire Hospitals NHS Trust', 'trust', 'Q00', [], { targetUptakePct: null }),
];

/** The last 12 months to the day of the latest data, by month (the shell's default filters). */
const FILTERS: AppState['filters'] = { org: 'Q00', range: '12m', from: '2025-04-01', to: '2026-03-14', grain: 'month', grainChosen: false, programmeStart: asOf.programmeStart };

const ME: Me = { username: 'cio1', displayName: 'Casey Ince', role: 'cio', org: 'Q00', orgName: 'Northshire ICB', permissions: ['metrics'], via: 'session' };

type Cell = string | number | boolean | null;
/** A row of metric M: only the catalogue's column names (plus the cells hidden by the small-number rule). */
type MetricRow<M extends MetricName> = { [C in ColumnName<M>]?: Cell } & { _suppressed?: ColumnName<M>[] };

/**
 * A metric result as the API sends it: the named columns with the catalogue's labels, types and
 * units, and these rows. `suppressedCells` is counted from the rows.
 */
export function metric<M extends MetricName>(name: M, columns: readonly ColumnName<M>[], rows: MetricRow<M>[], extra: Record<string, unknown> = {}): MetricResult<M> {
  const specs = METRICS[name].columns as Record<string, ColumnSpec>;
  const cols: Column[] = columns.map((c) => {
    const spec = specs[c]!;
    return { name: c, label: spec.label, type: spec.type ?? 'number', ...(spec.unit ? { unit: spec.unit } : {}) };
  });
  const suppressedCells = rows.reduce((n, r) => n + (r._suppressed?.length ?? 0), 0);
  return {
    metric: name,
    label: METRICS[name].label,
    params: {},
    asOf,
    suppression: { rule: 'counts 1–7 suppressed; others rounded to 5', suppressedCells, complementary: 0 },
    columns: cols,
    rows,
    ...extra,
  };
}

/** An API answer that is not a success (the body is the server's `{ error }`, with the `parameter` it blames if any). */
export class Failure {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly parameter?: string,
  ) {}
}

/** An answer for a path: a body, a failure, or one chosen by the request's query (e.g. `by=channel`). */
type Answer = unknown | Failure | ((query: URLSearchParams) => unknown);

export interface PageSetup {
  /** Answers by path after `/api/`: `metrics/uptake`, `savings-model`, `import-runs`… Anything else is a 404. */
  answers?: Record<string, Answer>;
  filters?: Partial<AppState['filters']>;
  health?: Health | null;
  me?: Partial<Me>;
  /** The organisation the reader sees from (default: the ICB, the whole region). */
  root?: string;
  path?: string;
  /** The URL's query (e.g. `user=ana` on the Admin page). */
  query?: string;
}

export interface RenderedPage {
  /** Every URL the page asked for (path and query). */
  requested: string[];
  /** The query parameters of the request(s) to a path, e.g. `metrics/funnel`. */
  queriesTo: (path: string) => Record<string, string>[];
}

const HEALTH: Health = {
  status: 'ok', asOf, lastSuccess: null, lastFailure: null, lagMinutes: 5, scheduler: null, dataVersion: '7', problems: [],
  latestServedBatch: null, unservedBatches: { count: 0, oldestLandedAt: null, alertAfterMinutes: 30 },
};

/** Renders a page as the shell does: in AppContext, with fetch answering from `answers`. */
export function renderPage(Page: ComponentType, setup: PageSetup = {}): RenderedPage {
  clearApiCache();
  const requested: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL) => {
      const url = new URL(String(input), 'http://localhost');
      requested.push(url.pathname + url.search);
      const key = url.pathname.replace(/^\/api\//, '');
      const answers = setup.answers ?? {};
      if (!Object.hasOwn(answers, key)) return new Response(JSON.stringify({ error: 'Not found' }), { status: 404 });
      let answer = answers[key];
      if (typeof answer === 'function') answer = (answer as (q: URLSearchParams) => unknown)(url.searchParams);
      if (answer instanceof Failure) return new Response(JSON.stringify({ error: answer.error, parameter: answer.parameter }), { status: answer.status });
      return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
    }),
  );
  const filters = { ...FILTERS, ...setup.filters } as Filters & { org: string };
  const path = setup.path ?? '/';
  const state: AppState = {
    me: { ...ME, ...setup.me },
    orgs: indexOrgs(setup.root ?? 'Q00', REGION),
    health: setup.health === undefined ? HEALTH : setup.health,
    route: { path, query: new URLSearchParams(setup.query ?? '') },
    filters,
  };
  render(
    <AppContext.Provider value={state}>
      <Page />
    </AppContext.Provider>,
  );
  return {
    requested,
    queriesTo: (p) => requested.filter((u) => u.split('?')[0] === `/api/${p}`).map((u) => Object.fromEntries(new URL(u, 'http://x').searchParams)),
  };
}

/** After each test: unmount, and give fetch back. */
export function resetPage(): void {
  cleanup();
  vi.unstubAllGlobals();
}

/** A card (a section named by its title). */
export function card(title: string | RegExp): HTMLElement {
  const cards = [...document.querySelectorAll<HTMLElement>('section.card')];
  const found = cards.find((c) => {
    const t = c.querySelector('.card-title')?.textContent ?? '';
    return typeof title === 'string' ? t === title : title.test(t);
  });
  if (!found) throw new Error(`No card titled ${String(title)}; the cards are: ${cards.map((c) => c.querySelector('.card-title')?.textContent).join(' | ')}`);
  return found;
}

/** A card's table, as text: switches the card to its table view first when it has a chart. */
export function tableOf(cardEl: HTMLElement): { head: string[]; rows: string[][] } {
  const toggle = within(cardEl).queryByRole('button', { name: 'Table' });
  if (toggle) fireEvent.click(toggle);
  const table = within(cardEl).getByRole('table');
  const text = (el: Element) => (el.textContent ?? '').trim();
  return {
    // The sort arrows are decoration, not part of a heading.
    head: [...table.querySelectorAll('thead th')].map((th) => text(th).replace(/[↕↑↓▲▼]/g, '').trim()),
    rows: [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map(text)),
  };
}

/** A headline tile by its label: its value and detail as text. */
export function tile(label: string | RegExp): { value: string; detail: string; el: HTMLElement } {
  const tiles = [...document.querySelectorAll<HTMLElement>('.tile')];
  const el = tiles.find((t) => {
    const l = t.querySelector('.tile-label')?.textContent ?? '';
    return typeof label === 'string' ? l === label : label.test(l);
  });
  if (!el) throw new Error(`No tile labelled ${String(label)}; the tiles are: ${tiles.map((t) => t.querySelector('.tile-label')?.textContent).join(' | ')}`);
  return { value: el.querySelector('.tile-value')?.textContent ?? '', detail: el.querySelector('.tile-detail')?.textContent ?? '', el };
}

const U = COLUMNS.uptake;
const A = COLUMNS.active_users;

/**
 * The headline answers the Overview and the Report both open with: uptake by month (27.5 % in
 * January, 12,345 of 40,000 = 30.86 % in February) and active patients (6,400 in February, March
 * not complete: 3,150 so far).
 */
export const HEADLINE_ANSWERS = {
  'metrics/uptake': metric('uptake', [U.period_start, U.complete, U.activated, U.eligible, U.uptake_pct], [
    { period_start: '2026-01-01', complete: true, activated: 11000, eligible: 40000, uptake_pct: 27.5 },
    { period_start: '2026-02-01', complete: true, activated: 12345, eligible: 40000, uptake_pct: 30.86 },
  ]),
  'metrics/active_users': metric('active_users', [A.period_start, A.complete, A.active_patients], [
    { period_start: '2026-02-01', complete: true, active_patients: 6400 },
    { period_start: '2026-03-01', complete: false, active_patients: 3150 },
  ]),
};
