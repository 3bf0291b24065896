import { METRICS, METRIC_NAMES, type MetricSpec } from '../../../server/metrics/catalogue-data.js';
import type { Grain, MetricName, MetricParams } from '../api/types.js';
import { LEVEL_LABELS, type OrgIndex } from './orgs.js';

// What each metric can be asked for (server/metrics/catalogue.ts): some are kept only monthly
// or quarterly, and those counted at patients' GP practices have no figures for a trust or a
// community service. Pages ask within these limits rather than show an error.

const COARSE: Grain[] = ['month', 'quarter'];

/** A grain the metric keeps: day/week fall back to month where only month/quarter exist. */
export function coarseGrain(grain: Grain): Grain {
  return COARSE.includes(grain) ? grain : 'month';
}

/**
 * Metrics counted at patients' registered GP practices: reported for the ICB, CCGs and practices
 * only (per organisation, but not at trust level in the catalogue).
 */
const PRACTICE_METRICS: ReadonlySet<MetricName> = new Set(
  METRIC_NAMES.filter((m) => {
    const levels = (METRICS[m] as MetricSpec).levels ?? [];
    return levels.length > 0 && !levels.includes('trust');
  }),
);

/** Metrics about the whole region's deliveries (not per organisation): only for users who see the region. */
const REGION_METRICS: ReadonlySet<MetricName> = new Set(['data_quality']);

const isPracticeLevel = (type: string | undefined) => type === 'icb' || type === 'ccg' || type === 'practice';

/** Whether the reader sees the whole region (their organisation, the root of what they see, is the ICB). */
export function seesRegion(orgs: OrgIndex): boolean {
  return orgs.byCode.get(orgs.root)?.type === 'icb';
}

/**
 * The organisation to ask practice-attributed metrics for: a trust or community service has no
 * registered patients of its own, so its ICB's (or CCG's) figures are shown (and the page says
 * so). A reader whose own organisation is a trust or community service cannot see the ICB: then
 * nothing is substituted, and `unavailableReason` says why those figures are not shown.
 */
export function practiceScope(orgs: OrgIndex, code: string): { org: string; substituted: boolean } {
  const org = orgs.byCode.get(code);
  if (!org || isPracticeLevel(org.type)) return { org: code, substituted: false };
  let cur = org;
  while (cur.parent && orgs.byCode.get(cur.parent)) {
    cur = orgs.byCode.get(cur.parent)!;
    if (cur.type === 'icb' || cur.type === 'ccg') return { org: cur.code, substituted: true };
  }
  const root = orgs.byCode.get(orgs.root);
  if (root && (root.type === 'icb' || root.type === 'ccg')) return { org: root.code, substituted: true };
  return { org: code, substituted: false };
}

/**
 * Why a metric is not asked for at all for these parameters, in words for the card, or null when
 * it can be: a practice-attributed figure for a trust or community service whose ICB the reader
 * cannot see, or a region-wide figure for a reader below the region. (The server would refuse
 * both; asking is a wasted request and an error where a plain sentence belongs.)
 */
export function unavailableReason(orgs: OrgIndex, metric: MetricName, params: MetricParams): string | null {
  if (REGION_METRICS.has(metric) && !seesRegion(orgs)) {
    const root = orgs.byCode.get(orgs.root);
    return `This covers the whole region's data deliveries, so it is shown only to users whose organisation is the region; you see ${root?.name ?? orgs.root} and the organisations within it.`;
  }
  if (PRACTICE_METRICS.has(metric)) {
    const org = orgs.byCode.get(params.org ?? orgs.root);
    if (org && !isPracticeLevel(org.type)) {
      return `This figure is counted by patients' registered GP practice, so it is not available for ${org.name} (${LEVEL_LABELS[org.type]?.one ?? org.type}).`;
    }
  }
  return null;
}
