import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Context, Hono } from 'hono';

// Serves the built dashboard (web/dist) from the API's own Hono server. The build is a few hundred
// kilobytes, so every file is read and gzipped once into memory: no disk access per request, and
// gzip without compressing on every response.

export const DEFAULT_DIST_DIR = resolve(fileURLToPath(new URL('../web/dist', import.meta.url)));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.map']);

/** Vite names built assets by content hash, so they can be cached for a year; index.html never. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

// Scripts and styles come only from this server; Plot styles its SVG with style attributes
// (hence 'unsafe-inline' for styles only); CSV downloads are blob: URLs.
const CSP = [
  "default-src 'self'",
  // arquero compiles its table expressions with new Function(), hence 'unsafe-eval' (scripts
  // still load only from this server).
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface StaticFile {
  body: Uint8Array;
  gzip: Uint8Array | null;
  type: string;
  etag: string;
  cacheControl: string;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Build metadata (.vite/manifest.json) is for tooling, not for browsers.
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function loadDist(distDir: string): Map<string, StaticFile> | null {
  if (!existsSync(join(distDir, 'index.html'))) return null;
  const files = new Map<string, StaticFile>();
  for (const full of walk(distDir)) {
    const urlPath = `/${relative(distDir, full).split(sep).join('/')}`;
    const ext = extname(full).toLowerCase();
    const body = new Uint8Array(readFileSync(full));
    const gz = COMPRESSIBLE.has(ext) && body.byteLength > 1024 ? new Uint8Array(gzipSync(body, { level: 9 })) : null;
    files.set(urlPath, {
      body,
      gzip: gz && gz.byteLength < body.byteLength ? gz : null,
      type: TYPES[ext] ?? 'application/octet-stream',
      etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`,
      cacheControl: urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
    });
  }
  return files;
}

function send(c: Context, file: StaticFile, isIndex: boolean): Response {
  const headers = new Headers({
    'content-type': file.type,
    'cache-control': file.cacheControl,
    etag: file.etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
  });
  if (isIndex) {
    headers.set('content-security-policy', CSP);
    headers.set('referrer-policy', 'same-origin');
  }
  if (c.req.header('if-none-match') === file.etag) return new Response(null, { status: 304, headers });
  const acceptsGzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
  const body = acceptsGzip && file.gzip ? file.gzip : file.body;
  if (body === file.gzip) headers.set('content-encoding', 'gzip');
  headers.set('content-length', String(body.byteLength));
  return new Response(c.req.method === 'HEAD' ? null : (body as BodyInit), { status: 200, headers });
}

const NOT_BUILT_PAGE = `<!doctype html><html lang="en-GB"><meta charset="utf-8"><title>Portal Insights</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5">
<h1>The dashboard has not been built</h1>
<p>Run <code>npm run build</code> (or start the service with <code>npm start</code>, which builds it), then reload this page.
The API is available under <a href="/api/health">/api</a>.</p></body></html>`;

/**
 * Serves the built dashboard: files from `distDir`, and index.html for any other path that is not
 * under /api, so that client-side routes (/rollout?org=…) work when opened or reloaded directly.
 * Call after the API routes are registered.
 */
export function mountDashboard(app: Hono, distDir: string = DEFAULT_DIST_DIR): void {
  let files: Map<string, StaticFile> | null = null;
  let loadedMtime = 0;
  const indexPath = join(distDir, 'index.html');

  // Reload when the build changes (npm run build while the server runs), checked cheaply by mtime.
  const current = (): Map<string, StaticFile> | null => {
    let mtime = 0;
    try {
      mtime = statSync(indexPath).mtimeMs;
    } catch {
      files = null;
      return null;
    }
    if (!files || mtime !== loadedMtime) {
      files = loadDist(distDir);
      loadedMtime = mtime;
    }
    return files;
  };

  app.get('*', (c) => {
    const path = c.req.path;
    if (path === '/api' || path.startsWith('/api/')) return c.notFound();
    const dist = current();
    if (!dist) return c.html(NOT_BUILT_PAGE, 503);
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return c.text('Bad path', 400);
    }
    const file = decoded !== '/index.html' ? dist.get(decoded) : undefined;
    if (file) return send(c, file, false);
    // A missing hashed asset is a 404 (an old tab after a redeploy), not the app's HTML.
    if (decoded.startsWith('/assets/') || /\.[a-z0-9]{1,5}$/i.test(decoded)) return c.text('Not found', 404);
    const index = dist.get('/index.html');
    return index ? send(c, index, true) : c.html(NOT_BUILT_PAGE, 503);
  });
}
