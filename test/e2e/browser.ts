// Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium (or UPGRANT_CHROMIUM)
// driven by playwright-core, which downloads no browser of its own. A fresh profile per launch.
// Missing browser: a skip with the reason, except under CI / UPGRANT_REQUIRE_EMULATORS=1.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { emulatorsRequired } from '../support/azurite.js';

export const CHROMIUM = process.env.UPGRANT_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve('test-results');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  readonly context: BrowserContext;
  newPage(width?: number, height?: number): Promise<Page>;
  close(): Promise<void>;
}

/** Undefined (after a clear message) when the browser is missing and that is allowed. */
export async function launchBrowser(what: string): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    const message = `Chromium is not installed at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium, or set UPGRANT_CHROMIUM)`;
    if (emulatorsRequired()) throw new Error(`${what} needs a browser here (CI / UPGRANT_REQUIRE_EMULATORS): ${message}`);
    console.warn(`  skipping ${what}: ${message}`);
    return undefined;
  }
  // Playwright refuses --user-data-dir in args: a persistent context on a fresh directory is the same thing.
  const profile = await mkdtemp(path.join(os.tmpdir(), 'upgrant-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 860 } });
  return {
    context,
    async newPage(width = 1280, height = 860) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Save the page as this run's artifact: test-results/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface PageFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

export interface RowOutcome {
  state: string;
  result: string;
  error: string;
  code: string | null;
  progress: number;
}

/** Choose files on the page, press Upload, and wait until every row has finished. */
export async function uploadThroughPage(page: Page, files: PageFile[], timeout = 60_000): Promise<RowOutcome[]> {
  await page.locator('[data-testid=file]').setInputFiles(files);
  await page.locator('[data-testid=upload]').click();
  const rows = page.locator('#list li');
  await rows.nth(files.length - 1).waitFor({ timeout });
  await page.waitForFunction(
    (n) => {
      const lis = [...document.querySelectorAll('#list li')];
      return lis.length >= n && lis.slice(0, n).every((li) => li.getAttribute('data-state') === 'verified' || li.getAttribute('data-state') === 'failed');
    },
    files.length,
    { timeout },
  );
  const outcomes: RowOutcome[] = [];
  // Rows are prepended: the page lists the newest first; return them in the order given.
  for (const file of files) {
    const li = rows.filter({ has: page.locator('.name', { hasText: file.name }) }).first();
    outcomes.push({
      state: (await li.getAttribute('data-state')) ?? '',
      result: (await li.locator('[data-testid=result]').textContent()) ?? '',
      error: (await li.locator('[data-testid=error]').textContent()) ?? '',
      code: await li.getAttribute('data-code'),
      progress: Number(await li.locator('[data-testid=progress]').evaluate((el) => (el as HTMLProgressElement).value)),
    });
  }
  return outcomes;
}
