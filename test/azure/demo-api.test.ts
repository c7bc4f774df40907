// The demo API on UPGRANT_PROVIDER=azure (Azurite): a client asks for a grant over HTTP, uploads
// with plain fetch following only the grant, and the API verifies it; a lying client is rejected.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { presignerFromEnv } from '../../src/config.js';
import type { Presigner, UploadGrant } from '../../src/types.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, emulatorsRequired, startAzurite, type Azurite } from '../support/azurite.js';
import { makePng, stamp } from '../support/sample-files.js';

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
      if (emulatorsRequired()) throw new Error(`Azurite is required here (CI / UPGRANT_REQUIRE_EMULATORS): ${missing}`);
      console.warn(`  skipping the Azure demo API check: ${missing}`);
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

  it('the grant from POST /api/grants uploads with plain fetch and verifies', async () => {
    const file = stamp(randomBytes(5000), makePng());
    const md5 = createHash('md5').update(file).digest('base64');
    const { status, json } = await api('/api/grants', { filename: 'holiday photo.png', contentType: 'image/png', size: file.length, md5 });
    expect(status).to.equal(201);
    const grant = json as unknown as UploadGrant;
    expect(grant.provider).to.equal('azure');
    // Type and size are 'verify' on Azure: the grant is staged, its URL targets the staging prefix.
    expect(grant.staged).to.equal(true);
    expect(grant.key).to.match(/^uploads\//);
    expect(grant.url).to.match(new RegExp(`^${azurite.endpoint}/${BUCKET}/\\.upgrant-staging/`));
    const put = await fetch(grant.url, { method: grant.method, headers: grant.headers, body: file });
    expect(put.status).to.equal(201);
    expect((await api('/api/downloads', { key: grant.key })).status, 'nothing at the key before promotion').to.equal(404);
    const verified = await api('/api/uploads/verify', { token: grant.token });
    expect(verified.status).to.equal(200);
    expect(verified.json['object']).to.deep.include({ provider: 'azure', bucket: BUCKET, key: grant.key, size: file.length, contentType: 'image/png' });
    const stored = await service.getContainerClient(BUCKET).getBlobClient(grant.key).downloadToBuffer();
    expect(stored.equals(file)).to.equal(true);
    expect((await api('/api/downloads', { key: grant.key })).status).to.equal(200);
  });

  it('a client that uploads another type and size is rejected by /api/uploads/verify (422) and the blob is deleted', async () => {
    const { json } = await api('/api/grants', { filename: 'a.png', contentType: 'image/png', size: 100 });
    const grant = json as unknown as UploadGrant;
    const headers = { ...grant.headers, 'x-ms-blob-content-type': 'text/html', 'content-type': 'text/html' };
    expect((await fetch(grant.url, { method: 'PUT', headers, body: '<script>alert(1)</script>' })).status).to.equal(201);
    const verified = await api('/api/uploads/verify', { token: grant.token });
    expect(verified.status).to.equal(422);
    expect(await service.getContainerClient(BUCKET).getBlobClient(grant.key).exists()).to.equal(false);
  });
});
