import { metricUrl } from '../api/metric-url.js';
import type { MetricName, MetricParams, OrgsResult } from '../api/types.js';
import { anchorDate, readFilters } from '../lib/filters.js';
import { indexOrgs } from '../lib/orgs.js';
import { unavailableReason } from '../lib/scope.js';
import { overviewRequests } from './overview-requests.js';

/**
 * The metrics a page asks for first, for its URL and the organisation list. Two callers must agree
 * on them exactly: main.tsx asks for them as soon as the organisations arrive (before the page's
 * code has loaded), and the server names their URLs in the HTML (<link rel="preload">) so the
 * browser fetches them while the scripts download; the page then finds the answers waiting.
 *
 * Only the Overview, the landing page, is planned ahead; other pages ask when they render.
 */
export function firstMetricRequests(path: string, query: URLSearchParams, orgs: OrgsResult): Array<[name: MetricName, params: MetricParams]> {
  if (path !== '/') return [];
  // Without data the presets count back from "today", which the server and browser may not agree on.
  if (!orgs.asOf?.latestEventAt || !orgs.root) return [];
  const index = indexOrgs(orgs.root, orgs.orgs);
  const f = readFilters(query, anchorDate(orgs.asOf.latestEventAt), orgs.asOf.programmeStart);
  const org = f.org && index.byCode.has(f.org) ? f.org : index.root;
  const { scoped: _scoped, ...requests } = overviewRequests({ ...f, org }, index);
  // Figures the reader's organisation does not have are not asked for (the page says why).
  return (Object.entries(requests) as Array<[MetricName, MetricParams]>).filter(([name, params]) => !unavailableReason(index, name, params));
}

/** The same requests as URLs (what the server writes into the HTML). */
export function firstMetricUrls(path: string, query: URLSearchParams, orgs: OrgsResult): string[] {
  return firstMetricRequests(path, query, orgs).map(([name, params]) => metricUrl(name, params));
}
