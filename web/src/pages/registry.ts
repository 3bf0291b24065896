import type { ComponentType } from 'preact';
import type { Permission } from '../api/types.js';

export interface PageDef {
  path: string;
  title: string;
  /** Who the page is mainly for, shown under its heading. */
  audience: string;
  /** The page code is split into its own chunk (with Plot) and loaded on demand. */
  load: () => Promise<{ default: ComponentType }>;
  /** The module `load` imports (src/pages/<module>.tsx): the server names its chunks in the HTML. */
  module: string;
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

export const PAGES: PageDef[] = [
  { path: '/', title: 'Overview', audience: 'Programme board', module: 'Overview', load: () => import('./Overview.js') },
  { path: '/rollout', title: 'Rollout', audience: 'Chief information officers', module: 'Rollout', load: () => import('./Rollout.js') },
  { path: '/engagement', title: 'Engagement', audience: 'Programme and digital teams', module: 'Engagement', load: () => import('./Engagement.js') },
  { path: '/funnel', title: 'Funnel & campaigns', audience: 'Communications and engagement teams', module: 'Funnel', load: () => import('./Funnel.js') },
  { path: '/savings', title: 'Savings & ROI', audience: 'Commissioners', module: 'Savings', load: () => import('./Savings.js') },
  { path: '/data', title: 'Data & consent', audience: 'Information governance and data teams', module: 'DataConsent', load: () => import('./DataConsent.js'), usesHealth: true },
  { path: '/equity', title: 'Equity', audience: 'Population health and inequalities leads', module: 'Equity', load: () => import('./Equity.js'), grain: false },
  { path: '/report', title: 'Report', audience: 'Evaluation summary to print or save as PDF', module: 'Report', load: () => import('./Report.js'), usesHealth: true },
  { path: '/sql', title: 'SQL workbench', audience: 'Analysts', module: 'Sql', load: () => import('./Sql.js'), permission: 'sql', kind: 'tool' },
  { path: '/admin', title: 'Admin', audience: 'Administrators: users, their API tokens and sessions', module: 'Admin', load: () => import('./Admin.js'), permission: 'admin', kind: 'account' },
  { path: '/audit', title: 'Audit', audience: 'Administrators: who did what, and when', module: 'Audit', load: () => import('./Audit.js'), permission: 'admin', kind: 'account' },
  { path: '/account', title: 'Your account', audience: 'Your details, API tokens and sessions', module: 'Account', load: () => import('./Account.js'), kind: 'account', nav: false },
];

/** Whether a user with these permissions may use the page. */
export function mayUse(page: PageDef, permissions: readonly Permission[]): boolean {
  return !page.permission || permissions.includes(page.permission);
}

export function pageFor(path: string): PageDef | undefined {
  return PAGES.find((p) => p.path === path);
}

/** Filters that follow the reader from page to page; page-specific ones (e.g. a breakdown) do not. */
export const SHARED_PARAMS = ['org', 'range', 'from', 'to', 'grain'] as const;
