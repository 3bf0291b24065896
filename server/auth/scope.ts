/**
 * A user's scope: their organisation and everything below it (an ICB user sees the region; a CCG
 * user its practices; a trust user its trust). Worked out from the organisation tree of the data
 * version being served, so a practice moved to another CCG moves out of the old CCG's scope.
 */
import type { OrgNode, StoreFacts } from '../api/context.js';

/** Whether `code` is `scopeOrg` or below it. */
export function isWithin(facts: Pick<StoreFacts, 'orgByCode'>, code: string, scopeOrg: string): boolean {
  const seen = new Set<string>();
  for (let cur = facts.orgByCode.get(code); cur && !seen.has(cur.code); cur = cur.parent ? facts.orgByCode.get(cur.parent) : undefined) {
    if (cur.code === scopeOrg) return true;
    seen.add(cur.code);
  }
  return false;
}

/**
 * True when the scope is the whole region: nothing is outside it. A store with no organisations
 * yet holds no one's data (every row names an organisation), so there is nothing to keep apart.
 */
export function coversRegion(facts: Pick<StoreFacts, 'root'>, scopeOrg: string): boolean {
  return facts.root === null || facts.root === scopeOrg;
}

export function describeOrg(facts: Pick<StoreFacts, 'orgByCode'>, code: string): string {
  const o = facts.orgByCode.get(code);
  return o ? `${o.name} (${code})` : code;
}

/** The organisations a scope covers, its own first, with the scope's organisation as the root. */
export function subtree(facts: Pick<StoreFacts, 'orgs' | 'orgByCode'>, scopeOrg: string): OrgNode[] {
  const top = facts.orgByCode.get(scopeOrg);
  if (!top) return [];
  const out: OrgNode[] = [];
  const visit = (o: OrgNode) => {
    out.push(o === top ? { ...o, parent: null } : o);
    for (const c of o.children) {
      const child = facts.orgByCode.get(c);
      if (child) visit(child);
    }
  };
  visit(top);
  return out.sort((a, b) => a.code.localeCompare(b.code));
}
