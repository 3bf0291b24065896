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
  const type = orgs.byCode.get(filters.org)?.type;
  // The verdict against the target (RAG, projected date, trend) is the rollout metric's, at the
  // end date whatever the grain; trusts and community services have no list, so no target.
  const rollout: { rollout?: MetricParams } = type === 'trust' || type === 'community' ? {} : { rollout: { org: filters.org, to: filters.to } };
  return {
    scoped,
    uptake: params,
    active_users: { ...params, org: scoped.org },
    roi: { ...params, grain: 'month' } as MetricParams,
    consent: { ...params, org: scoped.org },
    ...rollout,
  };
}
