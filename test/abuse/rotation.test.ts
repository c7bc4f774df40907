// Finding 10 (secrets cannot rotate) and finding 3's expiry: a grant made before a rotation
// uploads and verifies after it (new secret + previous), single and multipart alike; once the
// previous secret is dropped both its URLs and its tokens are refused with clear errors. A token
// past its grant's expiry plus the verify grace is refused with GrantExpiredError.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { localRequestHandler, type LocalRequestHandler } from '../../drivers/local/index.js';
import { createPresigner } from '../../src/create-presigner.js';
import { GrantExpiredError, InvalidRequestError } from '../../src/errors.js';
import { TokenSealer } from '../../src/token.js';
import type { Presigner } from '../../src/types.js';

const OLD = 'rotation-old-secret-0123456789abcdef0123';
const NEW = 'rotation-new-secret-abcdef0123456789abcd';

describe('abuse: secret rotation and token expiry (findings 10, 3)', function () {
  this.timeout(30_000);
  let root: string;
  let server: Server;
  let baseUrl: string;
  // The deployment: one receiver and one presigner at a time, swapped like a rolling deploy.
  let handler: LocalRequestHandler;
  const deploy = async (secret: string, previousSecrets?: string[], extra: Record<string, unknown> = {}): Promise<Presigner> => {
    handler?.close();
    handler = localRequestHandler({ root, secret, ...(previousSecrets ? { previousSecrets } : {}) });
    return createPresigner({ provider: 'local', root, baseUrl, secret, ...(previousSecrets ? { previousSecrets } : {}), ...extra });
  };

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-abuse-rotate-'));
    server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    handler?.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  const put = (url: string, headers: Record<string, string>, body: string) => fetch(url, { method: 'PUT', headers, body });

  it('grants and tokens from before a rotation work after it, and are refused once the old secret is dropped', async () => {
    const before = await deploy(OLD);
    const early = await before.createUploadGrant({ key: 'rot/early.txt', contentType: 'text/plain', size: 5 });
    const uploaded = await before.createUploadGrant({ key: 'rot/uploaded.txt', contentType: 'text/plain', size: 5 });
    expect((await put(uploaded.url, uploaded.headers, 'hello')).status).to.equal(201);
    const multipart = await before.createMultipartUploadGrant({ key: 'rot/multi.bin', contentType: 'text/plain', size: 6, partSize: 3 });
    const download = await before.createDownloadGrant({ key: 'rot/uploaded.txt' });

    // Rotation step 1: the new secret signs, the old one still verifies.
    const during = await deploy(NEW, [OLD]);
    expect((await put(early.url, early.headers, 'early')).status, 'a grant from before uploads').to.equal(201);
    expect((await during.verifyUpload(early.token)).size).to.equal(5);
    expect((await during.verifyUpload(uploaded.token)).size, 'a token from before verifies').to.equal(5);
    expect((await fetch(download.url)).status, 'a download URL from before').to.equal(200);
    const etags: { number: number; etag: string }[] = [];
    for (const part of multipart.parts) {
      const response = await put(part.url, part.headers, 'abc');
      expect(response.status).to.equal(200);
      etags.push({ number: part.number, etag: response.headers.get('etag')! });
    }
    await during.completeMultipartUpload(multipart.token, etags);
    expect((await during.verifyUpload(multipart.token)).size).to.equal(6);
    // What is new is signed with the new secret only.
    const fresh = await during.createUploadGrant({ key: 'rot/fresh.txt', contentType: 'text/plain', size: 5 });
    expect(() => new TokenSealer(OLD).open(fresh.token)).to.throw(InvalidRequestError);
    expect(new TokenSealer(NEW).open(fresh.token).key).to.equal('rot/fresh.txt');

    // Step 2, after the longest grant + the verify grace: the old secret is dropped.
    const after = await deploy(NEW);
    const late = await before.createUploadGrant({ key: 'rot/late.txt', contentType: 'text/plain', size: 4 });
    const refused = await put(late.url, late.headers, 'late');
    expect(refused.status, 'an old URL').to.equal(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).to.equal('forbidden');
    const error = await after.verifyUpload(uploaded.token).catch((e: unknown) => e);
    expect(error, 'an old token').to.be.instanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).field).to.equal('token');
    expect((error as Error).message).to.match(/no longer accepted/);
    expect((await put(fresh.url, fresh.headers, 'fresh')).status, 'new grants keep working').to.equal(201);
  });

  it('a token past its expiry + the verify grace is refused with GrantExpiredError; within the grace it verifies', async () => {
    let now = new Date();
    const start = now;
    const clock = () => now;
    const presigner = await deploy(NEW, undefined, { clock, verifyGrace: 600 });
    const grant = await presigner.createUploadGrant({ key: 'exp/a.txt', contentType: 'text/plain', size: 2, expiresIn: 60 });
    expect((await put(grant.url, grant.headers, 'ok')).status).to.equal(201);
    now = new Date(Date.parse(grant.expiresAt) + 599_000);
    expect((await presigner.verifyUpload(grant.token)).size, 'late but within the grace').to.equal(2);
    now = new Date(Date.parse(grant.expiresAt) + 601_000);
    const error = await presigner.verifyUpload(grant.token).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(GrantExpiredError);
    expect((error as GrantExpiredError).expiresAt).to.equal(grant.expiresAt);
    expect((error as Error).message).to.match(/verify grace/);

    // The same for a multipart upload's completion and abort.
    now = start;
    const mp = await presigner.createMultipartUploadGrant({ key: 'exp/mp.bin', contentType: 'text/plain', size: 2, expiresIn: 60 });
    now = new Date(Date.parse(mp.expiresAt) + 601_000);
    for (const call of [() => presigner.completeMultipartUpload(mp.token, [{ number: 1, etag: '"x"' }]), () => presigner.abortMultipartUpload(mp.token)]) {
      expect(await call().then(() => undefined, (e: unknown) => e)).to.be.instanceOf(GrantExpiredError);
    }
  });

  it('a token sealed with expiresAt 1 (1970) no longer verifies, even with the real secret', async () => {
    const presigner = await deploy(NEW);
    const token = new TokenSealer(NEW).seal({ provider: 'local', bucket: 'local', key: 'exp/a.txt', expiresAt: 1, constraints: { contentType: 'text/plain', minSize: 2, maxSize: 2, createOnly: true } });
    expect(await presigner.verifyUpload(token).catch((e: unknown) => e)).to.be.instanceOf(GrantExpiredError);
  });
});
