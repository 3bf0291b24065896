import { render } from 'preact';
import { api } from './api/client.js';
import { App } from './app.js';
import { currentRoute, interceptLinks } from './lib/router.js';
import { pageFor } from './pages/registry.js';
import './styles.css';

// Ask for what every page needs, and the current page's code, before the first render: the
// requests then run while Preact starts (the answers are shared through the API cache).
void api.orgs().catch(() => undefined);
void api.health().catch(() => undefined);
void pageFor(currentRoute().path)?.load().catch(() => undefined);

const root = document.getElementById('app')!;
interceptLinks(document.body);
render(<App />, root);
