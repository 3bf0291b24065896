import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Health, Me } from '../api/types.js';
import type { Filters } from './filters.js';
import type { OrgIndex } from './orgs.js';
import type { Route } from './router.js';

/** What every page gets from the shell: who is signed in, the organisations they see, data freshness and the URL's filters. */
export interface AppState {
  /** The signed-in user (GET /api/me). */
  me: Me;
  orgs: OrgIndex;
  health: Health | null;
  route: Route;
  filters: Filters & { org: string };
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('useApp() outside <AppContext.Provider>');
  return ctx;
}
