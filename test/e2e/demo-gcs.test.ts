// End to end in headless Chromium on the GCS driver, against the GCS STAND-IN (no GCS emulator with
// signed URLs and resumable sessions installs here: ../shared/emulators/README.md). What the real
// browser proves, whatever the stand-in: the demo page's Origin travels through the demo API into
// the session start, and Chromium's XMLHttpRequest hands a 308 without Location (GCS's "send
// more") to the page with its Range header readable, so a file over the multipart threshold goes
// up as a sequence of Content-Range chunks, completes, verifies and is stored byte for byte. A
// session started for another origin gets no CORS answer: the browser refuses, nothing is stored.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import type { Presigner } from '../../src/types.js';
import { presignerOnStandIn, throwawayAccount } from '../gcs/helpers.js';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-standin.js';
import { ensureBuiltClient } from './build.js';
import { launchBrowser, screenshot, uploadThroughPage, type Browser } from './browser.js';
import { makeMp4, stamp } from '../support/sample-files.js';

const MiB = 1024 * 1024;
const BUCKET = 'e2e-demo';

describe('e2e: demo page in headless Chromium, gcs driver on the GCS stand-in (resumable sessions)', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let standIn: GcsStandIn;
  let presigner: Presigner;
  let multipart: DemoServer;
  let configured: { presigner: Presigner; close(): Promise<void> } | undefined;

  before(async function () {
    browser = await launchBrowser('the GCS browser tests');
    if (!browser) return this.skip();
    await ensureBuiltClient();
    const account = throwawayAccount();
    standIn = await startGcsStandIn({ buckets: [BUCKET], accounts: [account] });
    configured = await presignerOnStandIn(standIn.endpoint, BUCKET, account);
    presigner = configured.presigner;
    multipart = await startDemoServer({ presigner, multipartThreshold: 2 * MiB });
  });

  after(async () => {
    await browser?.close();
    await multipart?.close();
    await configured?.close();
    await standIn?.close();
  });

  it('a file over the multipart threshold goes up in sequential chunks (308s), completes, verifies, stored byte for byte', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const chunks: { range: string; status: number }[] = [];
    page.on('requestfinished', (request) => {
      if (request.method() !== 'PUT' || !request.url().includes('upload_id=')) return;
      void request.response().then((response) => chunks.push({ range: request.headers()['content-range'] ?? '', status: response?.status() ?? 0 }));
    });
    await page.goto(multipart.url);
    await page.locator('#provider', { hasText: 'gcs' }).waitFor();
    // 8 MiB default parts: 20 MiB + 5 bytes is 3 parts.
    const buffer = stamp(randomBytes(20 * MiB + 5), makeMp4());
    const [outcome] = await uploadThroughPage(page, [{ name: 'big video.mp4', mimeType: 'video/mp4', buffer }]);
    await screenshot(page, 'e2e-gcs-multipart');
    expect(outcome!.state, outcome!.error).to.equal('verified');
    expect(outcome!.result).to.include(`verified: ${buffer.length} bytes, video/mp4`);
    expect(outcome!.result).to.include(createHash('sha256').update(buffer).digest('base64'));
    expect(outcome!.progress).to.equal(1);
    const size = buffer.length;
    expect(chunks.map((c) => `${c.range} ${c.status}`)).to.deep.equal([
      `bytes */${size} 308`,
      `bytes 0-${8 * MiB - 1}/${size} 308`,
      `bytes ${8 * MiB}-${16 * MiB - 1}/${size} 308`,
      `bytes ${16 * MiB}-${size - 1}/${size} 200`,
    ]);
    const stored = standIn.list(BUCKET).filter((k) => /^uploads\/[0-9a-f]{32}\/big-video\.mp4$/.test(k));
    expect(stored).to.have.length(1);
    expect(standIn.read(BUCKET, stored[0]!)!.data.equals(buffer)).to.equal(true);
    expect(standIn.read(BUCKET, stored[0]!)!.contentType).to.equal('video/mp4');
    expect(standIn.openSessions(BUCKET)).to.deep.equal([]);
    expect(errors).to.deep.equal([]);
  });

  it('a session started for another origin: the browser refuses (code network) and nothing is stored', async () => {
    const page = await browser!.newPage();
    await page.goto(multipart.url);
    await page.locator('#provider', { hasText: 'gcs' }).waitFor();
    const before = standIn.list(BUCKET);
    // A grant whose session was started for another origin (what a server passing the wrong
    // origin would make), used by this page through upgrant/client.
    const grant = await presigner.createMultipartUploadGrant({ key: 'uploads/foreign.bin', contentType: 'application/octet-stream', size: 3 * MiB, origin: 'https://elsewhere.example' });
    const code = await page.evaluate(
      async ([g, url]) => {
        const { uploadWithGrant } = (await import(url)) as typeof import('../../src/client/index.js');
        try {
          await uploadWithGrant(g, new Blob([new Uint8Array(3 * 1024 * 1024)]), { retries: 0 });
          return 'uploaded';
        } catch (error) {
          return (error as { code?: string }).code ?? String(error);
        }
      },
      [JSON.parse(JSON.stringify(grant)), `${multipart.url}/assets/upgrant-client/index.js`] as const,
    );
    expect(code).to.equal('network');
    expect(standIn.list(BUCKET)).to.deep.equal(before);
    await presigner.abortMultipartUpload(grant.token);
  });
});
