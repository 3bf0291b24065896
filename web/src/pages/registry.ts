import type { ComponentType } from 'preact';

export interface PageDef {
  path: string;
  title: string;
  /** Who the page is mainly for, shown under its heading. */
  audience: string;
  /** The page code is split into its own chunk (with Plot / arquero) and loaded on demand. */
  load: () => Promise<{ default: ComponentType }>;
  grain?: boolean;
}

export const PAGES: PageDef[] = [
  { path: '/', title: 'Overview', audience: 'Programme board', load: () => import('./Overview.js') },
  { path: '/rollout', title: 'Rollout', audience: 'Chief information officers', load: () => import('./Rollout.js') },
  { path: '/engagement', title: 'Engagement', audience: 'Programme and digital teams', load: () => import('./Engagement.js') },
  { path: '/funnel', title: 'Funnel & campaigns', audience: 'Communications and engagement teams', load: () => import('./Funnel.js') },
  { path: '/savings', title: 'Savings & ROI', audience: 'Commissioners', load: () => import('./Savings.js') },
  { path: '/data', title: 'Data & consent', audience: 'Information governance and data teams', load: () => import('./DataConsent.js') },
  { path: '/equity', title: 'Equity', audience: 'Population health and inequalities leads', load: () => import('./Equity.js'), grain: false },
  { path: '/report', title: 'Report', audience: 'Evaluation summary to print or save as PDF', load: () => import('./Report.js') },
];

export function pageFor(path: string): PageDef | undefined {
  return PAGES.find((p) => p.path === path);
}

/** Filters that follow the reader from page to page; page-specific ones (e.g. a breakdown) do not. */
export const SHARED_PARAMS = ['org', 'range', 'from', 'to', 'grain'] as const;
