import type { MetricParams } from '../api/types.js';
import type { Filters } from '../lib/filters.js';
import type { OrgIndex } from '../lib/orgs.js';
import { practiceScope } from '../lib/scope.js';

/**
 * The metrics the Overview shows, for the filters in the URL. Shared by the page and by main.tsx,
 * which asks for them as soon as the organisation list arrives (before the page's code has loaded),
 * so the first view does not wait for one after the other.
 */
export function overviewRequests(filters: Pick<Filters, 'from' | 'to' | 'grain'> & { org: string }, orgs: OrgIndex) {
  const scoped = practiceScope(orgs, filters.org);
  const params: MetricParams = { org: filters.org, from: filters.from, to: filters.to, grain: filters.grain };
  return {
    scoped,
    uptake: params,
    active_users: { ...params, org: scoped.org },
    roi: { ...params, grain: 'month' } as MetricParams,
    consent: { ...params, org: scoped.org },
  };
}
