/**
 * Browser tests drive Debian's Chromium (`/usr/bin/chromium`) through playwright-core. Every page is served
 * to the browser under the strict Content-Security-Policy the sandbox's pages must live with (no inline
 * script or style), and any console error or policy violation fails the test. Screenshots go to
 * .ci/out/screenshots/ (ignored by git), for people to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '.ci', 'out', 'screenshots');

/** What the dashboard and buyer pages are served with once the sandbox sends security headers. */
export const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'";

export const PHONE: BrowserContextOptions = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 860 } };

export interface Pages {
  /** A new page in a fresh context; console errors and CSP violations are collected into `problems`. */
  open(options?: BrowserContextOptions): Promise<Page>;
  /** Console errors, page errors and CSP violations seen so far in this test. */
  problems: string[];
  screenshot(page: Page, name: string): Promise<void>;
}

/** Launches Chromium once for the file; fails with what to install when it is missing. */
export function browserPages(): Pages {
  let browser: Browser | null = null;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}, and the browser tests need it. Install it with ` +
          '`apt-get update && apt-get install -y chromium fonts-noto-cjk` (.ci/run does this when it is missing).',
      );
    }
    // launch() gives the browser a fresh temporary profile of its own, removed when it closes.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) {
      // A request still being routed when the test ends (a favicon) must not fail it after the fact.
      await c.unrouteAll({ behavior: 'ignoreErrors' });
      await c.close();
    }
    problems.length = 0;
  });
  afterAll(async () => {
    await browser?.close();
  });

  return {
    problems,
    async open(options = DESKTOP) {
      const context = await browser!.newContext({ locale: 'en-US', ...options });
      contexts.push(context);
      // Serve every document under the strict policy; the event stream is left alone (it never ends, so
      // it cannot be fetched whole and fulfilled).
      await context.route(
        (url) => !url.pathname.endsWith('/stream'),
        async (route) => {
          // Redirects go back to the browser, which follows them itself (and sees where they lead).
          const response = await route.fetch({ maxRedirects: 0 }).catch(() => null);
          if (!response) return route.abort('connectionrefused');
          const headers = response.headers();
          if ((headers['content-type'] ?? '').startsWith('text/html')) headers['content-security-policy'] = STRICT_CSP;
          await route.fulfill({ response, headers });
        },
      );
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      return page;
    },
    async screenshot(page, name) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
  };
}
