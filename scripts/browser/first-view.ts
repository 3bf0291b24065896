/// <reference lib="dom" />
// The page-side check below runs in the browser (page.waitForFunction), hence the DOM types.
import { launchBrowser } from './chromium.js';

/**
 * How long the Overview takes to be ready on first view: from navigation start until every
 * headline tile shows its figure and the four charts are drawn. Called by the e2e test (which
 * reports it) and by `npm run bench` with the URL of a running server.
 */
export interface FirstViewResult {
  /** Milliseconds from navigation start, one per run (each run is a fresh browser cache). */
  runsMs: number[];
  medianMs: number;
  /** Requests the page made before it was ready (scripts, styles, API calls). */
  requests: number;
}

/**
 * Ready: the four headline tiles hold their figures (a digit, or `*` for a hidden one; not the
 * loading mark) and four chart cards each hold a drawn chart. Counted per card, not per <svg>:
 * a chart with a legend is a <figure> holding several, which would count one chart more than once.
 */
const OVERVIEW_READY_SCRIPT = () => {
  const tiles = [...document.querySelectorAll('.tiles [data-testid^="headline-"] .tile-value')];
  const figures = tiles.length === 4 && tiles.every((t) => /[0-9*]/.test(t.textContent ?? ''));
  const drawn = [...document.querySelectorAll('.card .plot-host')].filter((h) => h.querySelector(':scope > svg, :scope > figure')).length;
  return figures && drawn >= 4;
};

/**
 * `session`: a session cookie placed in each fresh profile, so the run measures a signed-in
 * reader's first view (a signed-out browser is sent to the sign-in page).
 */
export async function measureOverviewFirstView(
  baseUrl: string,
  options: { runs?: number; path?: string; session?: { name: string; value: string } } = {},
): Promise<FirstViewResult> {
  const runs = options.runs ?? 3;
  const runsMs: number[] = [];
  let requests = 0;
  for (let i = 0; i < runs; i++) {
    // A fresh profile per run: nothing cached, as for a first visit.
    const browser = await launchBrowser();
    try {
      if (options.session) await browser.context.addCookies([{ ...options.session, url: baseUrl, httpOnly: true, sameSite: 'Strict' }]);
      const page = await browser.context.newPage();
      let count = 0;
      page.on('request', () => (count += 1));
      await page.goto(new URL(options.path ?? '/', baseUrl).toString(), { waitUntil: 'commit' });
      await page.waitForFunction(OVERVIEW_READY_SCRIPT, undefined, { timeout: 30_000, polling: 'raf' });
      runsMs.push(Math.round(await page.evaluate(() => performance.now())));
      requests = count;
    } finally {
      await browser.close();
    }
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return { runsMs, medianMs: sorted[Math.floor(sorted.length / 2)]!, requests };
}
