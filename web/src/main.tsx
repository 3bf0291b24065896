import { render } from 'preact';
import { api } from './api/client.js';
import { App } from './app.js';
import { anchorDate, readFilters } from './lib/filters.js';
import { indexOrgs } from './lib/orgs.js';
import { currentRoute, interceptLinks } from './lib/router.js';
import { overviewRequests } from './pages/overview-requests.js';
import { pageFor } from './pages/registry.js';
import './styles.css';

// Ask for what every page needs, and the current page's code, before the first render: the
// requests then run while Preact starts (the answers are shared through the API cache).
const start = currentRoute();
const orgs = api.orgs();
void orgs.catch(() => undefined);
void api.health().catch(() => undefined);
void pageFor(start.path)?.load().catch(() => undefined);

// The Overview is the landing page: ask for its metrics as soon as the organisations are known,
// not after its code has loaded and rendered (the page then finds them in the cache).
if (start.path === '/') {
  orgs.then(
    (o) => {
      const index = indexOrgs(o.root, o.orgs);
      const f = readFilters(start.query, anchorDate(o.asOf?.latestEventAt));
      const org = f.org && index.byCode.has(f.org) ? f.org : index.root;
      const { scoped: _scoped, ...requests } = overviewRequests({ ...f, org }, index);
      for (const [name, params] of Object.entries(requests)) void api.metric(name, params).catch(() => undefined);
    },
    () => undefined,
  );
}

const root = document.getElementById('app')!;
interceptLinks(document.body);
render(<App />, root);
