// The "done when", through the demo's upload route as a browser would use it, on the local receiver,
// on Azurite and on Ceph RGW (UPGRANT_S3_COMPAT=ceph through presignerFromEnv): real files made here are accepted under their types; an avatar that is really
// HTML, SVG or a program, a ZIP sent as a PDF and a PNG sent as text are uploaded (the storage
// cannot tell), refused by /api/uploads/verify (422, constraint "content") and deleted; active
// content gets no grant; downloads of it are attachments.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { listenLocal } from '../../drivers/local/index.js';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { presignerFromEnv } from '../../src/config.js';
import type { Presigner, UploadGrant, Violation } from '../../src/types.js';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CEPH_CREDENTIALS, cephMissing, useCeph } from '../support/ceph.js';
import { cephEnv, readObject, s3Client } from '../s3/helpers.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, startAzurite } from '../support/azurite.js';
import { makeDocx, makeElf, makeHtml, makeJpeg, makeMp4, makePdf, makePe, makePlainZip, makePng, makeSvg } from '../support/sample-files.js';
import { skipOrFail } from '../support/required.js';

interface Provider {
  readonly presigner: Presigner;
  /** Whether an object exists at the key, asked of the storage itself. */
  exists(key: string): Promise<boolean>;
  /** Whether the storage's own responses carry nosniff (Azure's and S3's cannot be told to). */
  readonly nosniff: boolean;
  close(): Promise<void>;
}

const accepted: [string, string, () => Buffer][] = [
  ['photo.png', 'image/png', makePng],
  ['photo.jpg', 'image/jpeg', makeJpeg],
  ['paper.pdf', 'application/pdf', makePdf],
  ['clip.mp4', 'video/mp4', makeMp4],
  ['letter.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', makeDocx],
];

const refused: [string, string, string, () => Buffer, string][] = [
  ['HTML', 'avatar.png', 'image/png', makeHtml, 'text/html'],
  ['SVG', 'avatar.png', 'image/png', makeSvg, 'image/svg+xml'],
  ['SVG', 'avatar.jpg', 'image/jpeg', makeSvg, 'image/svg+xml'],
  ['a ZIP', 'paper.pdf', 'application/pdf', makePlainZip, 'application/zip'],
  ['an ELF executable', 'avatar.jpg', 'image/jpeg', makeElf, 'application/x-elf'],
  ['a PE executable', 'avatar.png', 'image/png', makePe, 'application/x-msdownload'],
  ['a PE executable', 'avatar.gif', 'image/gif', makePe, 'application/x-msdownload'],
  ['a PNG', 'notes.txt', 'text/plain', makePng, 'image/png'],
];

/** The bytes as a browser sends them: a PUT, or the POST policy's form (Ceph) with the file last. */
function send(grant: UploadGrant, file: Buffer): Promise<Response> {
  if (grant.method !== 'POST') return fetch(grant.url, { method: grant.method, headers: grant.headers, body: new Uint8Array(file) });
  const form = new FormData();
  for (const [name, value] of Object.entries(grant.fields ?? {})) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(file)], { type: grant.constraints.contentType }));
  return fetch(grant.url, { method: 'POST', body: form });
}

function scenario(name: string, start: () => Promise<Provider | string>): void {
  describe(`content checks through the demo upload route on ${name}`, function () {
    this.timeout(60_000);
    let provider: Provider;
    let demo: DemoServer;

    before(async function () {
      const started = await start();
      if (typeof started === 'string') {
        skipOrFail(`${name}`, started, `the demo API checks on ${name}`);
        this.skip();
      }
      provider = started as Provider;
      demo = await startDemoServer({ presigner: provider.presigner });
    });

    after(async () => {
      await demo?.close();
      await provider?.close();
    });

    const api = async (route: string, body: object) => {
      const response = await fetch(`${demo.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };

    async function upload(filename: string, contentType: string, file: Buffer): Promise<UploadGrant> {
      const granted = await api('/api/uploads', { name: filename, type: contentType, size: file.length });
      expect(granted.status, JSON.stringify(granted.json)).to.equal(201);
      const grant = granted.json['grant'] as UploadGrant;
      expect(grant.enforcement.content).to.equal('verify');
      const put = await send(grant, file);
      expect(put.status, 'the storage cannot tell: it accepts the bytes').to.be.within(200, 299);
      // A content-checked grant is staged: the bytes wait at a staging key, nothing is at the grant's key yet.
      expect(grant.staged, 'content-checked grants are staged').to.equal(true);
      expect(await provider.exists(grant.key), 'nothing visible at the key before verification').to.equal(false);
      return grant;
    }

    for (const [filename, type, make] of accepted) {
      it(`accepts a real ${filename} under ${type}`, async () => {
        const grant = await upload(filename, type, make());
        const verified = await api('/api/uploads/verify', { token: grant.token });
        expect(verified.status, JSON.stringify(verified.json)).to.equal(200);
        expect(verified.json['object']).to.deep.include({ key: grant.key, contentType: type });
        expect(await provider.exists(grant.key)).to.equal(true);
      });
    }

    for (const [what, filename, type, make, actual] of refused) {
      it(`refuses ${what} uploaded as ${filename} (${type}) at verification, and deletes it`, async () => {
        const grant = await upload(filename, type, make());
        const verified = await api('/api/uploads/verify', { token: grant.token });
        expect(verified.status).to.equal(422);
        const violations = (verified.json['error'] as { violations: Violation[] }).violations;
        expect(violations).to.deep.equal([{ constraint: 'content', expected: type, actual }]);
        expect(await provider.exists(grant.key), 'never visible at its key after verification').to.equal(false);
        const again = await send(grant, make());
        expect(again.status, 'its URL may still take bytes (at the staging key)').to.be.lessThan(500);
        expect((await api('/api/uploads/verify', { token: grant.token })).status, 'a refused grant stays refused').to.equal(422);
        expect(await provider.exists(grant.key), 'a reused refused grant puts nothing at its key').to.equal(false);
      });
    }

    for (const type of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/xml', 'application/javascript']) {
      it(`grants no upload of active content (${type}): 400 naming type`, async () => {
        const { status, json } = await api('/api/uploads', { name: 'page.html', type, size: 10 });
        expect(status).to.equal(400);
        expect(json['error']).to.deep.include({ code: 'active-content-not-allowed', field: 'type' });
        expect((json['error'] as { message: string }).message).to.include(type);
      });
    }

    it('serves active content (stored by the app itself) only as an attachment', async () => {
      const body = makeHtml();
      const grant = await provider.presigner.createUploadGrant({ key: `uploads/${randomBytes(8).toString('hex')}/page.html`, contentType: 'text/html', size: body.length });
      expect((await send(grant, body)).status).to.be.within(200, 299);
      await provider.presigner.verifyUpload(grant.token);
      const { status, json } = await api('/api/uploads/download', { key: grant.key });
      expect(status).to.equal(200);
      const response = await fetch(json['url'] as string);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-disposition')).to.match(/^attachment; filename="page\.html"/);
      // Azure (Azurite) and S3 (Ceph) have no signed-URL parameter for nosniff and send none: measured here, said in docs/security.md.
      expect(response.headers.get('x-content-type-options')).to.equal(provider.nosniff ? 'nosniff' : null);
      expect(await response.text()).to.equal(body.toString('utf8'));
    });
  });
}

scenario('the local driver', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-content-'));
  const receiver = await listenLocal({ root, secret: randomBytes(32).toString('hex') });
  return {
    presigner: receiver.presigner,
    nosniff: true,
    exists: async (key) => (await receiver.presigner.createDownloadGrant({ key }).then((d) => fetch(d.url, { method: 'HEAD' }))).status === 200,
    async close() {
      await receiver.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

scenario('Azurite', async () => {
  const missing = await azuriteMissing();
  if (missing) return missing;
  const azurite = await startAzurite();
  const container = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient('content');
  await container.create();
  const presigner = await presignerFromEnv({
    UPGRANT_PROVIDER: 'azure',
    UPGRANT_BUCKET: 'content',
    UPGRANT_SECRET: randomBytes(32).toString('hex'),
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
  });
  return {
    presigner,
    nosniff: false,
    exists: (key) => container.getBlobClient(key).exists(),
    async close() {
      await presigner.close();
      await azurite.stop();
    },
  };
});

scenario('Ceph RGW (S3)', async () => {
  const missing = cephMissing();
  if (missing) return missing;
  const ceph = (await useCeph('the content checks on Ceph'))!;
  const bucket = `upgrant-content-${randomBytes(4).toString('hex')}`;
  const client = s3Client(ceph.endpoint, CEPH_CREDENTIALS);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const presigner = await presignerFromEnv(cephEnv(ceph.endpoint, bucket, randomBytes(32).toString('hex')));
  return {
    presigner,
    // S3 has no signed-URL parameter for nosniff and Ceph sends none (docs/security.md).
    nosniff: false,
    exists: async (key) => (await readObject(client, bucket, key)) !== undefined,
    async close() {
      await presigner.close();
      client.destroy();
    },
  };
});
