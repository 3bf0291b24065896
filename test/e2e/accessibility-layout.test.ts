/**
 * End-to-end, in headless Chromium at 1280 px, signed in as an admin (who may open every page):
 *
 * - axe-core (WCAG 2.0 / 2.1 / 2.2 A and AA rules) on every page of the registry — with the
 *   organisation picker closed, and again with it open — and no serious or critical violation;
 * - the picker by keyboard: choosing an organisation leaves the focus on the picker's button (not
 *   the page's body), and tabbing out of the open picker closes it;
 * - the layout: no table's card scrolls sideways, the page does not scroll sideways, and no chart
 *   draws outside its card (every mark's box is inside the card's box), on every page and on the
 *   CCG and practice views of Rollout.
 *
 * Screenshots go to test-artifacts/a11y-*.png to be looked at.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES } from '../../web/src/pages/registry.js';
import { chromiumAvailable, launchBrowser, type Browser } from '../../scripts/browser/chromium.js';
import { startRegionServer, type RegionServer } from './region-server.js';
import { signInThroughPage } from './sign-in.js';

const ARTIFACTS = resolve(fileURLToPath(new URL('../../test-artifacts', import.meta.url)));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** The rules of WCAG 2.2 level AA (and the levels and versions below it). */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

let server: RegionServer;
let browser: Browser;
let page: Page;
let orgs: { root: string; orgs: Array<{ code: string; name: string; type: string; children: string[] }> };
const problems: string[] = [];

const nameOf = (path: string) => (path === '/' ? 'overview' : path.slice(1));

/** Waits until nothing on the page is loading and every chart is drawn. */
async function settled(p: Page): Promise<void> {
  await p.waitForFunction(() => !!document.querySelector('main h1') && document.querySelectorAll('.state-loading, [aria-busy="true"]').length === 0, undefined, {
    timeout: 90_000,
  });
  await p.waitForFunction(() => [...document.querySelectorAll('.plot-host')].every((h) => h.querySelector('svg, figure') || h.textContent), undefined, {
    timeout: 90_000,
  });
}

async function open(path: string): Promise<void> {
  await page.goto(`${server.url}${path}`);
  await settled(page);
}

/** axe-core's serious and critical violations of the WCAG 2.2 AA rules on the page as it is. */
async function axeViolations(p: Page): Promise<Violation[]> {
  // Through the DevTools protocol, so the page's policy (scripts from this server only) is kept.
  if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(AXE_SOURCE);
  const all = await p.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')) }));
  }, WCAG_TAGS);
  if (all.length) console.log(`[e2e a11y] ${p.url()}:`, JSON.stringify(all, null, 1));
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** What breaks the 1280 px layout: sideways scrolling in a card or the page, and chart marks outside their card. */
async function layoutProblems(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const out: string[] = [];
    const label = (el: Element) => (el.closest('[data-card]')?.getAttribute('data-card') ?? el.closest('section, main')?.querySelector('h1, h2')?.textContent ?? '?').slice(0, 60);
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth + 1) out.push(`the page scrolls sideways (${doc.scrollWidth} px wide at ${window.innerWidth} px)`);
    for (const card of document.querySelectorAll('.card')) {
      if (card.scrollWidth > card.clientWidth + 1) out.push(`card "${label(card)}" is wider than itself (${card.scrollWidth} > ${card.clientWidth})`);
      for (const el of card.querySelectorAll<HTMLElement>('*')) {
        const style = getComputedStyle(el);
        if (!/(auto|scroll)/.test(style.overflowX)) continue;
        if (el.scrollWidth > el.clientWidth + 1) out.push(`card "${label(card)}": ${el.tagName.toLowerCase()}.${el.className} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
      }
    }
    for (const svg of document.querySelectorAll('.plot-host svg')) {
      const card = svg.closest('.card, section, main')!;
      const box = card.getBoundingClientRect();
      let worst: { el: string; by: number } | null = null;
      for (const el of [svg, ...svg.querySelectorAll('path, rect, line, circle, text, image')]) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        const by = Math.max(box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom);
        if (by > 1 && (!worst || by > worst.by)) worst = { el: `${el.tagName}${el.parentElement?.getAttribute('data-mark') ? ` in ${el.parentElement.getAttribute('data-mark')}` : ''}`, by: Math.round(by) };
      }
      if (worst) out.push(`chart in "${label(svg)}" draws ${worst.by} px outside its card (${worst.el})`);
    }
    return out;
  });
}

const toggle = (p: Page) => p.locator('main .org-picker-toggle').first();

describe.skipIf(!chromiumAvailable())('accessibility and layout at 1280 px (axe-core, every page)', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startRegionServer();
    orgs = (await (await server.api('/api/orgs')).json()) as typeof orgs;
    browser = await launchBrowser({ width: 1280, height: 900 });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error on ${page.url()}: ${m.text()}`);
    });
    await signInThroughPage(page, server.url, server.users.admin, '/');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists every page of the registry, the admin pages and the SQL workbench included', () => {
    expect(PAGES.map((p) => p.path)).toEqual(expect.arrayContaining(['/', '/rollout', '/savings', '/report', '/sql', '/admin', '/audit', '/account']));
  });

  it.each(PAGES.map((p) => ({ path: p.path, title: p.title })))('$title ($path): no serious or critical axe violation, picker closed and open', async ({ path }) => {
    problems.length = 0;
    await open(path);
    await page.screenshot({ path: join(ARTIFACTS, `a11y-${nameOf(path)}.png`), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);

    // With the organisation picker open (the pages without one: the SQL workbench and Account).
    if (await toggle(page).count()) {
      await toggle(page).click();
      await page.locator('.org-panel').first().waitFor();
      expect(await toggle(page).getAttribute('aria-expanded')).toBe('true');
      await page.screenshot({ path: join(ARTIFACTS, `a11y-${nameOf(path)}-picker.png`), fullPage: false });
      expect(await axeViolations(page)).toEqual([]);
      await page.keyboard.press('Escape');
      await expect.poll(() => page.locator('.org-panel').count()).toBe(0);
    }
    expect(problems).toEqual([]);
  });

  it('the picker: choosing leaves the focus on its button; tabbing out closes it', async () => {
    await open('/');
    const ccg = orgs.orgs.find((o) => o.type === 'ccg')!;
    await toggle(page).click();
    const search = page.getByLabel('Search organisations by name or code');
    await expect.poll(() => search.evaluate((el) => el === document.activeElement)).toBe(true);
    await search.fill(ccg.code);
    await search.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('org') === ccg.code);
    await settled(page);
    expect(await page.locator('.org-panel').count()).toBe(0);
    const focused = await page.evaluate(() => ({ tag: document.activeElement?.tagName, cls: document.activeElement?.className, text: document.activeElement?.textContent }));
    expect(focused.cls).toContain('org-picker-toggle');
    expect(focused.text).toContain(ccg.name);

    // Open it with the keyboard and tab past the last option: it closes.
    await page.keyboard.press('Enter');
    await page.locator('.org-panel').waitFor();
    const options = await page.locator('.org-panel [data-org-option], .org-panel .org-expand').count();
    await page.locator('.org-panel button').last().focus();
    await page.keyboard.press('Tab');
    await expect.poll(() => page.locator('.org-panel').count()).toBe(0);
    expect(options).toBeGreaterThan(0);
  });

  it('the controls refuse what the API would refuse: a From after the To, and a what-if value out of order', async () => {
    problems.length = 0;
    await open('/?range=custom&from=2026-01-01&to=2026-03-31');
    const before = page.url();
    await page.getByLabel('From', { exact: true }).fill('2026-06-01');
    await page.getByLabel('From', { exact: true }).dispatchEvent('change');
    const alert = page.locator('.filter-bar [role="alert"]');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toContain('The From date must be on or before the To date (31 Mar 2026)');
    expect(page.url()).toBe(before);
    expect(await page.locator('main .state-error').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'a11y-dates-refused.png'), fullPage: false });
    expect(await axeViolations(page)).toEqual([]);

    await open('/savings');
    const low = page.getByLabel(/^low value of Letters/);
    await low.fill('5');
    const error = page.locator('.whatif-error');
    await error.waitFor();
    await expect(error.textContent()).resolves.toMatch(/^Low: The low value cannot be more than the central value/);
    expect(new URL(page.url()).searchParams.get('whatif')).toBeNull();
    await page.locator('.whatif').screenshot({ path: join(ARTIFACTS, 'a11y-whatif-refused.png') });
    expect(await axeViolations(page)).toEqual([]);
    await low.fill('0.5');
    await expect.poll(() => new URL(page.url()).searchParams.get('whatif')).toBe('letters_online:0.5/0.85/1.2');
    expect(await page.locator('.whatif-error').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it.each(PAGES.map((p) => ({ path: p.path, title: p.title })))('$title ($path): no sideways scroll in a card, no chart outside its card', async ({ path }) => {
    await open(path);
    expect(await layoutProblems(page)).toEqual([]);
  });

  it('the CCG and practice views of Rollout (go-live chart included) keep their charts inside their cards', async () => {
    const ccg = orgs.orgs.find((o) => o.type === 'ccg' && o.children.length > 0)!;
    for (const org of [ccg.code, ccg.children[0]!]) {
      await open(`/rollout?org=${org}`);
      await page.locator('section.card[data-card*="live"], section.card[data-card^="Go-live"]').first().waitFor();
      await page.screenshot({ path: join(ARTIFACTS, `a11y-rollout-${org === ccg.code ? 'ccg' : 'practice'}.png`), fullPage: true });
      expect(await layoutProblems(page), org).toEqual([]);
    }
  });
});
