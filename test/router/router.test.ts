// The upload router mounted in node:http and as a Fetch handler (the Next.js route handler shape),
// on the local receiver: the shared scenario, then each endpoint's edges: batches, metadata,
// required checksums, multipart with resume after a "reload", complete with parts reported as the
// storage answered them (no ETag), download, CORS, body limits, and the sealed context read back
// by another instance.
import { expect } from 'chai';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUploadClient, type ResumeStore } from '../../src/client/index.js';
import { createUploadRouter } from '../../src/index.js';
import { listLocal } from '../support/local-files.js';
import { bytes, makeFixture, makeRoutes, MIB, type Fixture } from './fixture.js';
import { post, runScenario } from './scenario.js';

const ORIGIN = 'http://app.127.0.0.1.nip.test';
const AUTH = { authorization: 'Bearer user-bob' };

function memoryStore(): ResumeStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return { entries, getItem: (k) => entries.get(k) ?? null, setItem: (k, v) => void entries.set(k, v), removeItem: (k) => void entries.delete(k) };
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('upload router: node:http and Fetch', function () {
  this.timeout(60_000);
  let fixture: Fixture;
  let server: Server;
  let api: string;

  before(async () => {
    fixture = await makeFixture({ cors: { origins: [ORIGIN] } });
    ({ server, url: api } = await listen((req, res) => void fixture.router.node(req, res)));
    api += '/api/upload';
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await fixture?.close();
  });

  it('node:http: refuses the unauthorized, enforces route limits, uploads through the typed client', async () => {
    await runScenario(fixture, api);
  });

  it('Fetch handler fed `new Request` (a Next.js route handler): the same scenario', async () => {
    const POST = (request: Request) => fixture.router.fetch(request);
    const appFetch: typeof fetch = async (input, init) => POST(new Request(new URL(String(input), 'http://next.local'), init));
    const original = globalThis.fetch;
    // The scenario's own raw calls go through the handler too; storage URLs keep real fetch.
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) =>
      String(input).startsWith('http://next.local') ? appFetch(input, init) : original(input, init)) as typeof fetch;
    try {
      await runScenario(fixture, 'http://next.local/api/upload');
    } finally {
      globalThis.fetch = original;
    }
  });

  it('verify twice runs onUploaded once; a token of another route is refused', async () => {
    const grant = (await post(`${api}/avatar`, { name: 'a.png', type: 'image/png', size: 3 }, AUTH)).json['grant'] as { url: string; headers: Record<string, string>; token: string; contentLength: number };
    expect(grant.headers, 'no header a browser refuses').to.not.have.property('content-length');
    expect(grant.contentLength).to.equal(3);
    expect((await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: new Uint8Array([1, 2, 3]) })).status).to.be.within(200, 299);
    const seen = fixture.uploaded.length;
    expect((await post(`${api}/doc/verify`, { token: grant.token }, AUTH)).json.error?.code).to.equal('wrong-route');
    expect((await post(`${api}/avatar/verify`, { token: grant.token }, AUTH)).status).to.equal(200);
    expect((await post(`${api}/avatar/verify`, { token: grant.token }, AUTH)).status).to.equal(200);
    expect(fixture.uploaded.length - seen).to.equal(1);
    const tampered = `${grant.token.slice(0, -2)}xx`;
    expect((await post(`${api}/avatar/verify`, { token: tampered }, AUTH)).json.error).to.include({ code: 'invalid-request', field: 'token' });
  });

  it('another instance (a sweep elsewhere) gets the sealed route and context: handleVerified', async () => {
    const grant = (await post(`${api}/avatar`, { name: 'b.png', type: 'image/png', size: 2 }, { authorization: 'Bearer user-carol' })).json['grant'] as { url: string; headers: Record<string, string>; token: string };
    await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: new Uint8Array([9, 9]) });
    const events: unknown[] = [];
    const other = createUploadRouter({ presigner: fixture.presigner, routes: makeRoutes(), authorize: () => null, onUploaded: (e) => void events.push(e) });
    const object = await fixture.presigner.verifyUpload(grant.token);
    expect(await other.handleVerified(object)).to.equal(true);
    expect(await other.handleVerified(object), 'once per object').to.equal(false);
    expect(events).to.have.length(1);
    expect(events[0]).to.deep.include({ route: 'avatar', context: { userId: 'carol' } });
  });

  it('a batch grant, metadata checked and sealed, and the file count bounded', async () => {
    const files = [1, 2].map((i) => ({ name: `v${i}.mp4`, type: 'video/mp4', size: 10 }));
    const batch = await post(`${api}/video`, { files, metadata: { title: 'holiday' } }, AUTH);
    expect(batch.status).to.equal(201);
    const grants = batch.json['grants'] as { key: string }[];
    expect(grants.map((g) => g.key)).to.satisfy((keys: string[]) => keys.every((k) => /^videos\/bob\/[0-9a-f]{32}\/7-v[12]\.mp4$/.test(k)));
    const tooMany = await post(`${api}/video`, { files: [...files, ...files], metadata: { title: 't' } }, AUTH);
    expect(tooMany.json.error).to.include({ code: 'too-many-files', field: 'files' });
    const badMeta = await post(`${api}/video`, { name: 'v.mp4', type: 'video/mp4', size: 1, metadata: { title: 5 } }, AUTH);
    expect(badMeta.json.error).to.include({ code: 'invalid-request', field: 'metadata' });
    const second = await post(`${api}/video`, { files: [files[0], { ...files[1]!, type: 'text/plain' }], metadata: { title: 't' } }, AUTH);
    expect(second.json.error).to.include({ code: 'content-type-not-allowed', field: 'files[1].type' });
    const noMeta = await post(`${api}/avatar`, { name: 'a.png', type: 'image/png', size: 1, metadata: { x: 1 } }, AUTH);
    expect(noMeta.json.error).to.include({ field: 'metadata' });
  });

  it('a route that requires a checksum: the client computes it when asked, the object carries it', async () => {
    const client = createUploadClient<typeof fixture.router>({ url: api, headers: AUTH, resumeStore: null });
    const data = bytes(2000, 5);
    const result = await client.upload('doc', new File([data], 'report.pdf', { type: 'application/pdf' }));
    expect(result.object.checksum?.algorithm).to.equal('sha256');
    expect(new Uint8Array((await fixture.read(result.key))!)).to.deep.equal(data);
    const raw = await post(`${api}/doc`, { name: 'r.pdf', type: 'application/pdf', size: 1 }, AUTH);
    expect(raw.json.error).to.include({ code: 'checksum-required', field: 'sha256' });
  });

  it('multipart through the client, with metadata; resumes after a reload from the parts the storage lists', async () => {
    const data = bytes(3 * MIB + 12345, 9);
    const client = createUploadClient<typeof fixture.router>({ url: api, headers: AUTH, resumeStore: null });
    const whole = await client.upload('video', new File([data], 'clip.mp4', { type: 'video/mp4' }), { metadata: { title: 'trip' } });
    expect(whole.key).to.match(/^videos\/bob\/[0-9a-f]{32}\/4-clip\.mp4$/);
    expect(new Uint8Array((await fixture.read(whole.key))!)).to.deep.equal(data);
    expect(fixture.uploaded.at(-1)).to.deep.include({ route: 'video', metadata: { title: 'trip' } });

    // The first page: a grant, parts 1 and 2 sent, but only part 1 recorded before the reload.
    const file = new File([data], 'again.mp4', { type: 'video/mp4', lastModified: 1234 });
    const store = memoryStore();
    const { grant } = (await post(`${api}/video`, { name: file.name, type: file.type, size: file.size, metadata: { title: 'x' } }, AUTH)).json as { grant: { parts: { url: string; headers: Record<string, string>; offset: number; size: number; number: number }[]; token: string } };
    const etags: string[] = [];
    for (const part of grant.parts.slice(0, 2)) {
      const answer = await fetch(part.url, { method: 'PUT', headers: part.headers, body: data.slice(part.offset, part.offset + part.size) });
      expect(answer.status).to.be.within(200, 299);
      etags.push(answer.headers.get('etag') ?? '');
    }
    const listed = await post(`${api}/video/parts`, { token: grant.token }, AUTH);
    expect(listed.json['parts']).to.deep.equal([{ number: 1, size: MIB }, { number: 2, size: MIB }]);
    store.setItem(`upgrant:${api}:video:${file.name}:${file.size}:1234`, JSON.stringify({ grant, done: [{ number: 1, etag: etags[0] }] }));

    // The reloaded page: the same file resumes; only parts 3 and 4 go up again.
    const puts: string[] = [];
    const original = globalThis.fetch;
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      if (init?.method === 'PUT') puts.push(String(input));
      return original(input, init);
    }) as typeof fetch;
    let resumed;
    try {
      resumed = await createUploadClient<typeof fixture.router>({ url: api, headers: AUTH, resumeStore: store }).upload('video', file, { metadata: { title: 'x' } });
    } finally {
      globalThis.fetch = original;
    }
    expect(resumed.resumed).to.equal(true);
    expect(puts).to.have.length(2);
    expect(new Uint8Array((await fixture.read(resumed.key))!)).to.deep.equal(data);
    expect(store.entries.size, 'forgotten once complete').to.equal(0);
  });

  it('complete takes parts as a generic client reports them: etag null where the storage gave none', async () => {
    const data = bytes(2 * MIB + 1, 3);
    const { grant } = (await post(`${api}/video`, { name: 'g.mp4', type: 'video/mp4', size: data.length, metadata: { title: 'g' } }, AUTH)).json as { grant: { parts: { url: string; headers: Record<string, string>; offset: number; size: number; number: number }[]; token: string } };
    for (const part of grant.parts) await fetch(part.url, { method: 'PUT', headers: part.headers, body: data.slice(part.offset, part.offset + part.size) });
    const done = await post(`${api}/video/complete`, { token: grant.token, parts: grant.parts.map((p) => ({ number: p.number, etag: null })) }, AUTH);
    expect(done.status).to.equal(200);
    expect((done.json['object'] as { size: number }).size).to.equal(data.length);
  });

  it('abort discards a multipart upload: nothing left on disk', async () => {
    const { grant } = (await post(`${api}/video`, { name: 'x.mp4', type: 'video/mp4', size: 2 * MIB, metadata: { title: 'a' } }, AUTH)).json as { grant: { token: string; key: string } };
    expect((await post(`${api}/video/abort`, { token: grant.token }, AUTH)).json).to.deep.equal({ aborted: true });
    expect((await listLocal(fixture.root, 'local')).filter((k) => k.startsWith('!tmp') || k === grant.key)).to.deep.equal([]);
  });

  it('download: by the grant token, or by key only where the route allows', async () => {
    const client = createUploadClient<typeof fixture.router>({ url: api, headers: AUTH, resumeStore: null });
    const data = bytes(50, 2);
    const { key } = await client.upload('avatar', new File([data], 'd.png', { type: 'image/png' }));
    const byKey = await post(`${api}/avatar/download`, { key }, AUTH);
    expect(byKey.status).to.equal(403);
    const grant = (await post(`${api}/avatar`, { name: 'e.png', type: 'image/png', size: 50 }, AUTH)).json['grant'] as { url: string; headers: Record<string, string>; token: string };
    await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: data });
    const download = await post(`${api}/avatar/download`, { token: grant.token }, AUTH);
    expect(download.status).to.equal(200);
    expect(new Uint8Array(await (await fetch(download.json['url'] as string)).arrayBuffer())).to.deep.equal(data);
  });

  it('CORS for the configured origin only; OPTIONS answered on every path under the base path', async () => {
    const preflight = await fetch(`${api}/avatar/complete`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    expect(preflight.status).to.equal(204);
    expect(preflight.headers.get('access-control-allow-origin')).to.equal(ORIGIN);
    expect(preflight.headers.get('access-control-allow-methods')).to.include('POST');
    const elsewhere = await fetch(`${api}/nope/at/all`, { method: 'OPTIONS', headers: { origin: 'http://evil.test' } });
    expect(elsewhere.status).to.equal(204);
    expect(elsewhere.headers.get('access-control-allow-origin')).to.equal(null);
    const answer = await post(`${api}/avatar`, { name: 'a.gif', type: 'image/gif', size: 1 }, { ...AUTH, origin: ORIGIN });
    expect(answer.headers.get('access-control-allow-origin')).to.equal(ORIGIN);
    expect(answer.headers.get('access-control-expose-headers')).to.include('x-upgrant-error');
    const other = await post(`${api}/avatar`, { name: 'a.gif', type: 'image/gif', size: 1 }, { ...AUTH, origin: 'http://evil.test' });
    expect(other.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('bad requests: unknown route 404, GET 405, not JSON 415, body over the limit 413, nothing granted', async () => {
    const before = fixture.grantCalls();
    expect((await post(`${api}/nope`, {}, AUTH)).status).to.equal(404);
    expect((await post(`${api}/avatar/grant`, {}, AUTH)).status).to.equal(404);
    expect((await post(`${api}/avatar/verify/more`, {}, AUTH)).status).to.equal(404);
    expect((await fetch(`${api}/avatar`, { headers: AUTH })).status).to.equal(405);
    expect((await fetch(`${api}/avatar`, { method: 'POST', headers: { ...AUTH, 'content-type': 'text/plain' }, body: '{}' })).status).to.equal(415);
    const huge = await post(`${api}/avatar`, { name: 'a.png', type: 'image/png', size: 1, pad: 'x'.repeat(70 * 1024) }, AUTH);
    expect(huge.status).to.equal(413);
    expect(huge.json.error).to.include({ code: 'payload-too-large', field: 'body' });
    const broken = await fetch(`${api}/avatar`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: '{"name":' });
    expect(broken.status).to.equal(400);
    expect(JSON.stringify(await broken.json())).to.not.match(/\/tmp|at .*\.ts/);
    // Chunked, no Content-Length: refused once past the limit, while the client is still sending.
    const chunked = await new Promise<[number | undefined, string]>((resolve, reject) => {
      const req = request(`${api}/avatar`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve([res.statusCode, text]));
      });
      req.on('error', reject);
      for (let i = 0; i < 80; i++) req.write('x'.repeat(1024));
      req.end();
    });
    expect(chunked[0]).to.equal(413);
    expect(JSON.parse(chunked[1])).to.deep.include({ error: { code: 'payload-too-large', message: 'the body is over 65536 bytes', field: 'body' } });
    expect(fixture.grantCalls()).to.equal(before);
  });
});
