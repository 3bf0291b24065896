/**
 * End-to-end: the board report (/report) prints to one A4 page, in headless Chromium, for an ICB,
 * a CCG and a trust (the e2e region's commissioner, CCG CIO and trust CIO, each on their own
 * organisation). The PDF is Chromium's own (page.pdf, A4, backgrounds printed, as "Save as PDF"
 * does) and its pages are counted by parsing it: one `/Type /Page` object per page. The PDFs are
 * kept in test-artifacts/report-*.pdf to be looked at.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, type Browser } from '../../scripts/browser/chromium.js';
import { startRegionServer, type E2eUser, type RegionServer } from './region-server.js';

const ARTIFACTS = resolve(fileURLToPath(new URL('../../test-artifacts', import.meta.url)));

/** The pages of a PDF: its page objects (`/Type /Page`, not the `/Type /Pages` tree nodes). */
function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
}

let server: RegionServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

async function printReport(user: E2eUser): Promise<{ pdf: Buffer; text: string }> {
  await browser.context.clearCookies();
  await browser.context.addCookies([{ ...(await server.sessionCookie(user)), url: server.url }]);
  await page.goto(`${server.url}/report`);
  await page.waitForFunction(
    () =>
      !!document.querySelector('.report h1')?.textContent &&
      !!document.querySelector('[data-testid="report-tiles"]') &&
      document.querySelectorAll('.state-loading, [aria-busy="true"]').length === 0 &&
      [...document.querySelectorAll('.report .plot-host')].every((h) => h.querySelector('svg, figure')),
    undefined,
    { timeout: 90_000 },
  );
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  const text = ((await page.locator('.report').textContent()) ?? '').replace(/\s+/g, ' ');
  return { pdf, text };
}

describe.skipIf(!chromiumAvailable())('the board report prints to one A4 page', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startRegionServer();
    browser = await launchBrowser({ width: 1280, height: 900 });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('counts the pages of a PDF', () => {
    const two = Buffer.from('1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] >> 2 0 obj << /Type /Page >> 3 0 obj <</Type/Page/Parent 1 0 R>>', 'latin1');
    expect(pdfPageCount(two)).toBe(2);
  });

  it.each([
    { who: 'icb', user: () => server.users.commissioner },
    { who: 'ccg', user: () => server.users.ccgCio },
    { who: 'trust', user: () => server.users.trustCio },
  ])('$who: one page', async ({ who, user }) => {
    problems.length = 0;
    const { pdf, text } = await printReport(user());
    writeFileSync(join(ARTIFACTS, `report-${who}.pdf`), pdf);
    expect(pdfPageCount(pdf), `report-${who}.pdf`).toBe(1);
    expect(problems).toEqual([]);
    if (who === 'trust') {
      // Labelled lines only; no cost or payback where the organisation has no costs.
      expect(text).not.toContain('Cost £0');
      expect(text).not.toContain('Payback');
      expect(text).toContain('No programme costs are recorded against this organisation');
      expect(text).toContain('Reached by its record feeds');
    }
  });
});
