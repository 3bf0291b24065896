import { describe, expect, it } from 'vitest';
import type { Org, OrgsResult } from '../api/types.js';
import { firstMetricRequests, firstMetricUrls } from './first-requests.js';

const org = (code: string, type: Org['type'], parent: string | null, children: string[] = []): Org => ({
  code,
  name: code,
  type,
  parent,
  eligiblePopulation: null,
  goLiveDate: null,
  targetUptakePct: 40,
  children,
});
const orgs: OrgsResult = {
  asOf: { latestEventAt: '2026-03-14T18:00:00Z', lastImportAt: '2026-03-15T02:10:00Z', dataVersion: '7' },
  root: 'ICB1',
  orgs: [org('ICB1', 'icb', null, ['CCG1', 'T1']), org('CCG1', 'ccg', 'ICB1', ['P1']), org('P1', 'practice', 'CCG1'), org('T1', 'trust', 'ICB1')],
};

describe("the Overview's first requests (asked for by the browser and named in the HTML by the server)", () => {
  it('asks for the last 12 whole months up to the latest data, by month, for the region', () => {
    // Latest data 14 Mar 2026: April 2025 .. 14 March 2026.
    expect(firstMetricUrls('/', new URLSearchParams(), orgs)).toEqual([
      '/api/metrics/uptake?from=2025-04-01&grain=month&org=ICB1&to=2026-03-14',
      '/api/metrics/active_users?from=2025-04-01&grain=month&org=ICB1&to=2026-03-14',
      '/api/metrics/roi?from=2025-04-01&grain=month&org=ICB1&to=2026-03-14',
      '/api/metrics/consent?from=2025-04-01&grain=month&org=ICB1&to=2026-03-14',
      // the verdict against the target, at the end date whatever the grain
      '/api/metrics/rollout?org=ICB1&to=2026-03-14',
    ]);
  });

  it('follows the filters in the URL; a trust gets its ICB for practice-counted metrics', () => {
    const plan = Object.fromEntries(firstMetricRequests('/', new URLSearchParams('org=T1&range=3m'), orgs));
    // Three months ending 14 Mar 2026 start 1 January, by week.
    expect(plan.uptake).toEqual({ org: 'T1', from: '2026-01-01', to: '2026-03-14', grain: 'week' });
    expect(plan.active_users).toEqual({ org: 'ICB1', from: '2026-01-01', to: '2026-03-14', grain: 'week' });
    expect(plan.roi).toEqual({ org: 'T1', from: '2026-01-01', to: '2026-03-14', grain: 'month' });
    // A trust has no list and no target: no rollout verdict to ask for.
    expect(plan.rollout).toBeUndefined();
  });

  it('shows the region for an unknown organisation code, as the page does', () => {
    expect(firstMetricRequests('/', new URLSearchParams('org=NOPE'), orgs)[0]![1].org).toBe('ICB1');
  });

  it('plans nothing for other pages, or when there is no data yet to count the dates back from', () => {
    expect(firstMetricRequests('/rollout', new URLSearchParams(), orgs)).toEqual([]);
    expect(firstMetricRequests('/', new URLSearchParams(), { ...orgs, asOf: { ...orgs.asOf, latestEventAt: null } })).toEqual([]);
  });
});
