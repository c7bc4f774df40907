// End to end in headless Chromium on the local driver: the demo page (served by startDemoServer)
// uploads through upgrant/client to the local receiver on ANOTHER port (a real cross-origin
// upload with CORS), verifies, and the bytes on disk are compared with what the browser sent.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { ensureBuiltClient } from './build.js';
import { launchBrowser, screenshot, uploadThroughPage, type Browser } from './browser.js';
import { makeMp4, makePng, stamp } from '../support/sample-files.js';

const MiB = 1024 * 1024;

async function storedFiles(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      // .upgrant-meta holds the receiver's sidecar metadata, not objects.
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) await walk(full);
      else out.set(path.relative(root, full), await readFile(full));
    }
  };
  await walk(root);
  return out;
}

describe('e2e: demo page in headless Chromium, local driver', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let root: string;
  let receiver: LocalReceiver;
  let demo: DemoServer;
  let limited: DemoServer;
  let multipart: DemoServer;

  before(async function () {
    browser = await launchBrowser('the local-driver browser tests');
    if (!browser) return this.skip();
    await ensureBuiltClient();
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-e2e-local-'));
    receiver = await listenLocal({ root, secret: 'e2e-local-secret-0123456789abcdef0123' });
    demo = await startDemoServer({ presigner: receiver.presigner });
    limited = await startDemoServer({ presigner: receiver.presigner, maxUploadSize: MiB });
    multipart = await startDemoServer({ presigner: receiver.presigner, multipartThreshold: 5 * MiB });
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
    await limited?.close();
    await multipart?.close();
    await receiver?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('uploads two multi-megabyte files cross-origin, verified, stored byte for byte', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(demo.url);
    await page.locator('#provider', { hasText: 'local' }).waitFor();
    const files = [
      { name: 'holiday photo.png', mimeType: 'image/png', buffer: stamp(randomBytes(6 * MiB + 123), makePng()) },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello upgrant\n'.repeat(200_000)) },
    ];
    const before = await storedFiles(root);
    const outcomes = await uploadThroughPage(page, files);
    await screenshot(page, 'e2e-local-verified');
    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome.state, outcome.error).to.equal('verified');
      expect(outcome.result).to.include('verified');
      expect(outcome.result).to.include(`${files[i]!.buffer.length} bytes`);
      expect(outcome.result).to.include(createHash('sha256').update(files[i]!.buffer).digest('base64'));
      expect(outcome.progress).to.equal(1);
      expect(outcome.error).to.equal('');
    }
    const after = await storedFiles(root);
    const added = [...after.entries()].filter(([name]) => !before.has(name));
    expect(added).to.have.length(2);
    for (const file of files) {
      const match = added.find(([name]) => name.endsWith(file.name.replace(/ /g, '-')) || name.endsWith(file.name));
      expect(match, `${file.name} among ${added.map(([n]) => n).join(', ')}`).to.not.equal(undefined);
      expect(match![1].equals(file.buffer)).to.equal(true);
    }
    // The page shows who enforces what, per grant.
    expect(await page.locator('#list li').first().locator('.chip.storage').count()).to.be.greaterThan(3);
    // The download link serves the same bytes.
    const href = await page.locator('#list li', { hasText: 'notes.txt' }).locator('[data-testid=result] a').getAttribute('href');
    const downloaded = Buffer.from(await (await fetch(href!)).arrayBuffer());
    expect(downloaded.equals(files[1]!.buffer)).to.equal(true);
    expect(errors).to.deep.equal([]);
    await page.close();
  });

  it('a file over the demo\'s limit is refused at grant time by its route (413 too-large): the page shows why, nothing is stored', async () => {
    const page = await browser!.newPage();
    await page.goto(limited.url);
    await page.locator('#limit', { hasText: '1.0 MiB' }).waitFor();
    const before = await storedFiles(root);
    const [outcome] = await uploadThroughPage(page, [{ name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: randomBytes(3 * MiB) }]);
    await screenshot(page, 'e2e-local-too-large');
    expect(outcome!.state).to.equal('failed');
    expect(outcome!.code, outcome!.error).to.equal('too-large');
    expect(outcome!.error).to.match(/Refused: 3145728 bytes is over this route's limit of 1048576 bytes/);
    expect(outcome!.progress, 'no byte was sent').to.equal(0);
    expect(outcome!.result).to.equal('');
    expect([...(await storedFiles(root)).keys()]).to.deep.equal([...before.keys()]);
    await page.close();
  });

  it('a file over the multipart threshold goes up in parts, is completed, verified, and stored byte for byte', async () => {
    const page = await browser!.newPage();
    await page.goto(multipart.url);
    const buffer = stamp(randomBytes(12 * MiB + 5), makeMp4());
    const before = await storedFiles(root);
    const [outcome] = await uploadThroughPage(page, [{ name: 'big video.mp4', mimeType: 'video/mp4', buffer }]);
    await screenshot(page, 'e2e-local-multipart');
    expect(outcome!.state, outcome!.error).to.equal('verified');
    expect(outcome!.result).to.include(`verified: ${buffer.length} bytes, video/mp4`);
    const added = [...(await storedFiles(root)).entries()].filter(([name]) => !before.has(name));
    expect(added).to.have.length(1);
    expect(added[0]![1].equals(buffer)).to.equal(true);
    await page.close();
  });

  it('MD5 through hash-wasm in the browser, and a clean layout at phone width', async () => {
    const page = await browser!.newPage(390, 844);
    await page.goto(demo.url);
    await page.locator('#checksum').selectOption('md5');
    const buffer = randomBytes(2 * MiB);
    const [outcome] = await uploadThroughPage(page, [{ name: 'phone.bin', mimeType: 'application/octet-stream', buffer }]);
    expect(outcome!.state, outcome!.error).to.equal('verified');
    expect(outcome!.result).to.include(`md5 ${createHash('md5').update(buffer).digest('base64')}`);
    // Nothing wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).to.equal(0);
    await screenshot(page, 'e2e-local-phone');
    await page.close();
  });
});
