import type { ComponentType } from 'preact';
import type { Permission } from '../api/types.js';
import { PAGE_LIST, type PageInfo, type PageModule } from './page-list.js';

export { SHARED_PARAMS } from './page-list.js';

export interface PageDef extends PageInfo {
  /** The page code is split into its own chunk (with Plot) and loaded on demand. */
  load: () => Promise<{ default: ComponentType }>;
}

// Literal import() calls, one per page, so the bundler splits each page into its own chunk.
const LOADERS: Record<PageModule, PageDef['load']> = {
  Overview: () => import('./Overview.js'),
  Rollout: () => import('./Rollout.js'),
  Engagement: () => import('./Engagement.js'),
  Funnel: () => import('./Funnel.js'),
  Savings: () => import('./Savings.js'),
  DataConsent: () => import('./DataConsent.js'),
  Equity: () => import('./Equity.js'),
  Report: () => import('./Report.js'),
  Sql: () => import('./Sql.js'),
  Admin: () => import('./Admin.js'),
  Audit: () => import('./Audit.js'),
  Account: () => import('./Account.js'),
};

export const PAGES: PageDef[] = PAGE_LIST.map((p) => ({ ...p, load: LOADERS[p.module] }));

/** Whether a user with these permissions may use the page. */
export function mayUse(page: PageDef, permissions: readonly Permission[]): boolean {
  return !page.permission || permissions.includes(page.permission);
}

export function pageFor(path: string): PageDef | undefined {
  return PAGES.find((p) => p.path === path);
}
