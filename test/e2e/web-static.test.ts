import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountDashboard } from '../../server/web-static.js';

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
  app.get('/api/health', (c) => c.json({ status: 'ok' }));
  mountDashboard(app, dist);
});

afterAll(() => rmSync(dist, { recursive: true, force: true }));

describe('mountDashboard', () => {
  it('answers client routes with index.html, never cached, with a content security policy', async () => {
    const res = await app.request('/rollout?org=QRV');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
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
});
