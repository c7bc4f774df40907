// End to end in headless Chromium on the S3 driver against Ceph RGW (the run's shared cluster),
// configured as a deployment would be (UPGRANT_S3_COMPAT=ceph through presignerFromEnv): CORS set
// with `upgrant cors` for the demo's origins, a multi-megabyte upload through the page read back
// byte for byte from Ceph, a file over the demo's limit refused at grant time by the demo's route,
// a body with more bytes than granted refused by Ceph itself (the grant signs the exact size), and
// an origin without a CORS rule refused by the browser.
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { cli } from '../cli/run.js';
import { makePdf, stamp } from '../support/sample-files.js';
import { presignerFromEnv } from '../../src/config.js';
import type { Presigner } from '../../src/types.js';
import { CEPH_CREDENTIALS, useCeph, type Ceph } from '../support/ceph.js';
import { cephEnv, listKeys, readObject, s3Client } from '../s3/helpers.js';
import { ensureBuiltClient } from './build.js';
import { launchBrowser, screenshot, skipRetryBackoff, uploadThroughPage, type Browser } from './browser.js';

const MiB = 1024 * 1024;
const BUCKET = `upgrant-e2e-${randomBytes(4).toString('hex')}`;

describe('e2e: demo page in headless Chromium, s3 driver on Ceph RGW (UPGRANT_S3_COMPAT=ceph)', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let ceph: Ceph | undefined;
  let client: S3Client;
  let presigner: Presigner;
  let demo: DemoServer;
  let limited: DemoServer;
  let noCors: DemoServer;

  before(async function () {
    ceph = await useCeph('the Ceph browser tests');
    if (!ceph) return this.skip();
    browser = await launchBrowser('the Ceph browser tests');
    if (!browser) return this.skip();
    await ensureBuiltClient();
    client = s3Client(ceph.endpoint, CEPH_CREDENTIALS);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const env = cephEnv(ceph.endpoint, BUCKET, randomBytes(32).toString('hex'));
    presigner = await presignerFromEnv(env);
    demo = await startDemoServer({ presigner });
    limited = await startDemoServer({ presigner, maxUploadSize: MiB });
    noCors = await startDemoServer({ presigner });
    // The CLI's own `upgrant cors`, with the deployment's environment.
    const { code, stdout, stderr } = await cli(['cors', '--origin', demo.url, '--origin', limited.url], { ...env });
    expect(code, stderr).to.equal(0);
    expect(JSON.parse(stdout)).to.deep.include({ provider: 's3', bucket: BUCKET });
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
    await limited?.close();
    await noCors?.close();
    await presigner?.close();
    client?.destroy();
  });

  it('uploads a multi-megabyte file cross-origin to Ceph, verified, stored byte for byte; the chips say what Ceph enforces', async () => {
    const page = await browser!.newPage();
    await page.goto(demo.url);
    await page.locator('#provider', { hasText: 's3' }).waitFor();
    const buffer = stamp(randomBytes(5 * MiB + 321), makePdf());
    const before = await listKeys(client, BUCKET);
    const [outcome] = await uploadThroughPage(page, [{ name: 'report.pdf', mimeType: 'application/pdf', buffer }]);
    await screenshot(page, 'e2e-ceph-verified');
    expect(outcome!.state, outcome!.error).to.equal('verified');
    expect(outcome!.result).to.include(`verified: ${buffer.length} bytes, application/pdf`);
    expect(outcome!.progress).to.equal(1);
    const added = (await listKeys(client, BUCKET)).filter((key) => !before.includes(key));
    expect(added).to.have.length(1);
    expect(added[0]).to.match(/^uploads\/[0-9a-f]{32}\/report\.pdf$/);
    expect(Buffer.from((await readObject(client, BUCKET, added[0]!))!).equals(buffer), 'read back byte for byte').to.equal(true);
    // Ceph ignores x-amz-checksum-sha256: the ceph profile says verify, so the upload is staged; its
    // promotion is a copy Ceph cannot make create-only at the key, so single use says none.
    const chips = await page.locator('#list li').first().locator('.chip').allTextContents();
    expect(chips).to.include.members(['checksum: verify', 'size: storage', 'single use: none']);
    expect(outcome!.result).to.include(createHash('sha256').update(buffer).digest('base64'));
  });

  it('a file over the limit is refused at grant time by the demo\'s route (413 too-large); the page shows it and nothing is stored', async () => {
    const page = await browser!.newPage();
    await page.goto(limited.url);
    await page.locator('#limit', { hasText: '1.0 MiB' }).waitFor();
    const before = await listKeys(client, BUCKET);
    const [outcome] = await uploadThroughPage(page, [{ name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: randomBytes(3 * MiB) }]);
    await screenshot(page, 'e2e-ceph-too-large');
    expect(outcome!.state).to.equal('failed');
    expect(outcome!.code, outcome!.error).to.equal('too-large');
    expect(outcome!.error).to.match(/Refused: 3145728 bytes is over this route's limit of 1048576 bytes/);
    expect(outcome!.progress, 'no byte was sent').to.equal(0);
    expect(await listKeys(client, BUCKET)).to.deep.equal(before);
  });

  it('a body with more bytes than granted: Ceph itself refuses it (the signed exact size) and nothing is stored', async () => {
    const granted = await fetch(`${limited.url}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'liar.bin', type: 'application/octet-stream', size: 1000 }) });
    expect(granted.status).to.equal(201);
    const { grant } = (await granted.json()) as { grant: { method: string; url: string; headers: Record<string, string>; contentLength?: number; fields?: Record<string, string> } };
    expect(grant.contentLength).to.equal(1000);
    const before = await listKeys(client, BUCKET);
    const body = new Uint8Array(randomBytes(3000));
    let answer: Response;
    if (grant.method === 'POST') {
      const form = new FormData();
      for (const [name, value] of Object.entries(grant.fields ?? {})) form.append(name, value);
      form.append('file', new Blob([body], { type: 'application/octet-stream' }));
      answer = await fetch(grant.url, { method: 'POST', body: form });
    } else {
      answer = await fetch(grant.url, { method: grant.method, headers: grant.headers, body });
    }
    expect(answer.status, await answer.text()).to.be.within(400, 403);
    expect(await listKeys(client, BUCKET)).to.deep.equal(before);
  });

  it('an origin without a CORS rule: the browser refuses to let the page read the answer (code network), nothing verified', async () => {
    const page = await browser!.newPage();
    await skipRetryBackoff(page);
    await page.goto(noCors.url);
    const before = await listKeys(client, BUCKET);
    const [outcome] = await uploadThroughPage(page, [{ name: 'blocked.bin', mimeType: 'application/octet-stream', buffer: randomBytes(1000) }]);
    await screenshot(page, 'e2e-ceph-no-cors');
    expect(outcome!.state).to.equal('failed');
    expect(outcome!.code).to.equal('network');
    // The preflight is refused, so the PUT itself is never sent.
    expect(await listKeys(client, BUCKET)).to.deep.equal(before);
  });
});
