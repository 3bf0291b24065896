import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Context, Env, Hono } from 'hono';
import type { OrgsResult } from '../web/src/api/types.js';
import { firstMetricUrls } from '../web/src/pages/first-requests.js';
import { pageInfoFor as pageFor } from '../web/src/pages/page-list.js';

// Serves the built dashboard (web/dist) from the API's own Hono server. The build is a few hundred
// kilobytes, so every file is read and gzipped once into memory: no disk access per request, and
// gzip without compressing on every response.
//
// The HTML is written per page so the first view does not wait on a chain of discoveries
// (HTML → entry script → page chunk → Plot; organisations → metrics): it names the page's own
// chunks (<link rel="modulepreload">, from Vite's manifest) and, for the Overview, the metric URLs
// the page will ask for (<link rel="preload" as="fetch">, worked out by the same code the browser
// runs, web/src/pages/first-requests.ts). The browser then fetches all of them at once.

const DEFAULT_DIST_DIR = resolve(fileURLToPath(new URL('../web/dist', import.meta.url)));

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


interface StaticFile {
  body: Uint8Array;
  gzip: Uint8Array | null;
  type: string;
  etag: string;
  cacheControl: string;
}

interface Dist {
  files: Map<string, StaticFile>;
  /** index.html as built (its stylesheet written in), to which each page's hints are added. */
  indexHtml: string;
  /** Page module (registry's `module`) → URLs of the chunks it needs beyond the entry. */
  pageChunks: Map<string, string[]>;
}

export interface DashboardOptions {
  /**
   * The data URLs the page at `path` asks for first (named in its HTML). The default asks the
   * app's own /api/orgs in-process and plans the page's first metrics from it; tests may pass
   * their own. Answers slower than `hintTimeoutMs` are left out rather than delay the page.
   */
  firstRequests?: (path: string, query: URLSearchParams, cookie?: string) => Promise<string[]>;
  hintTimeoutMs?: number;
}

interface ManifestChunk {
  file: string;
  name?: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

/**
 * The chunks each page needs, from Vite's manifest: the page chunk, what it imports (not the entry,
 * which the HTML loads anyway), and what those import on demand straight away (the Overview's
 * charts with Plot). Other pages' chunks are left out.
 */
export function pageChunksFromManifest(manifest: Record<string, ManifestChunk>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const isPage = (key: string) => /^src\/pages\/[^/]+\.tsx$/.test(key) && !!manifest[key]?.isDynamicEntry;
  for (const key of Object.keys(manifest)) {
    if (!isPage(key)) continue;
    const files: string[] = [];
    const seen = new Set<string>();
    const visit = (k: string, followDynamic: boolean) => {
      const c = manifest[k];
      if (!c || c.isEntry || seen.has(k)) return;
      seen.add(k);
      files.push(`/${c.file}`);
      for (const i of c.imports ?? []) visit(i, followDynamic);
      if (followDynamic) for (const d of c.dynamicImports ?? []) if (!isPage(d)) visit(d, false);
    };
    visit(key, true);
    out.set(key.slice('src/pages/'.length, -'.tsx'.length), files);
  }
  return out;
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

function staticFile(urlPath: string, body: Uint8Array): StaticFile {
  const ext = extname(urlPath).toLowerCase();
  const gz = COMPRESSIBLE.has(ext) && body.byteLength > 1024 ? new Uint8Array(gzipSync(body, { level: 9 })) : null;
  return {
    body,
    gzip: gz && gz.byteLength < body.byteLength ? gz : null,
    type: TYPES[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`,
    cacheControl: urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
  };
}

function loadDist(distDir: string): Dist | null {
  if (!existsSync(join(distDir, 'index.html'))) return null;
  const files = new Map<string, StaticFile>();
  for (const full of walk(distDir)) {
    const urlPath = `/${relative(distDir, full).split(sep).join('/')}`;
    files.set(urlPath, staticFile(urlPath, new Uint8Array(readFileSync(full))));
  }
  let pageChunks = new Map<string, string[]>();
  try {
    pageChunks = pageChunksFromManifest(JSON.parse(readFileSync(join(distDir, '.vite', 'manifest.json'), 'utf8')));
  } catch {
    // A build without a manifest still works; pages then find their chunks themselves.
  }
  const decoder = new TextDecoder();
  const indexHtml = inlineStylesheets(readFileSync(join(distDir, 'index.html'), 'utf8'), (urlPath) => {
    const file = files.get(urlPath);
    return file ? decoder.decode(file.body) : null;
  });
  return { files, indexHtml, pageChunks };
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * index.html with the page's hints at the end of the head, after the entry script and styles (so
 * the server is asked for those first): the data preloads, then the chunk preloads.
 */
export function pageHtml(indexHtml: string, dataUrls: string[], chunkUrls: string[]): string {
  const links = [
    ...dataUrls.map((u) => `<link rel="preload" href="${escapeAttr(u)}" as="fetch" crossorigin="anonymous" />`),
    ...chunkUrls.map((u) => `<link rel="modulepreload" crossorigin href="${escapeAttr(u)}" />`),
  ];
  const headEnd = indexHtml.search(/<\/head>/i);
  if (!links.length || headEnd < 0) return indexHtml;
  return `${indexHtml.slice(0, headEnd)}  ${links.join('\n    ')}\n  ${indexHtml.slice(headEnd)}`;
}

/** Stylesheets up to this size are written into the HTML rather than linked. */
const INLINE_CSS_MAX_BYTES = 48 * 1024;

/**
 * The built index.html with its own small stylesheets written in (<style>): a linked stylesheet
 * holds back the scripts until it arrives, one more round trip on the first view, and these few
 * kilobytes are cheaper to send with the page. (The policy allows inline styles: Plot needs them.)
 */
export function inlineStylesheets(html: string, fileText: (urlPath: string) => string | null): string {
  return html.replace(/<link\b[^>]*\brel="stylesheet"[^>]*>/gi, (tag) => {
    const href = /\bhref="(\/assets\/[^"]+\.css)"/.exec(tag)?.[1];
    const css = href ? fileText(href) : null;
    if (!href || css === null || css.length > INLINE_CSS_MAX_BYTES || /<\/style/i.test(css)) return tag;
    // The disabled link is never fetched; it tells Vite's loader, which adds a page chunk's
    // stylesheet unless a <link> to it is in the page, that this one is here already.
    return `<style>${css}</style><link rel="stylesheet" href="${href}" disabled />`;
  });
}

/**
 * The default plan of a page's first data requests, from the organisation list of the app's own
 * API, asked as the signed-in reader (their cookie), so the plan stays inside their scope. Parsed
 * lists are kept by ETag (which names the data version and the scope), so writing a page's HTML
 * mostly costs no JSON parse.
 */
function firstRequestsFromApi<E extends Env>(app: Hono<E>): (path: string, query: URLSearchParams, cookie?: string) => Promise<string[]> {
  const known = new Map<string, OrgsResult>();
  return async (path, query, cookie) => {
    if (!pageFor(path) || path !== '/' || !cookie) return [];
    const res = await app.request('/api/orgs', { headers: { cookie } });
    if (!res.ok) return [];
    const etag = res.headers.get('etag');
    let orgs = etag ? known.get(etag) : undefined;
    if (!orgs) {
      orgs = (await res.json()) as OrgsResult;
      if (etag) {
        if (known.size >= 50) known.delete(known.keys().next().value as string);
        known.set(etag, orgs);
      }
    } else {
      await res.body?.cancel();
    }
    return firstMetricUrls(path, query, orgs);
  };
}

function normalisePath(path: string): string {
  const p = path.replace(/\/+$/, '');
  return p === '' ? '/' : p;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<T>((done) => (timer = setTimeout(() => done(fallback), ms)))]);
  } catch {
    return fallback;
  } finally {
    clearTimeout(timer);
  }
}

function send(c: Context, file: StaticFile, isIndex: boolean): Response {
  const headers = new Headers({
    'content-type': file.type,
    'cache-control': file.cacheControl,
    etag: file.etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
  });
  // The security headers (CSP, referrer policy, frame options) are set on every answer by the
  // access gate (server/api/access-gate.ts).
  if (isIndex) headers.set('cache-control', 'no-cache, private');
  if (c.req.header('if-none-match') === file.etag) return new Response(null, { status: 304, headers });
  const acceptsGzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
  const body = acceptsGzip && file.gzip ? file.gzip : file.body;
  if (body === file.gzip) headers.set('content-encoding', 'gzip');
  headers.set('content-length', String(body.byteLength));
  return new Response(c.req.method === 'HEAD' ? null : (body as ConstructorParameters<typeof Response>[0]), { status: 200, headers });
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
/** Any app, whatever its context variables: only routes are added. */
export function mountDashboard<E extends Env>(app: Hono<E>, distDir: string = DEFAULT_DIST_DIR, options: DashboardOptions = {}): void {
  let dist: Dist | null = null;
  let loadedMtime = 0;
  const indexPath = join(distDir, 'index.html');
  const firstRequests = options.firstRequests ?? firstRequestsFromApi(app);
  const hintTimeoutMs = options.hintTimeoutMs ?? 250;
  // Pages' HTML by URL and hints: the same few URLs (mostly "/") are asked for again and again.
  const pages = new Map<string, StaticFile>();

  // Reload when the build changes (npm run build while the server runs), checked cheaply by mtime.
  const current = (): Dist | null => {
    let mtime = 0;
    try {
      mtime = statSync(indexPath).mtimeMs;
    } catch {
      dist = null;
      return null;
    }
    if (!dist || mtime !== loadedMtime) {
      dist = loadDist(distDir);
      loadedMtime = mtime;
      pages.clear();
    }
    return dist;
  };

  const indexFor = async (d: Dist, path: string, query: URLSearchParams, cookie: string | undefined): Promise<StaticFile> => {
    const page = pageFor(path);
    const chunks = page ? (d.pageChunks.get(page.module) ?? []) : [];
    const data = page ? await withTimeout(firstRequests(path, query, cookie), hintTimeoutMs, []) : [];
    const html = pageHtml(d.indexHtml, data, chunks);
    const key = `${path}\n${html}`;
    let file = pages.get(key);
    if (!file) {
      file = staticFile('/index.html', new TextEncoder().encode(html));
      if (pages.size >= 200) pages.delete(pages.keys().next().value as string);
      pages.set(key, file);
    }
    return file;
  };

  app.get('*', async (c) => {
    const path = c.req.path;
    if (path === '/api' || path.startsWith('/api/')) return c.notFound();
    const d = current();
    if (!d) return c.html(NOT_BUILT_PAGE, 503);
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return c.text('Bad path', 400);
    }
    const file = decoded !== '/index.html' ? d.files.get(decoded) : undefined;
    if (file) return send(c, file, false);
    // A missing hashed asset is a 404 (an old tab after a redeploy), not the app's HTML.
    if (decoded.startsWith('/assets/') || /\.[a-z0-9]{1,5}$/i.test(decoded)) return c.text('Not found', 404);
    const query = new URL(c.req.url).searchParams;
    return send(c, await indexFor(d, normalisePath(decoded), query, c.req.header('cookie')), true);
  });
}
