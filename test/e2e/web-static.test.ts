import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders } from '../../server/api/access-gate.js';
import { inlineStylesheets, mountDashboard, pageChunksFromManifest, pageHtml } from '../../server/web-static.js';

// mountDashboard over a hand-made build folder: what each kind of path gets back.
let dist: string;
let app: Hono;
const indexHtml = `<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body>${'<p>Portal</p>'.repeat(200)}</body></html>`;
const js = `console.log(${JSON.stringify('x'.repeat(3000))});`;

beforeAll(() => {
  dist = mkdtempSync(join(tmpdir(), 'portal-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), indexHtml);
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), js);
  app = new Hono();
  // As in server/app.ts: the security headers on every answer.
  app.use('*', securityHeaders());
  app.get('/api/health', (c) => c.json({ status: 'ok' }));
  mountDashboard(app, dist);
});

afterAll(() => rmSync(dist, { recursive: true, force: true }));

describe('mountDashboard', () => {
  it('answers client routes with index.html, never cached, with a content security policy', async () => {
    const res = await app.request('/rollout?org=QRV');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    // private: the page names the signed-in reader's first data requests.
    expect(res.headers.get('cache-control')).toBe('no-cache, private');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self';");
    expect(await res.text()).toBe(indexHtml);
  });

  it('serves hashed assets for a year, gzipped when the browser accepts it', async () => {
    const res = await app.request('/assets/index-abc123.js', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await res.arrayBuffer())).toString()).toBe(js);
    const plain = await app.request('/assets/index-abc123.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(js);
  });

  it('answers 304 to a matching ETag', async () => {
    const first = await app.request('/assets/index-abc123.js');
    const again = await app.request('/assets/index-abc123.js', { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('leaves /api to the API: its routes answer, unknown ones are 404, not the app', async () => {
    expect(await (await app.request('/api/health')).json()).toEqual({ status: 'ok' });
    const res = await app.request('/api/no-such-thing');
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('<!doctype html>');
  });

  it('says 404 for a missing asset instead of sending the app as JavaScript', async () => {
    expect((await app.request('/assets/index-old999.js')).status).toBe(404);
    expect((await app.request('/favicon.png')).status).toBe(404);
  });

  it('explains how to build when there is no build yet', async () => {
    const empty = new Hono();
    mountDashboard(empty, join(dist, 'nothing-here'));
    const res = await empty.request('/');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build');
  });

  it("names a page's first data requests in its HTML, after the entry script, escaped", async () => {
    const hinted = new Hono();
    const asked: string[] = [];
    mountDashboard(hinted, dist, {
      firstRequests: async (path, query) => {
        asked.push(`${path}?${query}`);
        return path === '/' ? ['/api/metrics/uptake?from=2025-12-01&org=QRV'] : [];
      },
    });
    const html = await (await hinted.request('/?range=12m')).text();
    const link = '<link rel="preload" href="/api/metrics/uptake?from=2025-12-01&amp;org=QRV" as="fetch" crossorigin="anonymous" />';
    expect(html).toContain(link);
    // The entry script is asked for first, then the data.
    expect(html.indexOf(link)).toBeGreaterThan(html.indexOf('<script'));
    expect(html.indexOf(link)).toBeLessThan(html.indexOf('</head>'));
    expect(asked).toEqual(['/?range=12m']);
    // Not a page of the app (a mistyped address): no plan is asked for.
    await hinted.request('/no-such-page');
    expect(asked).toHaveLength(1);
  });

  it('leaves out data hints that take too long rather than delay the page', async () => {
    const slow = new Hono();
    mountDashboard(slow, dist, { hintTimeoutMs: 20, firstRequests: () => new Promise((done) => setTimeout(() => done(['/api/late']), 500)) });
    const started = performance.now();
    const html = await (await slow.request('/')).text();
    expect(performance.now() - started).toBeLessThan(400);
    expect(html).toBe(indexHtml);
  });
});

describe('inlineStylesheets', () => {
  const html = '<head><script type="module" src="/assets/index-1.js"></script><link rel="stylesheet" crossorigin href="/assets/index-2.css"></head>';

  it("writes the build's own stylesheet into the page, so the scripts need not wait for it", () => {
    expect(inlineStylesheets(html, (p) => (p === '/assets/index-2.css' ? 'body{color:#212b32}' : null))).toBe(
      '<head><script type="module" src="/assets/index-1.js"></script><style>body{color:#212b32}</style><link rel="stylesheet" href="/assets/index-2.css" disabled /></head>',
    );
  });

  it('leaves the link when the file is missing, too big, or could close the style element', () => {
    expect(inlineStylesheets(html, () => null)).toBe(html);
    expect(inlineStylesheets(html, () => 'a{}'.repeat(20_000))).toBe(html);
    expect(inlineStylesheets(html, () => 'a::after{content:"</style><script>"}')).toBe(html);
  });
});

describe('pageChunksFromManifest', () => {
  // The shape of Vite's .vite/manifest.json: the entry is "index.html"; pages import shared chunks
  // and the entry; a shared chunk loads the charts on demand.
  const manifest = {
    'index.html': { file: 'assets/index-1.js', isEntry: true, dynamicImports: ['src/pages/Overview.tsx', 'src/pages/Rollout.tsx'] },
    'src/pages/Overview.tsx': { file: 'assets/Overview-2.js', isDynamicEntry: true, imports: ['index.html', '_metric-3.js', '_shared-4.js'] },
    'src/pages/Rollout.tsx': { file: 'assets/Rollout-5.js', isDynamicEntry: true, imports: ['index.html', '_plots-6.js', '_metric-3.js'] },
    '_metric-3.js': { file: 'assets/metric-3.js', imports: ['index.html'] },
    '_shared-4.js': { file: 'assets/shared-4.js', imports: ['_metric-3.js'], dynamicImports: ['src/pages/shared-charts.ts'] },
    'src/pages/shared-charts.ts': { file: 'assets/shared-charts-7.js', isDynamicEntry: true, imports: ['_plots-6.js'] },
    '_plots-6.js': { file: 'assets/plots-6.js', imports: ['_metric-3.js'] },
  };

  it("lists each page's chunk, what it imports and what those load at once, never the entry or other pages", () => {
    const chunks = pageChunksFromManifest(manifest);
    expect(chunks.get('Overview')).toEqual(['/assets/Overview-2.js', '/assets/metric-3.js', '/assets/shared-4.js', '/assets/shared-charts-7.js', '/assets/plots-6.js']);
    expect(chunks.get('Rollout')).toEqual(['/assets/Rollout-5.js', '/assets/plots-6.js', '/assets/metric-3.js']);
    expect([...chunks.keys()].sort()).toEqual(['Overview', 'Rollout']);
  });

  it('adds data preloads, then module preloads, at the end of the head', () => {
    const html = pageHtml('<html><head><script type="module" src="/a.js"></script></head><body></body></html>', ['/api/orgs'], ['/assets/Overview-2.js']);
    expect(html).toBe(
      '<html><head><script type="module" src="/a.js"></script>  <link rel="preload" href="/api/orgs" as="fetch" crossorigin="anonymous" />\n' +
        '    <link rel="modulepreload" crossorigin href="/assets/Overview-2.js" />\n  </head><body></body></html>',
    );
  });
});
