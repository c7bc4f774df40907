// Issue 18's per-route policy on the local receiver: a route's contentCheck reaches the grant (a
// real PNG passes, an HTML page sent as a PNG is refused at verify and deleted; 'off' lets noise
// through), and active content gets no grant unless the route allows it, even where the route's
// pattern (text/*, or no contentTypes at all) would admit it.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { createUploadRouter, DEFAULT_STAGING_PREFIX, uploadRoute } from '../../src/index.js';
import { listLocal } from '../support/local-files.js';
import { makeHtml, makePng } from '../support/sample-files.js';
import { SECRET } from './fixture.js';
import { post } from './scenario.js';

const AUTH = { authorization: 'Bearer ok' };

describe('upload router: per-route content policy (contentCheck, allowActiveContent)', function () {
  this.timeout(30_000);
  let root: string;
  let receiver: LocalReceiver;
  let server: Server;
  let api: string;
  let grants = 0;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-route-content-'));
    receiver = await listenLocal({ root, secret: SECRET });
    const presigner = receiver.presigner;
    const counted = new Proxy(presigner, {
      get(target, name) {
        const value = Reflect.get(target, name) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (name === 'createUploadGrant') grants++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const router = createUploadRouter({
      presigner: counted,
      routes: {
        known: uploadRoute({ contentTypes: ['image/png'], contentCheck: 'known' }),
        off: uploadRoute({ contentTypes: ['image/png'], contentCheck: 'off' }),
        strict: uploadRoute({ contentCheck: 'strict' }),
        text: uploadRoute({ contentTypes: ['text/*'] }),
        any: uploadRoute({}),
        pages: uploadRoute({ contentTypes: ['text/html'], allowActiveContent: true }),
      },
      authorize: (request) => (request.headers.get('authorization') === AUTH.authorization ? {} : null),
      onError: () => undefined,
    });
    server = createServer((req, res) => void router.node(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/upload`;
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await receiver?.close();
    await rm(root, { recursive: true, force: true });
  });

  async function uploadAndVerify(route: string, name: string, type: string, body: Buffer) {
    const granted = await post(`${api}/${route}`, { name, type, size: body.length }, AUTH);
    expect(granted.status, JSON.stringify(granted.json)).to.equal(201);
    const grant = granted.json['grant'] as { token: string; key: string; url: string; method: string; headers: Record<string, string>; constraints: { contentCheck?: string } };
    const put = await fetch(grant.url, { method: grant.method, headers: grant.headers, body: new Uint8Array(body) });
    expect(put.status).to.be.within(200, 299);
    return { grant, verified: await post(`${api}/${route}/verify`, { token: grant.token }, AUTH) };
  }

  it("a route's contentCheck is sealed into the grant: a real PNG passes, HTML sent as a PNG is refused and deleted", async () => {
    const good = await uploadAndVerify('known', 'a.png', 'image/png', makePng());
    expect(good.grant.constraints.contentCheck).to.equal('known');
    expect(good.verified.status, JSON.stringify(good.verified.json)).to.equal(200);
    const bad = await uploadAndVerify('known', 'b.png', 'image/png', makeHtml());
    expect(bad.verified.status).to.equal(422);
    expect((bad.verified.json['error'] as unknown as { violations: unknown[] }).violations).to.deep.equal([{ constraint: 'content', expected: 'image/png', actual: 'text/html' }]);
    // The upload was staged (content is checked after it): nothing of it reached its key, and the
    // staging prefix keeps only the rejection marker that refuses a reuse of its URL.
    const keys = await listLocal(root, 'local');
    expect(keys.filter((key) => !key.startsWith(DEFAULT_STAGING_PREFIX))).to.deep.equal([good.grant.key]);
    expect(keys.filter((key) => key.startsWith(DEFAULT_STAGING_PREFIX)).every((key) => key.endsWith('.rejected'))).to.equal(true);
  });

  it("contentCheck 'off' seals no check: noise under image/png is accepted", async () => {
    const noise = await uploadAndVerify('off', 'n.png', 'image/png', Buffer.from('not a png at all, just bytes'));
    expect(noise.grant.constraints.contentCheck).to.equal(undefined);
    expect(noise.verified.status, JSON.stringify(noise.verified.json)).to.equal(200);
  });

  it("contentCheck 'strict' refuses a type the detector cannot recognise", async () => {
    const odd = await uploadAndVerify('strict', 'x.bin', 'application/x-upgrant-test', Buffer.from('whatever'));
    expect(odd.grant.constraints.contentCheck).to.equal('strict');
    expect(odd.verified.status).to.equal(422);
  });

  it('active content gets no grant (400 naming the field) where the pattern admits it, or with no pattern; allowActiveContent lets it through', async () => {
    const before = grants;
    for (const [route, type] of [
      ['text', 'text/html'],
      ['text', 'text/xml'],
      ['text', 'text/javascript'],
      ['text', 'text/html; charset=utf-8'],
      ['any', 'image/svg+xml'],
      ['any', 'application/xhtml+xml'],
      ['any', 'application/javascript'],
      ['any', 'application/rss+xml'],
    ] as const) {
      const answer = await post(`${api}/${route}`, { name: 'page', type, size: 10 }, AUTH);
      expect(answer.status, `${route} ${type}`).to.equal(400);
      expect(answer.json.error, `${route} ${type}`).to.include({ code: 'active-content-not-allowed', field: 'type' });
      expect(answer.headers.get('x-upgrant-error')).to.equal('active-content-not-allowed');
    }
    const batch = await post(`${api}/any`, { files: [{ name: 'a.svg', type: 'image/svg+xml', size: 1 }] }, AUTH);
    expect(batch.json.error).to.include({ code: 'active-content-not-allowed', field: 'files[0].type' });
    expect(grants, 'nothing signed for a refused type').to.equal(before);
    expect((await post(`${api}/text`, { name: 'notes.txt', type: 'text/plain', size: 10 }, AUTH)).status).to.equal(201);
    expect((await post(`${api}/pages`, { name: 'index.html', type: 'text/html', size: 10 }, AUTH)).status).to.equal(201);
  });

  it('bad policy options are refused when the route is made, naming the option', () => {
    expect(() => uploadRoute({ contentCheck: 'loose' as never })).to.throw(/contentCheck/);
    expect(() => uploadRoute({ allowActiveContent: 'yes' as never })).to.throw(/allowActiveContent/);
  });
});
