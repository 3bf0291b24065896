import type { ComponentType } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { access, api, clearApiCache } from './api/client.js';
import { useLoad } from './api/hooks.js';
import type { Me } from './api/types.js';
import { FilterBar } from './components/FilterBar.js';
import { ErrorState, Loading } from './components/States.js';
import { Freshness } from './components/Freshness.js';
import { AppContext, type AppState } from './lib/context.js';
import { anchorDate, readFilters } from './lib/filters.js';
import { indexOrgs } from './lib/orgs.js';
import { roleLabel } from './lib/roles.js';
import { hrefFor, useRoute } from './lib/router.js';
import { PAGES, SHARED_PARAMS, mayUse, pageFor, type PageDef } from './pages/registry.js';

function useLazyPage(page: PageDef | undefined): { Page: ComponentType | null; error: Error | null } {
  const [state, setState] = useState<{ path?: string; Page: ComponentType | null; error: Error | null }>({ Page: null, error: null });
  useEffect(() => {
    if (!page) return;
    let live = true;
    setState((s) => (s.path === page.path ? s : { path: page.path, Page: null, error: null }));
    page.load().then(
      (m) => live && setState({ path: page.path, Page: m.default, error: null }),
      (e: unknown) => live && setState({ path: page.path, Page: null, error: e instanceof Error ? e : new Error(String(e)) }),
    );
    return () => {
      live = false;
    };
  }, [page]);
  return state.path === page?.path ? state : { Page: null, error: null };
}

function NotFound() {
  return (
    <div class="page-not-found">
      <h1>Page not found</h1>
      <p>
        If you typed the web address, check it is correct. <a href="/">Go to the overview</a>.
      </p>
    </div>
  );
}

/** A page the reader's role may not use: said plainly, with what they can do instead. */
function NotAllowed({ page, me }: { page: PageDef; me: Me }) {
  return (
    <div class="page-not-allowed" data-testid="not-allowed">
      <h1>You cannot use the {page.title} page</h1>
      <p>
        {page.permission === 'sql'
          ? `The ${page.title} is not available to your role: it is for analysts and administrators, who query the pseudonymised data with SQL.`
          : `The ${page.title} page is for administrators only: it is where users, API tokens and the audit log are managed.`}{' '}
        You are signed in as <strong>{me.displayName ?? me.username}</strong> with the role <strong>{roleLabel(me.role)}</strong>.
      </p>
      <p>
        If you need it, ask your programme's administrator. <a href="/">Go to the overview</a> or <a href="/account">your account</a>.
      </p>
    </div>
  );
}

/** Who is signed in (name, role, organisation), a link to their account, and signing out. */
function AccountBar({ me, onSignOut, busy }: { me: Me; onSignOut: () => void; busy: boolean }) {
  return (
    <div class="account-bar" data-testid="account-bar">
      <p class="account-who">
        <span class="visually-hidden">Signed in as </span>
        <a href="/account" class="account-name">
          {me.displayName ?? me.username}
        </a>
        <span class="account-meta">
          {roleLabel(me.role)} · {me.orgName ?? me.org}
        </span>
      </p>
      <button type="button" class="button-header" onClick={onSignOut} disabled={busy}>
        {busy ? 'Signing out…' : 'Sign out'}
      </button>
    </div>
  );
}

/**
 * The import health is computed afresh on each request (several store queries): on a page that
 * does not show it, it is asked for a moment after the page's own data, not in competition with it.
 * The header shows the freshness from the organisation list meanwhile.
 */
const HEALTH_DELAY_MS = 1500;

function useHealth(pageNeedsIt: boolean, orgsReady: boolean) {
  const [due, setDue] = useState(pageNeedsIt);
  useEffect(() => {
    if (due || !orgsReady) return;
    if (pageNeedsIt) return setDue(true);
    const timer = setTimeout(() => setDue(true), HEALTH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [due, pageNeedsIt, orgsReady]);
  return useLoad(due ? 'health' : null, (s) => api.health(s));
}

export function App() {
  const route = useRoute();
  const me = useLoad('me', (s) => access.me(s));
  const orgs = useLoad('orgs', (s) => api.orgs(s));
  const page = pageFor(route.path);
  const meData = me.status === 'ready' ? me.data : null;
  // A page the role may not use is not loaded at all (the server refuses its data anyway).
  const allowed = !!page && !!meData && mayUse(page, meData.permissions);
  const health = useHealth(!!page?.usesHealth, orgs.status === 'ready');
  const { Page, error: pageError } = useLazyPage(allowed ? page : undefined);
  const [signingOut, setSigningOut] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });

  // Root: the user's own organisation (GET /api/orgs answers their subtree only).
  const orgIndex = useMemo(() => (orgs.status === 'ready' && orgs.data.root ? indexOrgs(orgs.data.root, orgs.data.orgs) : null), [orgs]);
  const healthData = health.status === 'ready' ? health.data : null;

  const state: AppState | null = useMemo(() => {
    if (!orgIndex || orgs.status !== 'ready' || !meData) return null;
    const asOf = healthData?.asOf ?? orgs.data.asOf;
    const f = readFilters(route.query, anchorDate(asOf?.latestEventAt), orgs.data.asOf?.programmeStart);
    const org = f.org && orgIndex.byCode.has(f.org) ? f.org : orgIndex.root;
    return { me: meData, orgs: orgIndex, health: healthData, route, filters: { ...f, org } };
  }, [orgIndex, orgs, healthData, route, meData]);

  const signOut = async () => {
    setSigningOut({ busy: true, error: null });
    try {
      await access.signOut();
    } catch (e) {
      setSigningOut({ busy: false, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    // Nothing of the session stays behind: the cached answers go, and the page is replaced in
    // the history, so Back does not show it again (and the server sends a signed-out browser to
    // the sign-in page).
    clearApiCache();
    window.location.replace('/signin');
  };

  // After moving to another page, put the keyboard and screen-reader focus at the top of its
  // content (as a full page load would), not on the link that was followed.
  const firstPath = useRef(route.path);
  useEffect(() => {
    if (route.path === firstPath.current) return;
    firstPath.current = '';
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [route.path]);

  useEffect(() => {
    const orgLabel = state && state.filters.org !== state.orgs.root ? ` – ${state.orgs.byCode.get(state.filters.org)?.name}` : '';
    document.title = `${page?.title ?? 'Page not found'}${orgLabel} – Portal Insights`;
  }, [page, state?.filters.org]);

  // Page links keep the shared filters, so moving between pages keeps the organisation and dates.
  const shared = new URLSearchParams();
  for (const k of SHARED_PARAMS) {
    const v = route.query.get(k);
    if (v) shared.set(k, v);
  }

  const regionName = orgIndex?.byCode.get(orgIndex.root)?.name;
  const isDataPage = !!page && (page.kind ?? 'data') === 'data';
  const unknownOrg = isDataPage && state && route.query.get('org') && state.filters.org !== route.query.get('org');
  const navPages = PAGES.filter((p) => p.nav !== false && (meData ? mayUse(p, meData.permissions) : !p.permission));
  // The organisation list is only needed to draw a page; a signed-out answer has sent the browser away.
  const loadError = me.status === 'error' ? me.error : orgs.status === 'error' ? orgs.error : null;

  return (
    <>
      <header class="site-header">
        <div class="site-header-inner">
          <a class="brand" href={hrefFor('/', shared)}>
            <span class="brand-mark" aria-hidden="true">
              PI
            </span>
            <span class="brand-name">Portal Insights</span>
          </a>
          {/* The organisation the reader sees (their own): in the account bar once they are known. */}
          {regionName && !meData && <span class="region-name">{regionName}</span>}
          {orgs.status === 'ready' && <Freshness health={healthData} fallback={orgs.data.asOf} />}
          {meData && <AccountBar me={meData} onSignOut={() => void signOut()} busy={signingOut.busy} />}
        </div>
        <nav class="site-nav" aria-label="Pages">
          <ul>
            {navPages.map((p) => (
              <li key={p.path}>
                <a href={hrefFor(p.path, shared)} aria-current={p.path === route.path ? 'page' : undefined} onMouseEnter={() => void p.load()}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" class="main" tabIndex={-1}>
        {signingOut.error && (
          <div class="state state-error" role="alert">
            <p>
              <strong>You could not be signed out.</strong> {signingOut.error}
            </p>
          </div>
        )}
        {!loadError && (me.status === 'loading' || orgs.status === 'loading') && <Loading label="Loading" />}
        {loadError && <ErrorState error={loadError} retry={() => window.location.reload()} />}
        {meData && orgs.status === 'ready' && !orgs.data.root && (
          <p class="notice" role="alert">
            Your organisation ({meData.org}) is not in the data, so there is nothing to show you. Ask an administrator to correct your
            account.
          </p>
        )}
        {state && meData && (
          <AppContext.Provider value={state}>
            {page && isDataPage && allowed && page.path !== '/report' && (
              <FilterBar orgs={state.orgs} filters={state.filters} showGrain={page.grain !== false} />
            )}
            {unknownOrg && (
              <p class="notice" role="status">
                There is no organisation with the code “{route.query.get('org')}” among those you can see; showing {regionName} instead.
              </p>
            )}
            {!page && <NotFound />}
            {page && !allowed && <NotAllowed page={page} me={meData} />}
            {allowed && pageError && <ErrorState error={pageError} />}
            {allowed && !Page && !pageError && <Loading label={`Loading ${page.title}`} />}
            {allowed && Page && <Page />}
          </AppContext.Provider>
        )}
      </main>
      <footer class="site-footer">
        <p>
          Portal Insights shows pseudonymised, aggregated data only. Small numbers are hidden (<strong>*</strong>) to protect
          patients' privacy; patients who object to data sharing are not counted in activity figures.
        </p>
      </footer>
    </>
  );
}
