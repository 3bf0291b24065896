import type { Level, Org } from '../api/types.js';

export interface OrgIndex {
  root: string;
  byCode: Map<string, Org>;
  list: Org[];
}

export const LEVEL_LABELS: Record<Level, { one: string; many: string }> = {
  icb: { one: 'ICB', many: 'ICBs' },
  ccg: { one: 'CCG', many: 'CCGs' },
  practice: { one: 'GP practice', many: 'GP practices' },
  trust: { one: 'acute trust', many: 'acute trusts' },
  community: { one: 'community service', many: 'community services' },
};

export function indexOrgs(root: string, orgs: Org[]): OrgIndex {
  const byCode = new Map(orgs.map((o) => [o.code, o]));
  return { root, byCode, list: orgs };
}

/** The chain of organisations from the root down to `code` (for breadcrumbs). */
export function ancestry(index: OrgIndex, code: string): Org[] {
  const chain: Org[] = [];
  let cur = index.byCode.get(code);
  const seen = new Set<string>();
  while (cur && !seen.has(cur.code)) {
    chain.unshift(cur);
    seen.add(cur.code);
    cur = cur.parent ? index.byCode.get(cur.parent) : undefined;
  }
  return chain;
}

export function childrenOf(index: OrgIndex, code: string, type?: Level): Org[] {
  const org = index.byCode.get(code);
  if (!org) return [];
  const kids = org.children.map((c) => index.byCode.get(c)).filter((o): o is Org => !!o);
  return type ? kids.filter((o) => o.type === type) : kids;
}

/** Every organisation of a type anywhere below `code` (e.g. the ICB's practices, under its CCGs). */
export function descendantsOf(index: OrgIndex, code: string, type: Level): Org[] {
  const out: Org[] = [];
  const stack = [...(index.byCode.get(code)?.children ?? [])];
  const seen = new Set<string>();
  while (stack.length) {
    const c = stack.pop()!;
    if (seen.has(c)) continue;
    seen.add(c);
    const o = index.byCode.get(c);
    if (!o) continue;
    if (o.type === type) out.push(o);
    stack.push(...o.children);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The level one step below an organisation in the rollout drill-down (ICB → CCG → practice). */
export function childLevel(type: Level | undefined): Level | null {
  switch (type) {
    case 'icb':
      return 'ccg';
    case 'ccg':
      return 'practice';
    default:
      return null;
  }
}

/** Organisations whose name or code contains every word of the query, best matches first. */
export function searchOrgs(index: OrgIndex, query: string, limit = 50): Org[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const order: Record<Level, number> = { icb: 0, ccg: 1, trust: 2, community: 3, practice: 4 };
  const hits = index.list.filter((o) => {
    const hay = `${o.name} ${o.code}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  const q = query.trim().toLowerCase();
  hits.sort((a, b) => {
    const exact = Number(b.code.toLowerCase() === q) - Number(a.code.toLowerCase() === q);
    if (exact) return exact;
    const starts = Number(b.name.toLowerCase().startsWith(q)) - Number(a.name.toLowerCase().startsWith(q));
    if (starts) return starts;
    return order[a.type] - order[b.type] || a.name.localeCompare(b.name);
  });
  return hits.slice(0, limit);
}
