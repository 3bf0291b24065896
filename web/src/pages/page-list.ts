/**
 * The dashboard's pages as data: path, title, audience, module and what each may do. Shared with
 * the server (server/web-static.ts names each page's chunks and first requests in its HTML), so it
 * holds no page code: registry.ts adds the loaders for the browser.
 */
import type { Permission } from '../api/types.js';

export interface PageInfo {
  path: string;
  title: string;
  /** Who the page is mainly for, shown under its heading. */
  audience: string;
  /** The page's module (src/pages/<module>.tsx), loaded on demand: the server names its chunks in the HTML. */
  module: string;
  /** Whether "Show by" (day / week / month) applies; false hides it (Savings & ROI is monthly: costs, payback month). */
  grain?: boolean;
  /** The page reads the import health (/api/health) itself; others let it wait (see app.tsx). */
  usesHealth?: boolean;
  /** Only roles with this permission may use the page: it is left out of their navigation, and opening it says so. */
  permission?: Permission;
  /** 'account' pages are about people, not data: no filter bar, no charts (so no Plot in their chunks). 'tool' pages (the SQL workbench) have no filter bar either. */
  kind?: 'data' | 'account' | 'tool';
  /** Listed in the page navigation (default true; the Account page is linked from the header). */
  nav?: boolean;
}

export const PAGE_LIST = [
  { path: '/', title: 'Overview', audience: 'Programme board', module: 'Overview' },
  { path: '/rollout', title: 'Rollout', audience: 'Chief information officers', module: 'Rollout' },
  { path: '/engagement', title: 'Engagement', audience: 'Programme and digital teams', module: 'Engagement' },
  { path: '/funnel', title: 'Funnel & campaigns', audience: 'Communications and engagement teams', module: 'Funnel' },
  { path: '/savings', title: 'Savings & ROI', audience: 'Commissioners', module: 'Savings', grain: false },
  { path: '/data', title: 'Data & consent', audience: 'Information governance and data teams', module: 'DataConsent', usesHealth: true },
  { path: '/equity', title: 'Equity', audience: 'Population health and inequalities leads', module: 'Equity', grain: false },
  { path: '/report', title: 'Report', audience: 'Evaluation summary to print or save as PDF', module: 'Report', usesHealth: true },
  { path: '/sql', title: 'SQL workbench', audience: 'Analysts', module: 'Sql', permission: 'sql', kind: 'tool' },
  { path: '/admin', title: 'Admin', audience: 'Administrators: users, their API tokens and sessions', module: 'Admin', permission: 'admin', kind: 'account' },
  { path: '/audit', title: 'Audit', audience: 'Administrators: who did what, and when', module: 'Audit', permission: 'admin', kind: 'account' },
  { path: '/account', title: 'Your account', audience: 'Your details, API tokens and sessions', module: 'Account', kind: 'account', nav: false },
] as const satisfies readonly PageInfo[];

export type PageModule = (typeof PAGE_LIST)[number]['module'];

export function pageInfoFor(path: string): PageInfo | undefined {
  return PAGE_LIST.find((p) => p.path === path);
}

/** Filters that follow the reader from page to page; page-specific ones (e.g. a breakdown) do not. */
export const SHARED_PARAMS = ['org', 'range', 'from', 'to', 'grain'] as const;
