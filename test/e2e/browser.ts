// Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium (or UPGRANT_CHROMIUM)
// driven by playwright-core, which downloads no browser of its own. One browser per process,
// started by the first file that asks (test/support/shared.ts, per process: each parallel worker
// owns its own), stopped at the run's end or, in a worker, when the process exits (Playwright
// kills what it launched); each launchBrowser() is a fresh context of it, so files share no
// cookies, storage or cache. Missing browser: a skip with the reason, except under CI /
// UPGRANT_REQUIRE_EMULATORS=1.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser as Chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'chai';
import {  } from '../support/azurite.js';
import { registerShared, useShared } from '../support/shared.js';
import { emulatorsRequired } from '../support/required.js';

export const CHROMIUM = process.env.UPGRANT_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve('test-results');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// The browser object never crosses processes: it is only ever used per process (see useShared below).
registerShared('chromium', async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  return { wire: browser, stop: () => browser.close() };
});

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
  const browser = await useShared<Chromium>('chromium', {}, true);
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  return {
    context,
    async newPage(width = 1280, height = 860) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
    },
  };
}

/**
 * For a page whose uploads are meant to fail at the network (no CORS answer): the client still
 * makes every attempt, in order, but the backoff between them (about 3 s over its 3 retries) is
 * skipped by moving the page's clock on after each failed request, by the backoff's cap (the
 * client's default maxRetryDelayMs). Should a move come before the page sets its timer, that one
 * wait just runs in real time. Call before the page loads.
 */
export async function skipRetryBackoff(page: Page): Promise<void> {
  await page.clock.install();
  page.on('requestfailed', () => void page.clock.fastForward(10_000).catch(() => undefined));
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

/**
 * Choose files on the page, press Upload, and wait until every row has finished. The files are
 * written to a temporary directory and chosen by path, as a user picks them: Chromium reads them
 * from disk (a buffer would travel base64-encoded through the protocol, seconds per 10 MiB).
 */
export async function uploadThroughPage(page: Page, files: PageFile[], timeout = 60_000): Promise<RowOutcome[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'upgrant-e2e-files-'));
  try {
    // One directory per file: two files may share a name.
    const paths = await Promise.all(
      files.map(async (file, i) => {
        const full = path.join(dir, String(i), file.name);
        await mkdir(path.dirname(full));
        await writeFile(full, file.buffer);
        return full;
      }),
    );
    const input = page.locator('[data-testid=file]');
    await input.setInputFiles(paths);
    // The type comes from the name's extension here, as in a user's browser: check it is the one meant.
    const types = await input.evaluate((el) => [...(el as HTMLInputElement).files!].map((f) => f.type));
    expect(types.map((t, i) => (t === '' && files[i]!.mimeType === 'application/octet-stream' ? files[i]!.mimeType : t)), 'the chosen files\' types').to.deep.equal(files.map((f) => f.mimeType));
    return await uploadChosen(page, files, timeout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Press Upload for the files chosen, wait until every row has finished, and read the rows. */
async function uploadChosen(page: Page, files: PageFile[], timeout: number): Promise<RowOutcome[]> {
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
