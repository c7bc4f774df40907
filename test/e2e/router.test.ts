// The upload router from a page on another origin, in headless Chromium, through the typed client
// bundled into the page: on the local receiver, on Azurite and on Ceph RGW (CORS from the router
// for the API; for the bytes, from the receiver's corsOrigins and each store's applyCors). Single and multipart uploads read
// back byte for byte, a refusal's code readable cross-origin, a multipart upload resumed after a
// page reload (the parts after the first are held back by the test until the reload), and a
// generic client that reports Azure's parts as answered (no ETag) completing.
// S3 refuses parts under 5 MiB, so on Ceph the video route's parts (and the files) are 5 MiB-based:
// each target says its part size and the cases size their files in parts.
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page, Route } from 'playwright-core';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { applyCors, createDriver } from '../../drivers/azure/index.js';
import { applyCors as applyS3Cors, createDriver as createS3Driver } from '../../drivers/s3/index.js';
import { uploadRoute } from '../../src/index.js';
import { PortablePresigner } from '../../src/presigner.js';
import { CEPH_CREDENTIALS, useCeph } from '../support/ceph.js';
import { cephOptions, readObject, s3Client } from '../s3/helpers.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, startAzurite, type Azurite } from '../support/azurite.js';
import { bytes, fixtureOn, makeFixture, makeRoutes, MIB, SECRET, type Fixture, type UserContext } from '../router/fixture.js';
import { launchBrowser, type Browser } from './browser.js';
import { servePage, type PageServer } from './router-page.js';
import { skipOrFail } from '../support/required.js';

type Outcome = { ok: true; key: string; size: number; resumed: boolean; fraction: number } | { ok: false; status: number; code: string; field: string | null };

interface Target {
  readonly fixture: Fixture;
  /** Origin the part PUTs go to. */
  readonly storageOrigin: string;
  /** The video route's part size (and multipart threshold) on this store. */
  readonly part: number;
  close(): Promise<void>;
}

async function listenRouter(fixture: Fixture): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => void fixture.router.node(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/upload`, server };
}

async function openPage(browser: Browser, page: PageServer, api: string, entry = 'main'): Promise<Page> {
  const tab = await browser.newPage();
  await tab.goto(`${page.origin}/?entry=${entry}&api=${encodeURIComponent(api)}`);
  await tab.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
  return tab;
}

function describeOn(name: string, makeTarget: (pageOrigin: string) => Promise<Target | undefined>) {
  describe(`e2e: upload router from another origin in Chromium, ${name}`, function () {
    this.timeout(120_000);
    let browser: Browser | undefined;
    let page: PageServer;
    let target: Target;
    let api: { url: string; server: Server };

    before(async function () {
      browser = await launchBrowser(`the router browser tests (${name})`);
      if (!browser) return this.skip();
      page = await servePage(['main', 'uppy']);
      const made = await makeTarget(page.origin);
      if (!made) return this.skip();
      target = made;
      api = await listenRouter(target.fixture);
    });

    after(async () => {
      await browser?.close();
      api?.server.closeAllConnections();
      if (api) await new Promise((resolve) => api.server.close(resolve));
      await page?.close();
      await target?.close();
    });

    it('uploads a single file and a multipart file through the typed client, stored byte for byte; a refusal is readable', async () => {
      const tab = await openPage(browser!, page, api.url);
      const seen = target.fixture.uploaded.length;
      const single = (await tab.evaluate(() => window.routerTest.upload('avatar', 'cat.png', 'image/png', 70_000, 3))) as Outcome;
      expect(single.ok, JSON.stringify(single)).to.equal(true);
      if (!single.ok) return;
      expect(single.key).to.match(/^avatars\/page\/[0-9a-f]{32}\/cat\.png$/);
      expect(new Uint8Array((await target.fixture.read(single.key))!)).to.deep.equal(bytes(70_000, 3));
      const multi = (await tab.evaluate((s) => window.routerTest.upload('video', 'clip.mp4', 'video/mp4', s, 4), 3 * target.part + 5)) as Outcome;
      expect(multi.ok, JSON.stringify(multi)).to.equal(true);
      if (!multi.ok) return;
      expect(multi.fraction).to.equal(1);
      expect(new Uint8Array((await target.fixture.read(multi.key))!)).to.deep.equal(bytes(3 * target.part + 5, 4));
      expect(target.fixture.uploaded.length - seen).to.equal(2);
      const refused = await tab.evaluate(() => window.routerTest.refused());
      expect(refused).to.deep.include({ status: 400, header: 'content-type-not-allowed' });
    });

    it('resumes a multipart upload after a page reload, sending only the parts the storage lacks', async () => {
      const tab = await openPage(browser!, page, api.url);
      const size = 4 * target.part + 99;
      // Let the first part through, hold the others: the reload then kills the upload mid-way.
      let puts = 0;
      const held: Route[] = [];
      let holding!: () => void;
      const firstHeld = new Promise<void>((resolve) => (holding = resolve));
      await tab.route((url) => url.origin === target.storageOrigin, async (route) => {
        if (route.request().method() !== 'PUT') return route.continue();
        if (++puts === 1) return route.continue();
        held.push(route);
        holding();
      });
      void tab.evaluate((s) => window.routerTest.upload('video', 'big.mp4', 'video/mp4', s, 8), size).catch(() => undefined);
      await tab.waitForFunction(() => window.routerTest.savedParts().some((n) => n >= 1), undefined, { timeout: 30_000 });
      // The client sends part 2 right after saving part 1: wait until the route holds it (10 s at most).
      let giveUp: NodeJS.Timeout | undefined;
      await Promise.race([firstHeld, new Promise<void>((resolve) => (giveUp = setTimeout(resolve, 10_000)))]);
      clearTimeout(giveUp);
      expect(held.length, 'the second part is held').to.be.greaterThan(0);
      // Reload with the held parts still held: they die with the page and never reach the storage
      // (unrouting first would let a held part through, racing the resumed upload).
      await tab.reload();
      await tab.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
      for (const route of held) await route.abort().catch(() => undefined);
      await tab.unrouteAll({ behavior: 'ignoreErrors' });

      // What the storage holds now, as the router lists it (part 1, and part 2 if it got through before the reload).
      const token = await tab.evaluate(() => (JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith('upgrant:'))!)!) as { grant: { token: string } }).grant.token);
      const listed = (await (await fetch(`${api.url}/video/parts`, { method: 'POST', headers: { authorization: 'Bearer user-page', 'content-type': 'application/json' }, body: JSON.stringify({ token }) })).json()) as { parts: { number: number }[] };
      expect(listed.parts.map((p) => p.number)).to.include(1);
      const after: string[] = [];
      tab.on('request', (request) => {
        if (request.method() === 'PUT' && new URL(request.url()).origin === target.storageOrigin) after.push(request.url());
      });
      const resumed = (await tab.evaluate((s) => window.routerTest.upload('video', 'big.mp4', 'video/mp4', s, 8), size)) as Outcome;
      expect(resumed.ok, JSON.stringify(resumed)).to.equal(true);
      if (!resumed.ok) return;
      expect(resumed.resumed).to.equal(true);
      expect(after, 'only the parts the storage lacked').to.have.length(5 - listed.parts.length);
      expect(new Uint8Array((await target.fixture.read(resumed.key))!)).to.deep.equal(bytes(size, 8));
      expect(await tab.evaluate(() => window.routerTest.savedParts())).to.deep.equal([]);
    });

    it('a generic client reports the parts as the storage answered them and completes', async () => {
      const tab = await openPage(browser!, page, api.url);
      const result = (await tab.evaluate((s) => window.routerTest.generic('generic.mp4', s, 9), 2 * target.part + 1)) as { status: number; parts: { etag: string | null }[]; completed: { object?: { key: string } } };
      expect(result.status, JSON.stringify(result)).to.equal(200);
      expect(new Uint8Array((await target.fixture.read(result.completed.object!.key))!)).to.deep.equal(bytes(2 * target.part + 1, 9));
      if (name.startsWith('Azurite')) expect(result.parts.map((p) => p.etag)).to.deep.equal([null, null, null]);
    });

    it('Uppy 6 (@uppy/aws-s3) through the documented adapter: the file lands verified, byte for byte, onUploaded once', async () => {
      const tab = await openPage(browser!, page, api.url, 'uppy');
      const seen = target.fixture.uploaded.length;
      const result = (await tab.evaluate(() => window.uppyTest.upload('uppy.png', 'image/png', 123_456, 21))) as { successful: string[]; failed: string[] };
      expect(result, JSON.stringify(result)).to.deep.equal({ successful: ['uppy.png'], failed: [] });
      const events = target.fixture.uploaded.slice(seen);
      expect(events).to.have.length(1);
      expect(events[0]!.context).to.deep.equal({ userId: 'uppy' });
      expect(events[0]!.object.key).to.match(/^avatars\/uppy\/[0-9a-f]{32}\/uppy\.png$/);
      expect(new Uint8Array((await target.fixture.read(events[0]!.object.key))!)).to.deep.equal(bytes(123_456, 21));
      const refused = (await tab.evaluate(() => window.uppyTest.upload('big.png', 'image/png', 2 * 1024 * 1024, 1))) as { successful: string[]; failed: string[] };
      expect(refused.successful).to.deep.equal([]);
      expect(refused.failed.join()).to.include('too-large');
    });
  });
}

describeOn('local receiver', async (pageOrigin) => {
  const fixture = await makeFixture({ cors: { origins: [pageOrigin] } }, [pageOrigin]);
  const base = new URL((await fixture.presigner.createDownloadGrant({ key: 'x/y' })).url).origin;
  return { fixture, storageOrigin: base, part: MIB, close: () => fixture.close() };
});

describeOn('Azurite', async (pageOrigin) => {
  const missing = await azuriteMissing();
  if (missing) {
    skipOrFail(`Azurite`, missing, `the router browser tests on Azurite`);
    return undefined;
  }
  const azurite: Azurite = await startAzurite();
  const bucket = 'router-e2e';
  const container = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient(bucket);
  await container.create();
  await applyCors({ bucket, connectionString: azurite.connectionString }, [pageOrigin]);
  const presigner = new PortablePresigner(await createDriver({ bucket, connectionString: azurite.connectionString }), { secret: SECRET });
  const fixture = fixtureOn(presigner, { cors: { origins: [pageOrigin] } }, {
    root: '',
    read: (key) => container.getBlobClient(key).downloadToBuffer().catch(() => undefined),
    close: async () => {
      await presigner.close();
      await azurite.stop();
    },
  });
  return { fixture, storageOrigin: new URL(azurite.endpoint).origin, part: MIB, close: () => fixture.close() };
});

describeOn('Ceph RGW (S3)', async (pageOrigin) => {
  const ceph = await useCeph('the router browser tests on Ceph');
  if (!ceph) return undefined;
  const bucket = `router-e2e-${randomBytes(4).toString('hex')}`;
  const client = s3Client(ceph.endpoint, CEPH_CREDENTIALS);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const options = cephOptions(ceph.endpoint, bucket);
  await applyS3Cors(options, [pageOrigin]);
  const presigner = new PortablePresigner(await createS3Driver(options), { secret: SECRET });
  // The same routes, the video route's parts at S3's 5 MiB minimum.
  const part = 5 * MIB;
  const routes = { ...makeRoutes(), video: uploadRoute<UserContext, { title: string }>({ ...makeRoutes().video.options, multipartThreshold: part, partSize: part }) };
  const fixture = fixtureOn(presigner, { cors: { origins: [pageOrigin] }, routes }, {
    root: '',
    read: async (key) => {
      const body = await readObject(client, bucket, key);
      return body ? Buffer.from(body) : undefined;
    },
    close: async () => {
      await presigner.close();
      client.destroy();
    },
  });
  return { fixture, storageOrigin: new URL(ceph.endpoint).origin, part, close: () => fixture.close() };
});
