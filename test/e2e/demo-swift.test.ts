// Evidence, in headless Chromium, that a browser cannot upload to OpenStack Swift's s3api with a
// grant: Swift's CORS is one global allow-list (cors_preflight_allow_origin; the run's shared
// Swift has `*`, which s3api answers by echoing the request's Origin, exactly as a list naming the
// demo's origin would, so this file needs no Swift of its own), and it answers the PREFLIGHT with
// Access-Control-Allow-Origin but leaves that header off the actual PUT's response. The browser then
// sends the PUT (Swift stores the bytes) yet refuses to let the page read the answer, so the page
// can only report a network failure and never reaches verify. These tests assert exactly that
// instead of pretending the upload works; docs/client.md explains it.
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createDriver } from '../../drivers/s3/index.js';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { PortablePresigner } from '../../src/presigner.js';
import { startSwift, swiftMissing, type Swift } from '../support/swift.js';
import { listKeys, readObject, s3Client, swiftOptions } from '../s3/helpers.js';
import { ensureBuiltClient } from './build.js';
import { launchBrowser, screenshot, uploadThroughPage, type Browser } from './browser.js';
import { skipOrFail } from '../support/required.js';

const MiB = 1024 * 1024;
const BUCKET = `upgrant-e2e-${randomBytes(4).toString('hex')}`;

describe('e2e: demo page in headless Chromium, s3 driver on Swift (why a browser cannot upload there)', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let swift: Swift | undefined;
  let client: ReturnType<typeof s3Client>;
  let presigner: PortablePresigner;
  let demo: DemoServer;
  let limited: DemoServer;
  let origin: string;

  before(async function () {
    const missing = swiftMissing();
    if (missing) {
      skipOrFail(`Swift`, missing, `the Swift browser evidence`);
      return this.skip();
    }
    browser = await launchBrowser('the Swift browser evidence');
    if (!browser) return this.skip();
    await ensureBuiltClient();
    swift = await startSwift();
    client = s3Client(swift.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    presigner = new PortablePresigner(await createDriver(swiftOptions(swift.endpoint, BUCKET)), { secret: randomBytes(32).toString('hex') });
    demo = await startDemoServer({ presigner });
    origin = new URL(demo.url).origin;
    limited = await startDemoServer({ presigner, maxUploadSize: MiB });
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
    await limited?.close();
    await presigner?.close();
    client?.destroy();
    await swift?.stop();
  });

  it('Swift allows the origin on the preflight but omits Access-Control-Allow-Origin on the PUT response', async () => {
    const grant = await presigner.createUploadGrant({ filename: 'probe.bin', contentType: 'application/octet-stream', size: 5 });
    const preflight = await fetch(grant.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).to.equal(200);
    expect(preflight.headers.get('access-control-allow-origin')).to.equal(origin);
    const headers = Object.fromEntries(Object.entries(grant.headers).filter(([name]) => name !== 'content-length'));
    const put = await fetch(grant.url, { method: 'PUT', headers: { ...headers, origin }, body: 'hello' });
    expect(put.status).to.equal(200);
    expect(put.headers.get('access-control-allow-origin')).to.equal(null);
    expect(put.headers.get('access-control-expose-headers')).to.equal(null);
  });

  it('the page: the browser sends the PUT and Swift stores it byte for byte, but the page may not read the answer, so it reports a network failure and never verifies', async () => {
    const page = await browser!.newPage();
    const console: string[] = [];
    page.on('console', (message) => console.push(message.text()));
    await page.goto(demo.url);
    await page.locator('#provider', { hasText: 's3' }).waitFor();
    const buffer = randomBytes(4 * MiB + 17);
    const before = await listKeys(client, BUCKET);
    const [outcome] = await uploadThroughPage(page, [{ name: 'swift.bin', mimeType: 'application/octet-stream', buffer }]);
    await screenshot(page, 'e2e-swift-cors-refused');
    expect(outcome!.state).to.equal('failed');
    expect(outcome!.code).to.equal('network');
    expect(outcome!.result).to.equal('');
    expect(console.some((line) => /blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present/.test(line)), console.join('\n')).to.equal(true);
    // The bytes did arrive: the failure is only the missing header on the answer. Swift has no
    // conditional writes, so the grant is staged: the bytes wait at the staging key, never verified,
    // and nothing is at the grant's key (a sweep would promote them).
    const added = (await listKeys(client, BUCKET)).filter((key) => !before.includes(key));
    expect(added).to.have.length(1);
    expect(added[0]).to.match(/^\.upgrant-staging\/\d+-[0-9a-f]{32}$/);
    expect(Buffer.from((await readObject(client, BUCKET, added[0]!))!).equals(buffer)).to.equal(true);
  });

  it('a file over the limit is refused at grant time by the demo\'s route (413 too-large); the page shows it and nothing is stored', async () => {
    const page = await browser!.newPage();
    await page.goto(limited.url);
    await page.locator('#limit', { hasText: '1.0 MiB' }).waitFor();
    const before = await listKeys(client, BUCKET);
    const [outcome] = await uploadThroughPage(page, [{ name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: randomBytes(3 * MiB) }]);
    await screenshot(page, 'e2e-swift-too-large');
    expect(outcome!.state).to.equal('failed');
    expect(outcome!.code, outcome!.error).to.equal('too-large');
    expect(outcome!.error).to.match(/Refused: 3145728 bytes is over this route's limit of 1048576 bytes/);
    expect(outcome!.progress, 'no byte was sent').to.equal(0);
    expect(await listKeys(client, BUCKET)).to.deep.equal(before);
  });
});
