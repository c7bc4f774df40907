// The upload router on Azurite (started by this file), mounted in Hono on @hono/node-server: the
// shared scenario, a multipart upload through the typed client resumed from the blocks Azure
// lists, a generic client completing with the parts as Azure answered them (no ETag: Put Block
// gives none), and a strict route refusing a grant Azure would leave to verifyUpload.
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { serve } from '@hono/node-server';
import { expect } from 'chai';
import { Hono } from 'hono';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDriver } from '../../drivers/azure/index.js';
import { createUploadClient, type ResumeStore } from '../../src/client/index.js';
import { PortablePresigner } from '../../src/presigner.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, startAzurite, type Azurite } from '../support/azurite.js';
import { bytes, fixtureOn, MIB, SECRET, type Fixture } from './fixture.js';
import { post, runScenario } from './scenario.js';
import { skipOrFail } from '../support/required.js';

const BUCKET = 'routes';
const AUTH = { authorization: 'Bearer user-dana' };
type PartGrant = { url: string; headers: Record<string, string>; offset: number; size: number; number: number };

describe('upload router on Azurite', function () {
  this.timeout(120_000);
  let azurite: Azurite | undefined;
  let container: ContainerClient;
  let fixture: Fixture;
  let server: Server | undefined;
  let api: string;

  before(async function () {
    const missing = await azuriteMissing();
    if (missing) {
      skipOrFail(`Azurite`, missing, `the router tests on Azurite`);
      this.skip();
    }
    azurite = await startAzurite();
    container = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient(BUCKET);
    await container.create();
    const presigner = new PortablePresigner(await createDriver({ bucket: BUCKET, connectionString: azurite.connectionString }), { secret: SECRET });
    fixture = fixtureOn(presigner, {}, {
      root: '',
      read: (key) => container.getBlobClient(key).downloadToBuffer().catch(() => undefined),
      close: () => presigner.close(),
    });
    const app = new Hono();
    app.all('/api/upload/*', (c) => fixture.router.fetch(c.req.raw));
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    await new Promise((resolve) => (server!.listening ? resolve(undefined) : server!.once('listening', resolve)));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/upload`;
  });

  after(async () => {
    server?.closeAllConnections();
    if (server) await new Promise((resolve) => server!.close(resolve));
    await fixture?.close();
    await azurite?.stop();
  });

  it('refuses the unauthorized, enforces route limits, uploads through the typed client', async () => {
    await runScenario(fixture, api);
  });

  it('multipart through the typed client, resumed after a reload from the blocks Azure lists', async () => {
    const data = bytes(3 * MIB + 777, 11);
    const file = new File([data], 'movie.mp4', { type: 'video/mp4', lastModified: 42 });
    const { grant } = (await post(`${api}/video`, { name: file.name, type: file.type, size: file.size, metadata: { title: 'az' } }, AUTH)).json as { grant: { parts: PartGrant[]; token: string } };
    const first = grant.parts[0]!;
    const sent = await fetch(first.url, { method: 'PUT', headers: first.headers, body: data.slice(first.offset, first.offset + first.size) });
    expect(sent.status).to.equal(201);
    expect(sent.headers.get('etag'), 'Put Block answers no ETag').to.equal(null);
    const listed = await post(`${api}/video/parts`, { token: grant.token }, AUTH);
    expect(listed.json['parts']).to.deep.equal([{ number: 1, size: MIB }]);

    const entries = new Map<string, string>();
    const store: ResumeStore = { getItem: (k) => entries.get(k) ?? null, setItem: (k, v) => void entries.set(k, v), removeItem: (k) => void entries.delete(k) };
    store.setItem(`upgrant:${api}:video:${file.name}:${file.size}:42`, JSON.stringify({ grant, done: [] }));
    const client = createUploadClient<typeof fixture.router>({ url: api, headers: AUTH, resumeStore: store });
    const result = await client.upload('video', file, { metadata: { title: 'az' } });
    expect(result.resumed).to.equal(true);
    expect(new Uint8Array((await fixture.read(result.key))!)).to.deep.equal(data);
    expect(fixture.uploaded.at(-1)).to.deep.include({ route: 'video', context: { userId: 'dana' } });
  });

  it('a generic client reports the parts as Azure answered them (etag null) and completes', async () => {
    const data = bytes(2 * MIB + 5, 12);
    const { grant } = (await post(`${api}/video`, { name: 'g.mp4', type: 'video/mp4', size: data.length, metadata: { title: 'g' } }, AUTH)).json as { grant: { parts: PartGrant[]; token: string } };
    const reported = [];
    for (const part of grant.parts) {
      const answer = await fetch(part.url, { method: 'PUT', headers: part.headers, body: data.slice(part.offset, part.offset + part.size) });
      reported.push({ number: part.number, etag: answer.headers.get('etag') });
    }
    expect(reported.every((p) => p.etag === null)).to.equal(true);
    const done = await post(`${api}/video/complete`, { token: grant.token, parts: reported }, AUTH);
    expect(done.status, JSON.stringify(done.json)).to.equal(200);
    expect(new Uint8Array((await fixture.read((done.json['object'] as { key: string }).key))!)).to.deep.equal(data);
  });

  it('a strict route refuses a grant whose content type only verifyUpload would check, naming it', async () => {
    const before = (await listAll()).length;
    const refused = await post(`${api}/strict`, { name: 's.png', type: 'image/png', size: 10 }, AUTH);
    expect(refused.status).to.equal(400);
    expect(refused.json.error).to.include({ code: 'unsupported-constraint' });
    expect(refused.json.error?.field).to.be.oneOf(['createOnly', 'contentType', 'size']);
    expect((await listAll()).length).to.equal(before);
  });

  async function listAll(): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat({ includeUncommitedBlobs: true })) names.push(blob.name);
    return names;
  }
});
