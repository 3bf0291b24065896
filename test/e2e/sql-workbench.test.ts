/**
 * End-to-end: the SQL workbench page in headless Chromium, on the same generated region and
 * built dashboard as the dashboard tests (region-server.ts), signing in through the sign-in page
 * (sign-in.ts). An analyst runs a gallery example with Ctrl+Enter and sees a table and a chart,
 * downloads the whole result as CSV, cancels a query that would run for hours, sees a syntax
 * error marked in the editor and a download for publication refused and then protected; a
 * commissioner does not see the page. The page is screenshotted at 1280 px into test-artifacts/
 * and checked with axe-core. CodeMirror stays out of every other page's chunks.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, type Browser } from '../../scripts/browser/chromium.js';
import { CODEMIRROR_MARK, filesMatching, measureBundleSizes } from './bundle-size.js';
import { startRegionServer, type E2eUser, type RegionServer } from './region-server.js';
import { signInThroughPage } from './sign-in.js';

const ARTIFACTS = resolve(fileURLToPath(new URL('../../test-artifacts', import.meta.url)));
const DOWNLOADS = join(ARTIFACTS, 'downloads');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server: RegionServer;
let browser: Browser;
/** The analyst's page, signed in once and used by the tests in turn. */
let page: Page;
const problems: string[] = [];
/** Waits for a query's answer (the first one builds the scope's extract). */
const SLOW = { timeout: 20_000 };

/** A page that records console errors (but not the 4xx answers a test asks for), uncaught exceptions and policy violations. */
async function watchedPage(b: Browser, expected4xx = /status of 40[0139]/): Promise<Page> {
  const p = await b.context.newPage();
  await p.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`));
  });
  p.on('console', (m) => {
    if (m.type() === 'error' && !expected4xx.test(m.text())) problems.push(`console error on ${p.url()}: ${m.text()}`);
  });
  p.on('pageerror', (e) => problems.push(`page error on ${p.url()}: ${e.message}`));
  return p;
}

const editor = (p: Page) => p.locator('.cm-content');
const status = (p: Page) => p.getByTestId('sql-status');

/** Replaces the editor's text by typing, as a person would (select all, then type). */
async function typeSql(p: Page, sql: string): Promise<void> {
  await editor(p).click();
  await p.keyboard.press('Control+A');
  await p.keyboard.press('Delete');
  await p.keyboard.insertText(sql);
}

async function runWithKeyboard(p: Page): Promise<void> {
  await editor(p).click();
  await p.keyboard.press('Control+Enter');
}

const noSideways = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

async function signIn(b: Browser, user: E2eUser, path: string): Promise<Page> {
  const p = await watchedPage(b);
  await signInThroughPage(p, server.url, user, path);
  return p;
}

describe.skipIf(!chromiumAvailable())('SQL workbench in a real browser', () => {
  beforeAll(async () => {
    mkdirSync(DOWNLOADS, { recursive: true });
    server = await startRegionServer();
    console.log(
      `[e2e sql] region ready at ${server.url}: generated in ${server.setupSeconds.generate.toFixed(1)} s, ` +
        `imported in ${server.setupSeconds.import.toFixed(1)} s, dashboard built in ${server.setupSeconds.build.toFixed(1)} s`,
    );
    browser = await launchBrowser({ width: 1280, height: 900, downloadsPath: DOWNLOADS });
    page = await signIn(browser, server.users.analyst, '/sql');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('keeps CodeMirror in the SQL page\'s own chunks, out of the entry and every other page', () => {
    const sizes = measureBundleSizes(server.distDir);
    expect(filesMatching(server.distDir, sizes.main.files, CODEMIRROR_MARK)).toEqual([]);
    for (const [name, p] of Object.entries(sizes.pages)) {
      if (name === 'Sql') continue;
      expect(filesMatching(server.distDir, p.files, CODEMIRROR_MARK), name).toEqual([]);
    }
    // The editor is loaded by the page itself, after it is shown: a chunk of its own behind a dynamic import.
    const manifest = JSON.parse(readFileSync(join(server.distDir, '.vite/manifest.json'), 'utf8')) as Record<string, { file: string; dynamicImports?: string[] }>;
    const editorChunk = manifest['src/sql/editor.ts'];
    expect(editorChunk).toBeDefined();
    expect(manifest['src/pages/Sql.tsx']!.dynamicImports).toContain('src/sql/editor.ts');
    expect(sizes.pages.Sql!.files).not.toContain(editorChunk!.file);
    console.log(`[e2e sql] SQL page +${(sizes.pages.Sql!.gzipBytes / 1024).toFixed(1)} KB gzip before the editor`);
  });

  it('shows the page to an analyst, runs a gallery example with Ctrl+Enter, and draws a table and a chart', async () => {
    problems.length = 0;
    await expect.poll(() => page.locator('main h1').first().textContent(), SLOW).toBe('SQL workbench');
    expect(await page.locator('.site-nav a').allTextContents()).toContain('SQL workbench');
    await expect(page.getByTestId('pseudonymised-note').textContent()).resolves.toContain('not for publication as they are');
    await editor(page).waitFor();
    // The editor is labelled, and says how to run a query.
    const label = await editor(page).getAttribute('aria-labelledby');
    await expect(page.locator(`[id="${label}"]`).textContent()).resolves.toBe('SQL query');

    const example = page.locator('[data-example="weekly_active_by_age_band"] button');
    await example.click();
    await expect.poll(() => editor(page).textContent(), SLOW).toContain('age_band');
    await runWithKeyboard(page);
    await page.getByTestId('result-table').waitFor({ timeout: 30_000 });
    const rowsShown = await page.locator('[data-testid="result-table"] tbody tr:not(.spacer)').count();
    expect(rowsShown).toBeGreaterThan(0);
    const headers = await page.locator('[data-testid="result-table"] thead .result-col-name').allTextContents();
    expect(headers).toEqual(['week', 'age_band', 'active_patients']);
    await expect(status(page).textContent()).resolves.toMatch(/^\d[\d,]* rows? in (\d+ ms|\d+(\.\d)? s)$/);
    await expect.poll(() => page.getByTestId('sql-announce').textContent(), SLOW).toMatch(/^Query done: /);
    // The chart: a line per age band, drawn by Plot.
    await page.locator('[data-testid="sql-chart"] .plot-host svg').first().waitFor();
    await expect(page.locator('[data-testid="sql-chart"] select').first().inputValue()).resolves.toBe('line');
    // The chart's mark can be changed.
    await page.getByLabel('Mark').selectOption('bar');
    await page.locator('[data-testid="sql-chart"] .plot-host svg rect').first().waitFor();
    await page.getByLabel('Mark').selectOption('line');
    expect(await noSideways(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-sql-workbench.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('downloads the whole result as CSV with the header and every row', async () => {
    problems.length = 0;
    const rowCount = Number((await status(page).locator('strong').first().textContent())!.replace(/,/g, ''));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV', exact: true }).click()]);
    expect(download.suggestedFilename()).toMatch(/^query_.*\.csv$/);
    const path = join(DOWNLOADS, download.suggestedFilename());
    await download.saveAs(path);
    const lines = readFileSync(path, 'utf8').split('\r\n').filter((l) => l !== '');
    expect(lines[0]).toBe('week,age_band,active_patients');
    expect(lines.length - 1).toBe(rowCount);
    expect(problems).toEqual([]);
  });

  it('shows the first 10,000 rows of a bigger result in a windowed table, says it is cut short, and downloads all of it', async () => {
    problems.length = 0;
    await typeSql(page, 'SELECT range AS n, range % 7 AS weekday, repeat(\'x\', 40) AS padding FROM range(25000)');
    await runWithKeyboard(page);
    const note = page.getByTestId('sql-truncated');
    await note.waitFor({ timeout: 20_000 });
    await expect(note.textContent()).resolves.toContain('Only the first 10,000 rows are shown');
    // Only the rows in view are in the page, and scrolling the table's own box shows others.
    const drawn = () => page.locator('[data-testid="result-table"] tbody tr:not(.spacer)').count();
    expect(await drawn()).toBeLessThan(80);
    await page.getByTestId('result-table').evaluate((el) => (el.scrollTop = 30 * 7000));
    await expect.poll(() => page.locator('[data-testid="result-table"] tbody th').allTextContents(), SLOW).toContain('7001');
    expect(await drawn()).toBeLessThan(80);
    expect(await noSideways(page)).toBeLessThanOrEqual(0);
    const [download] = await Promise.all([page.waitForEvent('download'), note.getByRole('button', { name: 'Download the whole result as CSV' }).click()]);
    const path = join(DOWNLOADS, `whole-${download.suggestedFilename()}`);
    await download.saveAs(path);
    const lines = readFileSync(path, 'utf8').split('\r\n').filter((l) => l !== '');
    expect(lines[0]).toBe('n,weekday,padding');
    expect(lines.length - 1).toBe(25_000);
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-sql-workbench-truncated.png'), fullPage: false });
    expect(problems).toEqual([]);
  });

  it('scrolls a wide result inside its own box, never the page', async () => {
    problems.length = 0;
    await typeSql(page, 'SELECT u.*, p.*, u.* FROM usage_events u JOIN patients p USING (patient_id) LIMIT 200');
    await runWithKeyboard(page);
    await expect.poll(() => status(page).textContent(), SLOW).toMatch(/^200 rows in/);
    const box = page.getByTestId('result-table');
    const { scrollWidth, clientWidth } = await box.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
    expect(scrollWidth).toBeGreaterThan(clientWidth);
    expect(await noSideways(page)).toBeLessThanOrEqual(0);
    expect(problems).toEqual([]);
  });

  it('cancels a query that would run for hours, and says so', async () => {
    problems.length = 0;
    await typeSql(page, 'SELECT count(*) FROM range(1000000000000)');
    await runWithKeyboard(page);
    await expect.poll(() => status(page).textContent(), SLOW).toMatch(/^\s*Running… \d/);
    const cancel = page.getByRole('button', { name: 'Cancel' });
    await expect(cancel.isEnabled()).resolves.toBe(true);
    // The elapsed time counts while it runs.
    const t0 = await status(page).textContent();
    await page.waitForTimeout(400);
    expect(await status(page).textContent()).not.toBe(t0);
    await cancel.click();
    await expect.poll(() => status(page).textContent(), SLOW).toMatch(/cancelled/);
    await expect.poll(() => page.getByTestId('sql-announce').textContent(), SLOW).toBe('Query cancelled.');
    // The server is free again: the next query runs.
    await typeSql(page, 'SELECT 42 AS answer');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => status(page).textContent(), SLOW).toMatch(/^1 row in/);
    expect(problems).toEqual([]);
  });

  it('runs only the statement under the cursor, completes tables and columns, and inserts names from the schema browser', async () => {
    problems.length = 0;
    await typeSql(page, 'SELECT 1 AS first_one;\nSELECT 2 AS second_one;\n');
    // The cursor on the first line: the first statement only.
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.locator('[data-testid="result-table"] thead .result-col-name').allTextContents(), SLOW).toEqual(['first_one']);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.locator('[data-testid="result-table"] thead .result-col-name').allTextContents(), SLOW).toEqual(['second_one']);

    // Completion of the scope's tables, then of a table's columns.
    await typeSql(page, 'SELECT * FROM enrolment_ev');
    await page.keyboard.press('Control+Space');
    const completion = page.locator('.cm-tooltip-autocomplete');
    await completion.waitFor();
    await expect(completion.textContent()).resolves.toContain('enrolment_events');
    // CodeMirror ignores Enter for a moment after the list opens (so a fast typist's Enter is a new line).
    await page.waitForTimeout(250);
    await page.keyboard.press('Enter');
    await expect.poll(() => editor(page).textContent(), SLOW).toBe('SELECT * FROM enrolment_events');
    await page.keyboard.type(' e WHERE e.camp');
    await page.keyboard.press('Control+Space');
    await expect.poll(() => completion.textContent(), { timeout: 5_000 }).toContain('campaign_code');
    await page.waitForTimeout(250);
    await page.keyboard.press('Enter');
    await expect.poll(() => editor(page).textContent()).toBe('SELECT * FROM enrolment_events e WHERE e.campaign_code');
    await page.keyboard.press('Escape');

    // The schema browser: search, then press a column's name to put it at the cursor.
    await typeSql(page, 'SELECT  FROM patients');
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 'SELECT '.length; i++) await page.keyboard.press('ArrowRight');
    const browser_ = page.getByTestId('schema-browser');
    await browser_.getByLabel('Search tables and columns').fill('deprivation');
    await browser_.getByRole('button', { name: 'Insert column imd_decile' }).click();
    await expect.poll(() => editor(page).textContent(), SLOW).toBe('SELECT imd_decile FROM patients');
    await browser_.getByLabel('Search tables and columns').fill('');
    expect(problems).toEqual([]);
  });

  it('shows a syntax error with the server\'s message and marks its place in the editor', async () => {
    problems.length = 0;
    await typeSql(page, 'SELECT count(*)\nFROM patients\nWHERE GROUP BY 1');
    await runWithKeyboard(page);
    const error = page.getByTestId('sql-error');
    await error.waitFor();
    await expect(error.textContent()).resolves.toMatch(/Syntax error.*syntax error at or near "GROUP"/s);
    await expect(page.locator('.cm-sql-error').textContent()).resolves.toBe('GROUP');
    // The cursor is on it.
    const cursor = await page.evaluate(() => {
      const sel = window.getSelection();
      return sel?.anchorNode?.textContent ?? '';
    });
    expect(cursor).toContain('GROUP');
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-sql-workbench-error.png'), fullPage: false });
    expect(problems).toEqual([]);
  });

  it('refuses a download for publication with the server\'s reason, then applies the small-number rule', async () => {
    problems.length = 0;
    await typeSql(page, 'SELECT practice_code, count(*) AS patients, avg(birth_year) AS mean_birth_year, min(imd_decile) AS lowest_decile\nFROM patients\nGROUP BY ALL\nORDER BY 1');
    await runWithKeyboard(page);
    await expect.poll(() => status(page).textContent(), SLOW).toMatch(/rows? in/);
    const panel = page.getByTestId('sql-publication');
    await panel.locator('summary').click();
    await expect(panel.getByTestId('publication-rule').textContent()).resolves.toContain('1 to 7 are hidden');
    await panel.getByLabel('patients is a count of people').check();
    await panel.getByLabel('lowest_decile is a dimension').check();
    await panel.getByRole('button', { name: 'Download CSV for publication' }).click();
    const refused = panel.getByTestId('publication-refused');
    await refused.waitFor();
    await expect(refused.textContent()).resolves.toMatch(/mean_birth_year are neither declared counts of people nor dimensions/);

    // Declared as a dimension (for the test's sake), the download goes ahead, counts rounded to 5.
    await panel.getByLabel('mean_birth_year is a dimension').check();
    const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Download CSV for publication' }).click()]);
    expect(download.suggestedFilename()).toMatch(/_for-publication\.csv$/);
    const path = join(DOWNLOADS, download.suggestedFilename());
    await download.saveAs(path);
    const [header, ...rows] = readFileSync(path, 'utf8').split('\r\n').filter((l) => l !== '');
    expect(header).toBe('practice_code,patients,mean_birth_year,lowest_decile');
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.split(',')[1]).toMatch(/^(\*|0|\d*[05])$/);
    await expect(panel.getByTestId('publication-refused').count()).resolves.toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-sql-workbench-publication.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('saves, shares, renames and deletes a query, and lists the history', async () => {
    problems.length = 0;
    await typeSql(page, 'SELECT org_type, count(*) AS n FROM organisations GROUP BY ALL');
    const saved = page.getByTestId('saved-queries');
    await saved.getByLabel("Save the editor's SQL as").fill('Organisations by type');
    await saved.getByLabel('Share with analysts in my scope').check();
    await saved.getByRole('button', { name: 'Save query' }).click();
    const item = saved.locator('[data-saved="Organisations by type"]');
    await item.waitFor();
    await expect(item.textContent()).resolves.toContain('shared');
    await item.getByRole('button', { name: 'Rename Organisations by type' }).click();
    await saved.getByLabel('New name for Organisations by type').fill('Organisation types');
    await saved.getByRole('button', { name: 'Rename', exact: true }).click();
    const renamed = saved.locator('[data-saved="Organisation types"]');
    await renamed.waitFor();
    await renamed.getByRole('button', { name: 'Stop sharing Organisation types' }).click();
    await expect.poll(() => renamed.textContent(), SLOW).not.toContain('shared');
    await saved.screenshot({ path: join(ARTIFACTS, 'e2e-sql-workbench-saved.png') });
    // Opening it puts its SQL in the editor.
    await typeSql(page, 'SELECT 1');
    await renamed.getByRole('button', { name: 'Organisation types', exact: true }).click();
    await expect.poll(() => editor(page).textContent(), SLOW).toContain('FROM organisations');
    page.once('dialog', (d) => void d.accept());
    await renamed.getByRole('button', { name: 'Delete Organisation types' }).click();
    await expect.poll(() => saved.locator('[data-saved="Organisation types"]').count(), SLOW).toBe(0);

    // The history holds the queries run above, newest first; pressing one opens it.
    await page.locator('summary', { hasText: 'Your history' }).click();
    const history = page.getByTestId('query-history');
    await history.waitFor();
    await expect(history.textContent()).resolves.toContain('range(1000000000000)');
    await page.locator('.sql-side').screenshot({ path: join(ARTIFACTS, 'e2e-sql-workbench-history.png') });
    await history.locator('button', { hasText: 'SELECT 42 AS answer' }).first().click();
    await expect.poll(() => editor(page).textContent(), SLOW).toBe('SELECT 42 AS answer');
    expect(problems).toEqual([]);
  });

  it('has no serious or critical accessibility problems (axe-core)', async () => {
    problems.length = 0;
    await typeSql(page, 'SELECT org_type, count(*) AS organisations FROM organisations GROUP BY ALL ORDER BY 2 DESC');
    await runWithKeyboard(page);
    await page.getByTestId('result-table').waitFor();
    await page.locator('[data-testid="sql-chart"] .plot-host svg').first().waitFor();
    // Through the DevTools protocol, so the page's policy (scripts from this server only) is kept.
    await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
    });
    if (violations.length) console.log('[e2e sql] axe:', JSON.stringify(violations, null, 2));
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('leaves the page out of a commissioner\'s navigation, and /sql says it is not available to their role', async () => {
    problems.length = 0;
    const own = await launchBrowser({ width: 1280, height: 900 });
    try {
      const p = await signIn(own, server.users.commissioner, '/');
      const nav = await p.locator('.site-nav a').allTextContents();
      expect(nav).toContain('Overview');
      expect(nav).not.toContain('SQL workbench');
      await p.goto(`${server.url}/sql`);
      const refusal = p.getByTestId('not-allowed');
      await refusal.waitFor();
      await expect(refusal.textContent()).resolves.toContain('not available to your role');
      expect(await p.locator('.cm-content').count()).toBe(0);
      expect((await p.request.get(`${server.url}/api/sql/schema`)).status()).toBe(403);
      await p.screenshot({ path: join(ARTIFACTS, 'e2e-sql-workbench-refused.png'), fullPage: true });
    } finally {
      await own.close();
    }
    expect(problems).toEqual([]);
  });
});
