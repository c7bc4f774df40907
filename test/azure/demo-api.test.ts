// The demo's upload route on UPGRANT_PROVIDER=azure (Azurite): a client asks for a grant over
// HTTP, uploads with plain fetch following only the grant, and the route verifies it; a lying
// client is rejected; a multipart upload completes with its parts reported as Azure answered them
// (Put Block gives no ETag: etag null).
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { presignerFromEnv } from '../../src/config.js';
import type { MultipartUploadGrant, Presigner, UploadGrant } from '../../src/types.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, startAzurite, type Azurite } from '../support/azurite.js';
import { makePng, stamp } from '../support/sample-files.js';
import { skipOrFail } from '../support/required.js';

const BUCKET = 'demo';

describe('demo API on azure (Azurite)', function () {
  this.timeout(60_000);
  let azurite: Azurite;
  let presigner: Presigner;
  let demo: DemoServer;
  let service: BlobServiceClient;

  before(async function () {
    const missing = await azuriteMissing();
    if (missing) {
      skipOrFail(`Azurite`, missing, `the Azure demo API check`);
      this.skip();
    }
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
  });

  after(async () => {
    await demo?.close();
    await presigner?.close();
    await azurite?.stop();
  });

  const api = async (path: string, body: object) => {
    const response = await fetch(`${demo.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  it('the grant from POST /api/uploads uploads with plain fetch and verifies; its key is readable only after promotion', async () => {
    const file = stamp(randomBytes(5000), makePng());
    const md5 = createHash('md5').update(file).digest('base64');
    const { status, json } = await api('/api/uploads', { name: 'holiday photo.png', type: 'image/png', size: file.length, md5 });
    expect(status).to.equal(201);
    const grant = json['grant'] as UploadGrant;
    expect(grant.provider).to.equal('azure');
    // Type and size are 'verify' on Azure: the grant is staged, its URL targets the staging prefix.
    expect(grant.staged).to.equal(true);
    expect(grant.key).to.match(/^uploads\//);
    expect(grant.url).to.match(new RegExp(`^${azurite.endpoint}/${BUCKET}/\\.upgrant-staging/`));
    const put = await fetch(grant.url, { method: grant.method, headers: grant.headers, body: file });
    expect(put.status).to.equal(201);
    const early = await api('/api/uploads/download', { key: grant.key });
    expect(early.status).to.equal(200);
    expect((await fetch(early.json['url'] as string)).status, 'nothing at the key before promotion').to.equal(404);
    const verified = await api('/api/uploads/verify', { token: grant.token });
    expect(verified.status).to.equal(200);
    expect(verified.json['object']).to.deep.include({ provider: 'azure', bucket: BUCKET, key: grant.key, size: file.length, contentType: 'image/png' });
    const stored = await service.getContainerClient(BUCKET).getBlobClient(grant.key).downloadToBuffer();
    expect(stored.equals(file)).to.equal(true);
    const download = await api('/api/uploads/download', { key: grant.key });
    expect(Buffer.from(await (await fetch(download.json['url'] as string)).arrayBuffer()).equals(file), 'the download URL reads it after promotion').to.equal(true);
  });

  it('a client that uploads another type and size is rejected by /api/uploads/verify (422 upload-rejected) and the blob is deleted', async () => {
    const { json } = await api('/api/uploads', { name: 'a.png', type: 'image/png', size: 100 });
    const grant = json['grant'] as UploadGrant;
    const headers = { ...grant.headers, 'x-ms-blob-content-type': 'text/html', 'content-type': 'text/html' };
    expect((await fetch(grant.url, { method: 'PUT', headers, body: '<script>alert(1)</script>' })).status).to.equal(201);
    const verified = await api('/api/uploads/verify', { token: grant.token });
    expect(verified.status).to.equal(422);
    expect((verified.json['error'] as { code: string }).code).to.equal('upload-rejected');
    expect(await service.getContainerClient(BUCKET).getBlobClient(grant.key).exists()).to.equal(false);
  });

  it('a multipart upload completes with the parts reported as Azure answered them (etag null)', async () => {
    const multipart = await startDemoServer({ presigner, multipartThreshold: 1024 });
    try {
      const file = randomBytes(3 * 1024 * 1024 + 5);
      const response = await fetch(`${multipart.url}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'parts.bin', type: 'application/octet-stream', size: file.length }) });
      expect(response.status).to.equal(201);
      const grant = ((await response.json()) as { grant: MultipartUploadGrant }).grant;
      expect(grant.kind).to.equal('multipart');
      const parts: { number: number; etag: string | null }[] = [];
      let offset = 0;
      for (const part of grant.parts) {
        const put = await fetch(part.url, { method: part.method, headers: part.headers, body: file.subarray(offset, offset + part.size) });
        offset += part.size;
        expect(put.status).to.equal(201);
        parts.push({ number: part.number, etag: put.headers.get('etag') });
      }
      expect(parts.every((p) => p.etag === null), 'Put Block answers no ETag').to.equal(true);
      const completed = await fetch(`${multipart.url}/api/uploads/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: grant.token, parts }) });
      const answer = (await completed.json()) as { object?: { key: string; size: number } };
      expect(completed.status, JSON.stringify(answer)).to.equal(200);
      expect(answer.object).to.deep.include({ key: grant.key, size: file.length });
      expect((await service.getContainerClient(BUCKET).getBlobClient(grant.key).downloadToBuffer()).equals(file)).to.equal(true);
    } finally {
      await multipart.close();
    }
  });
});
