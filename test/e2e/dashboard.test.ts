/**
 * End-to-end: the built dashboard, served with the API by the same Hono server over a small
 * generated region, driven in headless Chromium. Every page opens without console errors and
 * shows real numbers; drill-down and filters change the URL and the charts; CSV downloads have
 * rows; the what-if panel recomputes; the report prints on one A4 page. Screenshots of every page
 * go to test-artifacts/ to be looked at.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { differenceInCalendarWeeks, parseISO } from 'date-fns';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, type Browser } from '../../scripts/browser/chromium.js';
import { MAIN_BUNDLE_BUDGET_GZIP, measureBundleSizes } from './bundle-size.js';
import { measureOverviewFirstView } from '../../scripts/browser/first-view.js';
import { startRegionServer, type E2eUser, type RegionServer } from './region-server.js';
import { signInThroughPage } from './sign-in.js';
import { anchorDate, resolveRange } from '../../web/src/lib/filters.js';

const ARTIFACTS = resolve(fileURLToPath(new URL('../../test-artifacts', import.meta.url)));

const PAGES = [
  { path: '/', name: 'overview', heading: 'Overview' },
  { path: '/rollout', name: 'rollout', heading: 'Rollout' },
  { path: '/engagement', name: 'engagement', heading: 'Engagement' },
  { path: '/funnel', name: 'funnel', heading: 'Funnel & campaigns' },
  { path: '/savings', name: 'savings', heading: 'Savings & ROI' },
  { path: '/data', name: 'data-consent', heading: 'Data & consent' },
  { path: '/equity', name: 'equity', heading: 'Equity' },
  { path: '/report', name: 'report', heading: null },
];

interface Org {
  code: string;
  name: string;
  type: string;
  parent: string | null;
  children: string[];
}

let server: RegionServer;
let browser: Browser;
/** A session cookie of the ICB's CIO, for the tests' own requests of pages. */
let cookie: string;
let orgs: { root: string; orgs: Org[] };
const problems: string[] = [];

/**
 * A page that records into `problems`: console errors, failed requests, uncaught exceptions,
 * Content-Security-Policy violations (scripts from this server only, never inline), and preloads
 * the browser fetched for nothing (the server names each page's first requests in its HTML).
 */
async function openPage(): Promise<Page> {
  const page = await browser.context.newPage();
  // Runs before the page's own scripts (and is not itself subject to the page's policy).
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error on ${page.url()}: ${m.text()}`);
    if (m.type() === 'warning' && /preload/i.test(m.text())) problems.push(`unused preload on ${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  return page;
}

/** Waits until nothing on the page is loading (every card has its data or its message). */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => !!document.querySelector('main h1, main .report h1') && document.querySelectorAll('.state-loading, [aria-busy="true"]').length === 0,
    undefined,
    { timeout: 30_000 },
  );
  // Charts are drawn after their data arrives (Plot may still be loading).
  await page.waitForFunction(() => [...document.querySelectorAll('.plot-host')].every((h) => h.querySelector('svg, figure') || h.textContent), undefined, {
    timeout: 30_000,
  });
}

/** Signs in through the sign-in page, as a person does: opening `path` sends a stranger there first. */
const signIn = (page: Page, user: E2eUser, path = '/'): Promise<void> => signInThroughPage(page, server.url, user, path);

const cardTable = (page: Page, titleStart: string) => page.locator(`section.card[data-card^="${titleStart}"]`);

describe.skipIf(!chromiumAvailable())('dashboard in a real browser', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startRegionServer();
    console.log(
      `[e2e] region ready at ${server.url}: generated in ${server.setupSeconds.generate.toFixed(1)} s, ` +
        `imported in ${server.setupSeconds.import.toFixed(1)} s, dashboard built in ${server.setupSeconds.build.toFixed(1)} s`,
    );
    orgs = (await (await server.api('/api/orgs')).json()) as typeof orgs;
    const session = await server.sessionCookie(server.users.cio);
    cookie = `${session.name}=${session.value}`;
    browser = await launchBrowser({ downloadsPath: join(ARTIFACTS, 'downloads') });
    // The dashboard tests read as the ICB's CIO, signed in through the sign-in page like a person.
    const page = await browser.context.newPage();
    await signIn(page, server.users.cio);
    await page.close();
    // Generating and importing the region takes 20–60 s, more when the whole suite runs at once.
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the app for client routes and long-caches hashed assets', async () => {
    const html = await fetch(`${server.url}/rollout?org=${orgs.root}`, { headers: { 'accept-encoding': 'gzip', cookie } });
    expect(html.status).toBe(200);
    expect(html.headers.get('cache-control')).toBe('no-cache, private');
    const body = await html.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(body)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(`${server.url}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect((await fetch(`${server.url}/assets/missing-123.js`)).status).toBe(404);
    const api404 = await server.api('/api/nothing-here');
    expect(api404.status).toBe(404);
  });

  it('sends a Content-Security-Policy that runs scripts from this server only, never inline', async () => {
    for (const path of [...PAGES.map((p) => p.path), '/signin', '/admin', '/account', '/api/me']) {
      const csp = (await fetch(`${server.url}${path}`, { headers: { cookie } })).headers.get('content-security-policy') ?? '';
      const scriptSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'));
      // No 'unsafe-eval' either: nothing in the dashboard builds code from strings.
      expect(scriptSrc, path).toBe("script-src 'self'");
    }
    // The pages opened below record every policy violation as a problem (see openPage).
  });

  it("names the Overview's first requests in its HTML, so they start before any script runs", async () => {
    const html = await (await fetch(`${server.url}/`, { headers: { cookie } })).text();
    const data = [...html.matchAll(/<link rel="preload" href="([^"]+)" as="fetch"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    expect(data).toContain('/api/orgs');
    expect(data.filter((u) => u.startsWith('/api/metrics/')).map((u) => u.split('?')[0])).toEqual([
      '/api/metrics/uptake',
      '/api/metrics/active_users',
      '/api/metrics/roi',
      '/api/metrics/consent',
      // the verdict against the target (RAG, projected date, trend) is the rollout metric's
      '/api/metrics/rollout',
    ]);
    const chunks = [...html.matchAll(/<link rel="modulepreload"[^>]* href="([^"]+)"/g)].map((m) => m[1]!);
    expect(chunks.some((c) => /\/assets\/Overview-[\w-]+\.js$/.test(c))).toBe(true);
    expect(chunks.some((c) => /\/assets\/Rollout-/.test(c))).toBe(false);
    // Every preloaded answer is the one the page asks for, used once: no other or repeated request.
    const page = await openPage();
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/metrics/')) asked.push(r.url().replace(server.url, ''));
    });
    problems.length = 0;
    await page.goto(`${server.url}/`);
    await settled(page);
    expect(asked.sort()).toEqual(data.filter((u) => u.startsWith('/api/metrics/')).sort());
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps the main bundle under 350 KB gzip, with Plot only in page chunks and no code built from strings anywhere', () => {
    const sizes = measureBundleSizes(server.distDir);
    console.log(
      `[e2e] main bundle ${(sizes.main.gzipBytes / 1024).toFixed(1)} KB gzip; pages: ` +
        Object.entries(sizes.pages)
          .map(([name, p]) => `${name} +${(p.gzipBytes / 1024).toFixed(1)} KB`)
          .join(', '),
    );
    writeFileSync(join(ARTIFACTS, 'bundle-sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
    expect(sizes.main.gzipBytes).toBeLessThan(MAIN_BUNDLE_BUDGET_GZIP);
    const mainCode = sizes.main.files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(server.distDir, f), 'utf8')).join('\n');
    // Plot's own identifiers never reach the entry bundle.
    expect(mainCode).not.toContain("`plot-"); // Plot names its figures plot-<hash>
    // Nothing builds code from strings (the policy allows no 'unsafe-eval'), in any chunk.
    const assets = join(server.distDir, 'assets');
    for (const f of readdirSync(assets).filter((name) => name.endsWith('.js'))) {
      expect(readFileSync(join(assets, f), 'utf8'), f).not.toMatch(/\bnew Function\(|[^.\w]Function\(|\beval\(/);
    }
    expect(Object.keys(sizes.pages).sort()).toEqual(['Account', 'Admin', 'Audit', 'DataConsent', 'Engagement', 'Equity', 'Funnel', 'Overview', 'Report', 'Rollout', 'Savings', 'Sql']);
    // The account pages draw no charts: Plot stays out of what they load.
    for (const name of ['Account', 'Admin', 'Audit']) {
      expect(sizes.pages[name]!.files.filter((f) => /plot/i.test(f)), name).toEqual([]);
      const code = sizes.pages[name]!.files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(server.distDir, f), 'utf8')).join('\n');
      expect(code, name).not.toContain('`plot-');
    }
  });

  it.each(PAGES)('opens $path with real numbers and no console errors', async ({ path, name, heading }) => {
    problems.length = 0;
    const page = await openPage();
    await page.goto(`${server.url}${path}`);
    await settled(page);
    if (heading) await expect(page.locator('main h1').first().textContent()).resolves.toBe(heading);
    expect(await page.locator('.state-error').count()).toBe(0);
    // Real numbers: headline tiles hold digits, and at least one chart is drawn.
    const tiles = await page.locator('.tile-value').allTextContents();
    expect(tiles.some((t) => /\d/.test(t))).toBe(true);
    expect(await page.locator('.plot-host svg').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, `e2e-${name}.png`), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('drills down from the ICB to a CCG (table row) and to a practice (bar), changing the URL and the charts', async () => {
    problems.length = 0;
    const page = await openPage();
    await page.goto(`${server.url}/rollout`);
    await settled(page);
    const ccgs = orgs.orgs.filter((o) => o.type === 'ccg');
    const ccg = ccgs[0]!;
    const league = cardTable(page, 'League table');
    expect(await league.locator('tbody tr').count()).toBe(ccgs.length);

    await league.getByRole('button', { name: `Show ${ccg.name}` }).click();
    await page.waitForURL((u) => u.searchParams.get('org') === ccg.code);
    await settled(page);
    // The table now lists the CCG's practices.
    expect(await league.locator('tbody tr').count()).toBe(ccg.children.length);
    await expect(page.locator('.breadcrumbs').textContent()).resolves.toContain(ccg.name);

    // Click a bar of the bar chart: it drills into that practice.
    const bar = cardTable(page, 'Uptake by').locator('svg g[data-mark="bar"] rect').first();
    await bar.hover();
    await bar.click();
    await page.waitForURL((u) => ccg.children.includes(u.searchParams.get('org') ?? ''));
    await settled(page);
    const practice = orgs.orgs.find((o) => o.code === new URL(page.url()).searchParams.get('org'))!;
    await expect(page.locator('.lede').textContent()).resolves.toContain(`${practice.name} compared with the other`);
    expect(await league.locator('tbody tr.highlight').count()).toBe(1);

    // Trusts: the ICB's tab for acute trusts.
    await page.goto(`${server.url}/rollout?level=trust`);
    await settled(page);
    expect(await league.locator('tbody tr').count()).toBe(orgs.orgs.filter((o) => o.type === 'trust').length);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('writes filters to the URL and redraws the charts with them', async () => {
    problems.length = 0;
    const page = await openPage();
    await page.goto(`${server.url}/`);
    await settled(page);
    // The month of the latest data is partial unless that day is a month end: the API flags it and
    // the active-patients chart draws it apart ("so far"), while the headline reads the month before.
    const monthly_ = (await (await server.api(`/api/metrics/active_users?grain=month`)).json()) as { rows: Array<{ complete: boolean }> };
    const lastPartial = monthly_.rows[monthly_.rows.length - 1]?.complete === false;
    const soFar = await cardTable(page, 'Active patients each').locator('svg text', { hasText: 'so far' }).count();
    expect(soFar > 0).toBe(lastPartial);
    await expect(page.getByTestId('headline-active').textContent()).resolves.toContain('last complete month');

    const uptakeCard = cardTable(page, 'Uptake over time');
    await uptakeCard.getByRole('button', { name: 'Table' }).click();
    const monthly = await uptakeCard.locator('tbody tr').count();
    expect(monthly).toBeGreaterThanOrEqual(11);

    await page.getByLabel('Dates').selectOption('3m');
    await page.waitForURL((u) => u.searchParams.get('range') === '3m');
    await settled(page);
    await uptakeCard.getByRole('button', { name: 'Table' }).click();
    const weekly = await uptakeCard.locator('tbody tr').count();
    // "Last 3 months" is whole months up to the latest data day, shown by week (the default grain
    // for a quarter): one row per calendar week it touches, not 12 months.
    const health = (await (await server.api('/api/health')).json()) as { asOf: { latestEventAt: string | null } };
    const { from, to } = resolveRange('3m', anchorDate(health.asOf.latestEventAt));
    expect(weekly).toBe(differenceInCalendarWeeks(parseISO(to!), parseISO(from!), { weekStartsOn: 1 }) + 1);
    await expect(uptakeCard.locator('tbody tr').first().textContent()).resolves.toMatch(/^w\/c /);

    await page.getByLabel('Show by').selectOption('month');
    await page.waitForURL((u) => u.searchParams.get('grain') === 'month');
    await settled(page);
    await uptakeCard.getByRole('button', { name: 'Table' }).click();
    expect(await uptakeCard.locator('tbody tr').count()).toBeLessThanOrEqual(3);

    // "Since the programme began" asks every metric from the programme's first day (never without
    // `from`, which would give each metric its own default window).
    const asked: string[] = [];
    page.on('request', (r) => asked.push(r.url()));
    const { asOf } = (await (await server.api(`/api/orgs`)).json()) as { asOf: { programmeStart: string } };
    await page.getByLabel('Dates').selectOption('all');
    await page.waitForURL((u) => u.searchParams.get('range') === 'all');
    await settled(page);
    const froms = asked.filter((u) => u.includes('/api/metrics/') && !u.includes('/api/metrics/rollout')).map((u) => new URL(u).searchParams.get('from'));
    expect(froms.length).toBeGreaterThan(0);
    expect(new Set(froms)).toEqual(new Set([asOf.programmeStart]));

    // The organisation picker: search and choose with the keyboard.
    const ccg = orgs.orgs.find((o) => o.type === 'ccg')!;
    await page.getByRole('button', { name: /^Organisation/ }).click();
    await page.getByLabel('Search organisations by name or code').fill(ccg.name);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('org') === ccg.code);
    await settled(page);
    await expect(page.locator('.page-caption').textContent()).resolves.toContain(ccg.name);

    // Back undoes the last filter change.
    await page.goBack();
    await page.waitForURL((u) => !u.searchParams.has('org'));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('can be used with the keyboard alone: choose an organisation, drill down, sort', async () => {
    problems.length = 0;
    const page = await openPage();
    await page.goto(`${server.url}/rollout`);
    await settled(page);
    const ccg = orgs.orgs.find((o) => o.type === 'ccg')!;
    // The organisation picker: Enter opens it with the search box focused; arrows move; Enter chooses.
    await page.locator('.org-picker-toggle').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('search');
    await page.keyboard.type(ccg.name.split(' ').slice(1, 2).join(' '));
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-org-option'))).toBeTruthy();
    const chosen = await page.evaluate(() => document.activeElement?.getAttribute('data-org-option'));
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('org') === chosen);
    await settled(page);
    // Drill down from the league table with the keyboard.
    const league = cardTable(page, 'League table');
    const firstRow = league.locator('tbody th button').first();
    const name = (await firstRow.textContent())!;
    await firstRow.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('org') !== chosen);
    await settled(page);
    await expect(page.locator('.page-caption').textContent()).resolves.toContain(name);
    // Sort a column from the keyboard.
    const sortButton = league.getByRole('button', { name: /Activated patients/ });
    await sortButton.focus();
    await page.keyboard.press('Enter');
    expect(await league.locator('th[aria-sort]').count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lists the import runs on the Data & consent page, one row per imported batch', async () => {
    problems.length = 0;
    const api = (await (await server.api('/api/import-runs?limit=50')).json()) as { runs: Array<{ batchId: string; status: string }> };
    expect(api.runs.length).toBeGreaterThan(0);
    const page = await openPage();
    await page.goto(`${server.url}/data`);
    await settled(page);
    const card = cardTable(page, 'Import runs: the latest');
    const rows = card.locator('tbody tr');
    expect(await rows.count()).toBe(Math.min(api.runs.length, 25)); // the first 25, the rest on request
    await expect(card.locator('tbody').textContent()).resolves.toContain(api.runs[0]!.batchId);
    expect(await card.locator('tbody td', { hasText: /^Succeeded$/ }).count()).toBe(api.runs.slice(0, 25).filter((r) => r.status === 'succeeded').length);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('downloads a chart as CSV with rows', async () => {
    const page = await openPage();
    await page.goto(`${server.url}/rollout`);
    await settled(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      cardTable(page, 'League table').getByRole('button', { name: /Download CSV/ }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^league-table.*\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8').replace(/^\ufeff/, '');
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toContain('Organisation');
    expect(lines.length).toBe(1 + orgs.orgs.filter((o) => o.type === 'ccg').length);
    expect(lines[1]).toMatch(/\d/);
    await page.close();
  });

  it('recomputes savings in the browser when a value per activity changes', async () => {
    problems.length = 0;
    const page = await openPage();
    await page.goto(`${server.url}/savings`);
    await settled(page);
    const total = page.locator('[data-testid="savings-total"] .tile-value');
    const before = await total.textContent();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    // The high value first: a central value above the high one is refused (low ≤ central ≤ high).
    await page.locator('[data-testid="whatif-table"] input[aria-label^="high value"]').first().fill('500');
    await page.waitForURL((u) => u.searchParams.has('whatif'));
    const input = page.locator('[data-testid="whatif-table"] input[aria-label^="central value"]').first();
    await input.fill('500');
    await page.waitForURL((u) => /:[\d.]+\/500\/500/.test(u.searchParams.get('whatif') ?? ''));
    await expect.poll(() => total.textContent()).not.toBe(before);
    // Worked out in the browser: no new API request was needed.
    expect(requests.filter((u) => u.includes('/api/'))).toEqual([]);
    await expect(page.locator('.notice').textContent()).resolves.toContain('what-if scenario');
    await page.getByRole('button', { name: "Reset to the model's values" }).click();
    await expect.poll(() => total.textContent()).toBe(before);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('prints the report of any organisation on one A4 page', async () => {
    const page = await openPage();
    const ccg = orgs.orgs.find((o) => o.type === 'ccg')!;
    await page.goto(`${server.url}/report?org=${ccg.code}`);
    await settled(page);
    await expect(page.locator('.report h1').textContent()).resolves.toBe(ccg.name);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.site-nav').isVisible()).toBe(false);
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    writeFileSync(join(ARTIFACTS, 'e2e-report.pdf'), pdf);
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages).toBe(1);
    await page.close();
  });

  it('fits a tablet screen without sideways scrolling', async () => {
    const tablet = await launchBrowser({ width: 820, height: 1180 });
    try {
      await tablet.context.addCookies([{ ...(await server.sessionCookie(server.users.cio)), url: server.url }]);
      for (const p of ['/', '/rollout', '/savings', '/data']) {
        const page = await tablet.context.newPage();
        await page.goto(`${server.url}${p}`);
        await settled(page);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `sideways overflow on ${p}`).toBeLessThanOrEqual(0);
        await page.screenshot({ path: join(ARTIFACTS, `e2e-tablet${p === '/' ? '-overview' : p.replace('/', '-')}.png`), fullPage: true });
        await page.close();
      }
    } finally {
      await tablet.close();
    }
  });

  it('measures the first view of the Overview (reported, not asserted: npm run bench checks speed)', async () => {
    const result = await measureOverviewFirstView(server.url, { runs: 3, session: await server.sessionCookie(server.users.cio) });
    console.log(`[e2e] Overview first view: median ${result.medianMs} ms (runs ${result.runsMs.join(', ')} ms, ${result.requests} requests)`);
    writeFileSync(join(ARTIFACTS, 'first-view.json'), `${JSON.stringify(result, null, 2)}\n`);
    expect(result.runsMs).toHaveLength(3);
  });

  // ---- access control in the browser ------------------------------------------------------------

  /** A browser of its own (its own cookies), at the desktop width. */
  async function freshBrowser<T>(run: (page: Page) => Promise<T>): Promise<T> {
    const own = await launchBrowser();
    const page = await own.context.newPage();
    page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 40[139]/.test(m.text())) problems.push(`console error on ${page.url()}: ${m.text()}`);
    });
    try {
      return await run(page);
    } finally {
      await own.close();
    }
  }

  const noSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  it('sends a stranger to the sign-in page, says when the password is wrong, and then brings them back', async () => {
    problems.length = 0;
    const ccg = orgs.orgs.find((o) => o.type === 'ccg')!;
    await freshBrowser(async (page) => {
      await page.goto(`${server.url}/rollout?org=${ccg.code}`);
      await page.waitForURL((u) => u.pathname === '/signin');
      expect(new URL(page.url()).searchParams.get('next')).toBe(`/rollout?org=${ccg.code}`);
      await expect(page.locator('h1').textContent()).resolves.toBe('Sign in');
      // Nothing of the data on the way: the API answers strangers 401.
      expect((await page.request.get(`${server.url}/api/orgs`)).status()).toBe(401);
      expect(await noSideways(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(ARTIFACTS, 'e2e-signin.png'), fullPage: true });

      await page.getByLabel('Username').fill(server.users.cio.username);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.searchParams.get('error') === 'invalid');
      await expect(page.locator('.error-summary').textContent()).resolves.toContain('The username or password is not right.');
      expect(await page.title()).toMatch(/^Error: /);
      await page.screenshot({ path: join(ARTIFACTS, 'e2e-signin-error.png'), fullPage: true });

      await page.getByLabel('Username').fill(server.users.cio.username);
      await page.getByLabel('Password').fill(server.users.cio.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/rollout' && u.searchParams.get('org') === ccg.code);
      await settled(page);
      await expect(page.getByTestId('account-bar').textContent()).resolves.toContain('CIO');
    });
    expect(problems).toEqual([]);
  });

  it('lets an admin add a user on the Admin page, who can then sign in with the password shown once', async () => {
    problems.length = 0;
    const ccg = orgs.orgs.find((o) => o.type === 'ccg')!;
    let password = '';
    await freshBrowser(async (page) => {
      await signIn(page, server.users.admin, '/admin');
      await page.getByTestId('users-table').waitFor();
      const nav = await page.locator('.site-nav a').allTextContents();
      expect(nav).toContain('Admin');
      expect(nav).toContain('Audit');
      // The users, with their organisations by name.
      const table = page.getByTestId('users-table');
      await expect(table.locator(`tr[data-username="${server.users.ccgCio.username}"]`).textContent()).resolves.toContain(ccg.name);

      const form = page.getByTestId('add-user-form');
      // Nothing chosen: the error is next to the field, and the field has the focus.
      await form.getByLabel('Username').fill('e2e-new-analyst');
      await form.getByRole('button', { name: 'Add user' }).click();
      await expect(form.locator('.form-error').first().textContent()).resolves.toContain('Choose a role');
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe(await form.getByLabel('Role').getAttribute('id'));

      await form.getByLabel('Role').selectOption('analyst');
      await form.getByRole('button', { name: /^Organisation/ }).click();
      await form.getByLabel('Search organisations by name or code').fill(ccg.code);
      await page.keyboard.press('Enter');
      await form.getByRole('button', { name: 'Add user' }).click();
      const secret = page.getByTestId('one-time-secret');
      await secret.waitFor();
      password = (await secret.locator('.secret-value code').textContent())!;
      expect(password).toMatch(/^\S{12,}$/);
      await expect(table.locator('tr[data-username="e2e-new-analyst"]').textContent()).resolves.toContain('Analyst');

      // A taken username: the server's message, next to the username.
      await form.getByLabel('Username').fill('e2e-new-analyst');
      await form.getByLabel('Role').selectOption('commissioner');
      await form.getByRole('button', { name: /^Organisation/ }).click();
      await form.getByLabel('Search organisations by name or code').fill(ccg.code);
      await page.keyboard.press('Enter');
      await form.getByRole('button', { name: 'Add user' }).click();
      await expect.poll(() => form.locator('.form-error').first().textContent()).toContain("already exists");

      // Their tokens: one made here is shown once, and revoked.
      await table.getByRole('button', { name: 'Manage e2e-new-analyst' }).click();
      await page.waitForURL((u) => u.searchParams.get('user') === 'e2e-new-analyst');
      const manage = page.getByTestId('manage-user');
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Manage e2e-new-analyst');
      await manage.getByLabel('Label for a new token').fill('Notebook');
      await manage.getByRole('button', { name: 'Create token' }).click();
      const token = (await manage.getByTestId('one-time-secret').locator('.secret-value code').textContent())!;
      expect(token).toMatch(/^pit_/);
      expect((await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      await manage.getByRole('button', { name: 'Revoke token Notebook' }).click();
      // Once the page shows it revoked (the server has answered), the token no longer works. (Not
      // asked while the revocation is in flight: a lookup racing it can keep the token for the
      // credential cache's 15 s, server/auth/sessions.ts.)
      await manage.getByText('has no API tokens').waitFor();
      expect((await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
      await manage.getByRole('button', { name: 'Done, hide it' }).click();
      expect(await noSideways(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(ARTIFACTS, 'e2e-admin.png'), fullPage: true });
    });
    await freshBrowser(async (page) => {
      await signIn(page, { username: 'e2e-new-analyst', password, role: 'analyst', org: ccg.code });
      await settled(page);
      await expect(page.getByTestId('account-bar').textContent()).resolves.toContain('Analyst');
      await expect(page.locator('.page-caption').textContent()).resolves.toContain(ccg.name);
    });
    expect(problems).toEqual([]);
  });

  it("shows a CCG's CIO only their CCG in the organisation picker, and says so for another organisation", async () => {
    problems.length = 0;
    const mine = orgs.orgs.find((o) => o.code === server.users.ccgCio.org)!;
    const other = orgs.orgs.find((o) => o.type === 'ccg' && o.code !== mine.code)!;
    await freshBrowser(async (page) => {
      await signIn(page, server.users.ccgCio, '/rollout');
      await settled(page);
      await expect(page.locator('.page-caption').textContent()).resolves.toContain(mine.name);
      await page.locator('.org-picker-toggle').click();
      const options = await page.locator('[data-org-option]').evaluateAll((els) => els.map((e) => e.getAttribute('data-org-option')));
      expect(options[0]).toBe(mine.code);
      expect(options.length).toBeGreaterThan(1);
      expect(options.every((c) => c === mine.code || mine.children.includes(c!))).toBe(true);
      expect(options).not.toContain(orgs.root);
      await page.getByLabel('Search organisations by name or code').fill(other.name);
      await expect(page.locator('.org-none').textContent()).resolves.toContain('No organisation matches');
      await page.keyboard.press('Escape');
      // Another CCG in the URL: not shown, and the page says why.
      await page.goto(`${server.url}/?org=${other.code}`);
      await settled(page);
      await expect(page.locator('.notice').first().textContent()).resolves.toContain('among those you can see');
      await expect(page.locator('.page-caption').textContent()).resolves.toContain(mine.name);
      // The import-run log and data quality cover the whole region: not for a CCG, said plainly.
      await page.goto(`${server.url}/data`);
      await settled(page);
      expect(await page.locator('.state-error').count()).toBe(0);
      await expect(cardTable(page, 'Import runs').textContent()).resolves.toContain('Not available');
      await expect(cardTable(page, 'Data quality').textContent()).resolves.toContain('Not available');
    });
    expect(problems.filter((p) => !p.includes('HTTP 4'))).toEqual([]);
  });

  it("tells a trust's CIO that practice-counted figures are not available for their trust, without errors", async () => {
    problems.length = 0;
    const trust = orgs.orgs.find((o) => o.code === server.users.trustCio.org)!;
    await freshBrowser(async (page) => {
      const failed: string[] = [];
      page.on('response', (r) => {
        if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
      });
      for (const path of ['/', '/engagement', '/funnel', '/equity', '/report', '/data']) {
        if (path === '/') await signIn(page, server.users.trustCio, '/');
        else await page.goto(`${server.url}${path}`);
        await settled(page);
        expect(await page.locator('.state-error').count(), path).toBe(0);
        await expect(page.locator(path === '/report' ? '.report h1' : '.page-caption').textContent()).resolves.toContain(trust.name);
        await page.screenshot({ path: join(ARTIFACTS, `e2e-trust-${path === '/' ? 'overview' : path.slice(1)}.png`), fullPage: true });
      }
      await expect(page.getByTestId('not-available').first().textContent()).resolves.toContain('counted by patients\' registered GP practice');
      // Headline figures say so too, rather than show a * like a hidden small number.
      expect(await page.locator('.tile-unavailable .tile-value').allTextContents()).toEqual(['Not available', 'Not available']);
      expect(failed).toEqual([]);
    });
    expect(problems).toEqual([]);
  });

  it('keeps Admin and Audit from a commissioner: not in the navigation, and the pages say so', async () => {
    problems.length = 0;
    await freshBrowser(async (page) => {
      await signIn(page, server.users.commissioner, '/');
      await settled(page);
      const nav = await page.locator('.site-nav a').allTextContents();
      expect(nav).not.toContain('Admin');
      expect(nav).not.toContain('Audit');
      expect(nav).toContain('Savings & ROI');
      for (const path of ['/admin', '/audit']) {
        await page.goto(`${server.url}${path}`);
        await page.getByTestId('not-allowed').waitFor();
        await expect(page.getByTestId('not-allowed').textContent()).resolves.toContain('for administrators only');
      }
      // Their own account: details, a token made and shown once with how to use it.
      await page.goto(`${server.url}/account`);
      await page.getByTestId('my-details').waitFor();
      await expect(page.getByTestId('my-details').textContent()).resolves.toContain('Commissioner');
      await page.getByLabel('Label for a new token').fill('Quarterly report script');
      await page.getByRole('button', { name: 'Create token' }).click();
      await expect(page.getByTestId('one-time-secret').locator('.secret-value code').textContent()).resolves.toMatch(/^pit_/);
      await page.getByText('How to use a token').click();
      await expect(page.locator('.usage pre').textContent()).resolves.toContain('Authorization: Bearer');
      await page.locator('table').first().waitFor();
      expect(await noSideways(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(ARTIFACTS, 'e2e-account.png'), fullPage: true });
    });
    expect(problems).toEqual([]);
  });

  it('shows the audit log to an admin, newest first, filtered, and as CSV', async () => {
    problems.length = 0;
    await freshBrowser(async (page) => {
      await signIn(page, server.users.admin, '/audit');
      const table = page.getByTestId('audit-table');
      await table.waitFor();
      expect(await table.locator('tbody tr').count()).toBeGreaterThan(5);
      await page.getByLabel('Action').selectOption('sign_in');
      await page.getByLabel('Outcome').selectOption('failed');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => table.locator('tbody tr').first().textContent()).toContain('Failed');
      const rows = await table.locator('tbody tr').allTextContents();
      expect(rows.every((r) => r.includes('Sign-in') && r.includes('Failed'))).toBe(true);
      expect(rows.some((r) => r.includes(server.users.cio.username))).toBe(true);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Download CSV/ }).click()]);
      expect(download.suggestedFilename()).toMatch(/^audit_.*\.csv$/);
      const csv = readFileSync((await download.path())!, 'utf8').replace(/^\ufeff/, '').trim().split(/\r?\n/);
      expect(csv[0]).toContain('username');
      expect(csv.length).toBe(rows.length + 1);
      await page.getByRole('button', { name: 'Clear' }).click();
      await expect.poll(() => table.locator('tbody tr').count()).toBeGreaterThan(rows.length);
      expect(await noSideways(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(ARTIFACTS, 'e2e-audit.png'), fullPage: false });
    });
    expect(problems).toEqual([]);
  });

  it('signs out for good: Back and reload show the sign-in page, not the data', async () => {
    problems.length = 0;
    await freshBrowser(async (page) => {
      await signIn(page, server.users.cio, '/');
      await settled(page);
      await page.locator('.site-nav a', { hasText: 'Rollout' }).click();
      await page.waitForURL((u) => u.pathname === '/rollout');
      await settled(page);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((u) => u.pathname === '/signin');
      expect((await page.request.get(`${server.url}/api/me`)).status()).toBe(401);
      // (A page restored from the back-forward cache reloads itself, and the server redirects.)
      await page.goBack().catch(() => undefined);
      await page.waitForLoadState('load');
      await expect.poll(() => new URL(page.url()).pathname).toBe('/signin');
      expect(await page.locator('.tile-value, .plot-host').count()).toBe(0);
      await page.reload();
      expect(new URL(page.url()).pathname).toBe('/signin');
      await expect(page.locator('h1').textContent()).resolves.toBe('Sign in');
    });
    expect(problems.filter((p) => !p.includes('HTTP 401'))).toEqual([]);
  });

  it('sends the reader to sign in again when their session is revoked, and back afterwards', async () => {
    await freshBrowser(async (page) => {
      await signIn(page, server.users.commissioner, '/');
      await settled(page);
      // An admin revokes every session of the commissioner.
      const { sessions } = (await (await server.api('/api/sessions?all=true')).json()) as { sessions: Array<{ id: string; username: string }> };
      for (const s of sessions.filter((x) => x.username === server.users.commissioner.username)) {
        expect((await server.api(`/api/sessions/${s.id}`, { method: 'DELETE' })).status).toBe(200);
      }
      await page.locator('.site-nav a', { hasText: 'Savings & ROI' }).click();
      await page.waitForURL((u) => u.pathname === '/signin');
      const url = new URL(page.url());
      expect(url.searchParams.get('error')).toBe('expired');
      expect(url.searchParams.get('next')).toBe('/savings');
      await expect(page.locator('.error-summary').textContent()).resolves.toContain('Your session has ended');
    });
  });
});
