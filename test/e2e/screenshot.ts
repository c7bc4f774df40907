// Makes docs/demo.png, the README's picture of the demo page (run by hand after changing the page):
//   npx tsx test/e2e/screenshot.ts
// The local driver with a 4 MiB per-file limit: one file verified, one refused by the receiver.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listenLocal } from '../../drivers/local/index.js';
import { startDemoServer } from '../../src/cli/server.js';
import { ensureBuiltClient } from './build.js';
import { launchBrowser, uploadThroughPage } from './browser.js';
import { makeMp4, makePng, stamp } from '../support/sample-files.js';
import { stopShared } from '../support/shared.js';

const MiB = 1024 * 1024;
await ensureBuiltClient();
const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-screenshot-'));
const receiver = await listenLocal({ root, secret: randomBytes(32).toString('hex') });
const demo = await startDemoServer({ presigner: receiver.presigner, maxUploadSize: 4 * MiB });
const browser = await launchBrowser('the screenshot');
if (!browser) process.exit(1);
try {
  const page = await browser.newPage(900, 700);
  await page.goto(demo.url);
  await page.locator('#limit', { hasText: 'MiB' }).waitFor();
  await uploadThroughPage(page, [
    { name: 'holiday photo.png', mimeType: 'image/png', buffer: stamp(randomBytes(1.8 * MiB), makePng()) },
    { name: 'screen recording.mp4', mimeType: 'video/mp4', buffer: stamp(randomBytes(9 * MiB), makeMp4()) },
  ]);
  await page.locator('main').screenshot({ path: 'docs/demo.png' });
  console.log('wrote docs/demo.png');
} finally {
  await browser.close();
  // The process's browser itself (a script has no mocha teardown to stop it).
  await stopShared();
  await demo.close();
  await receiver.close();
  await rm(root, { recursive: true, force: true });
}
