import type { Grain } from '../api/types.js';
import type { OrgIndex } from './orgs.js';

// What each metric can be asked for (server/metrics/catalogue.ts): some are kept only monthly
// or quarterly, and those counted at patients' GP practices have no figures for a trust or a
// community service. Pages ask within these limits rather than show an error.

const COARSE: Grain[] = ['month', 'quarter'];

/** A grain the metric keeps: day/week fall back to month where only month/quarter exist. */
export function coarseGrain(grain: Grain): Grain {
  return COARSE.includes(grain) ? grain : 'month';
}

/**
 * The organisation to ask practice-attributed metrics for: a trust or community service has no
 * registered patients of its own, so its ICB's figures are shown (and the page says so).
 */
export function practiceScope(orgs: OrgIndex, code: string): { org: string; substituted: boolean } {
  const org = orgs.byCode.get(code);
  if (!org || org.type === 'icb' || org.type === 'ccg' || org.type === 'practice') return { org: code, substituted: false };
  let cur = org;
  while (cur.parent && orgs.byCode.get(cur.parent)) {
    cur = orgs.byCode.get(cur.parent)!;
    if (cur.type === 'icb' || cur.type === 'ccg') break;
  }
  return { org: cur.type === 'icb' || cur.type === 'ccg' ? cur.code : orgs.root, substituted: true };
}
