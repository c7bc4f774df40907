// End to end in headless Chromium on the Azure driver against Azurite (started here): CORS rules
// set with the driver's applyCors for the demo's origins, a multi-megabyte upload through the page
// read back byte for byte from Azurite, a file over the limit rejected (Azure cannot bind a size
// into a SAS, so verify catches it and deletes the blob), and an origin without a CORS rule
// refused by the browser itself.
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { applyCors } from '../../drivers/azure/index.js';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { presignerFromEnv } from '../../src/config.js';
import type { Presigner } from '../../src/types.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, startAzurite, type Azurite } from '../support/azurite.js';
import { ensureBuiltClient } from './build.js';
import { launchBrowser, screenshot, skipRetryBackoff, uploadThroughPage, type Browser } from './browser.js';
import { makePdf, stamp } from '../support/sample-files.js';
import { skipOrFail } from '../support/required.js';

const MiB = 1024 * 1024;
const BUCKET = 'e2e-demo';

describe('e2e: demo page in headless Chromium, azure driver on Azurite', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let azurite: Azurite | undefined;
  let presigner: Presigner;
  let service: BlobServiceClient;
  let demo: DemoServer;
  let limited: DemoServer;
  let noCors: DemoServer;

  const blobs = async (): Promise<Map<string, Buffer>> => {
    const container = service.getContainerClient(BUCKET);
    const out = new Map<string, Buffer>();
    for await (const item of container.listBlobsFlat()) out.set(item.name, await container.getBlobClient(item.name).downloadToBuffer());
    return out;
  };

  before(async function () {
    const missing = await azuriteMissing();
    if (missing) {
      skipOrFail(`Azurite`, missing, `the Azure browser tests`);
      return this.skip();
    }
    browser = await launchBrowser('the Azure browser tests');
    if (!browser) return this.skip();
    await ensureBuiltClient();
    azurite = await startAzurite();
    service = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
    await service.createContainer(BUCKET);
    presigner = await presignerFromEnv({
      UPGRANT_PROVIDER: 'azure',
      UPGRANT_BUCKET: BUCKET,
      UPGRANT_SECRET: randomBytes(32).toString('hex'),
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    });
    demo = await startDemoServer({ presigner });
    limited = await startDemoServer({ presigner, maxUploadSize: MiB });
    noCors = await startDemoServer({ presigner });
    const result = await applyCors({ bucket: BUCKET, connectionString: azurite.connectionString }, [demo.url, limited.url]);
    expect(result.rules).to.have.length(1);
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
    await limited?.close();
    await noCors?.close();
    await presigner?.close();
    await azurite?.stop();
  });

  it('uploads a multi-megabyte file cross-origin to Azurite, verified, stored byte for byte', async () => {
    const page = await browser!.newPage();
    await page.goto(demo.url);
    await page.locator('#provider', { hasText: 'azure' }).waitFor();
    const buffer = stamp(randomBytes(5 * MiB + 321), makePdf());
    const before = await blobs();
    const [outcome] = await uploadThroughPage(page, [{ name: 'report.pdf', mimeType: 'application/pdf', buffer }]);
    await screenshot(page, 'e2e-azure-verified');
    expect(outcome!.state, outcome!.error).to.equal('verified');
    expect(outcome!.result).to.include(`verified: ${buffer.length} bytes, application/pdf`);
    expect(outcome!.progress).to.equal(1);
    const added = [...(await blobs()).entries()].filter(([name]) => !before.has(name));
    expect(added).to.have.length(1);
    expect(added[0]![0]).to.match(/^uploads\/[0-9a-f]{32}\/report\.pdf$/);
    expect(added[0]![1].equals(buffer)).to.equal(true);
    const properties = await service.getContainerClient(BUCKET).getBlobClient(added[0]![0]).getProperties();
    expect(properties.contentType).to.equal('application/pdf');
    // SHA-256 is verify-enforced on Azure; the page shows it.
    const chips = await page.locator('#list li').first().locator('.chip').allTextContents();
    expect(chips).to.include.members(['checksum: verify', 'size: verify', 'single use: storage']);
    expect(outcome!.result).to.include(createHash('sha256').update(buffer).digest('base64'));
  });

  it('MD5 through hash-wasm in the browser: the grant carries Content-MD5 and the upload verifies', async () => {
    const page = await browser!.newPage();
    await page.goto(demo.url);
    await page.locator('#checksum').selectOption('md5');
    const buffer = randomBytes(3 * MiB);
    const [outcome] = await uploadThroughPage(page, [{ name: 'md5.bin', mimeType: 'application/octet-stream', buffer }]);
    expect(outcome!.state, outcome!.error).to.equal('verified');
    const chips = await page.locator('#list li').first().locator('.chip').allTextContents();
    // A SAS does not bind Content-MD5 (a client may leave the header out), so the driver says verify.
    expect(chips).to.include('checksum: verify');
    expect(outcome!.result).to.include(`md5 ${createHash('md5').update(buffer).digest('base64')}`);
  });

  it('a file over the limit is refused at grant time by the demo\'s route (413 too-large): nothing reaches Azurite, the page says so', async () => {
    const page = await browser!.newPage();
    await page.goto(limited.url);
    await page.locator('#limit', { hasText: '1.0 MiB' }).waitFor();
    const before = await blobs();
    const [outcome] = await uploadThroughPage(page, [{ name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: randomBytes(3 * MiB) }]);
    await screenshot(page, 'e2e-azure-too-large');
    expect(outcome!.state).to.equal('failed');
    expect(outcome!.code, outcome!.error).to.equal('too-large');
    expect(outcome!.error).to.match(/Refused: 3145728 bytes is over this route's limit of 1048576 bytes/);
    expect(outcome!.progress, 'no byte was sent').to.equal(0);
    expect([...(await blobs()).keys()]).to.deep.equal([...before.keys()]);
  });

  it('an origin without a CORS rule: the browser refuses to let the page read the answer (code network), nothing verified', async () => {
    const page = await browser!.newPage();
    await skipRetryBackoff(page);
    await page.goto(noCors.url);
    const before = await blobs();
    const [outcome] = await uploadThroughPage(page, [{ name: 'blocked.bin', mimeType: 'application/octet-stream', buffer: randomBytes(1000) }]);
    await screenshot(page, 'e2e-azure-no-cors');
    expect(outcome!.state).to.equal('failed');
    expect(outcome!.code).to.equal('network');
    // The preflight is refused, so the PUT itself is never sent.
    expect([...(await blobs()).keys()]).to.deep.equal([...before.keys()]);
  });
});
