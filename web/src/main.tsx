import { render } from 'preact';
import { api } from './api/client.js';
import { App } from './app.js';
import { currentRoute, interceptLinks } from './lib/router.js';
import { firstMetricRequests } from './pages/first-requests.js';
import { pageFor } from './pages/registry.js';
import './styles.css';

// Ask for what every page needs, and the current page's code, before the first render: the
// requests then run while Preact starts (the answers are shared through the API cache).
const start = currentRoute();
const orgs = api.orgs();
void orgs.catch(() => undefined);
void pageFor(start.path)?.load().catch(() => undefined);

// The landing page's metrics are asked for as soon as the organisations are known, not after its
// code has loaded and rendered (the page then finds them in the cache). The server has usually
// named the same URLs in the HTML already, so these calls pick up the preloaded answers.
orgs.then(
  (o) => {
    for (const [name, params] of firstMetricRequests(start.path, start.query, o)) void api.metric(name, params).catch(() => undefined);
  },
  () => undefined,
);

// A page brought back from the browser's back-forward cache after signing out (or after the
// session ended) must not show its data again: load it afresh, and the server decides.
window.addEventListener('pageshow', (e) => {
  if (e.persisted) window.location.reload();
});

const root = document.getElementById('app')!;
interceptLinks(document.body);
render(<App />, root);
