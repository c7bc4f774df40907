// Finding 2 (a token can name any path): tokens sealed with the server's REAL secret whose key
// climbs out with "..", is absolute, or goes through a symlinked directory inside the bucket, on
// every path that opens a token or a key (verify, multipart complete and abort, downloads). A
// canary file outside the bucket must survive each attack, unread and unchanged.
import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { InvalidRequestError } from '../../src/errors.js';
import { TokenSealer, type SealedGrant } from '../../src/token.js';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { rawRequest } from './helpers.js';

const SECRET = 'abuse-containment-secret-0123456789abcdef';
const CANARY = 'canary: must survive\n';

describe('abuse: tokens and keys that point outside the bucket (finding 2)', function () {
  this.timeout(30_000);
  let root: string;
  let outside: string;
  let canary: string;
  let receiver: LocalReceiver;
  let demo: DemoServer;
  const sealer = new TokenSealer(SECRET);
  const constraints = { contentType: 'text/plain', minSize: 1, maxSize: 1, createOnly: true };
  // The size is wrong for the canary on purpose: a verify that reached it would delete it.
  const seal = (key: string, extra: Record<string, unknown> = {}) =>
    sealer.seal({ provider: 'local', bucket: 'local', key, constraints, expiresAt: Math.floor(Date.now() / 1000) + 300, ...extra } as SealedGrant);
  const multipartExtra = { multipart: { uploadId: '0'.repeat(32), partSize: 1, partCount: 1 } };

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-abuse-root-'));
    outside = await mkdtemp(path.join(os.tmpdir(), 'upgrant-abuse-outside-'));
    canary = path.join(outside, 'secret.txt');
    receiver = await listenLocal({ root, secret: SECRET, staging: 'never' });
    demo = await startDemoServer({ presigner: receiver.presigner });
    await mkdir(path.join(root, 'local'), { recursive: true });
    await symlink(outside, path.join(root, 'local', 'link'));
  });
  beforeEach(() => writeFile(canary, CANARY));
  afterEach(async () => {
    expect(await readFile(canary, 'utf8'), 'the canary outside the bucket survives').to.equal(CANARY);
    expect(await readdir(outside), 'nothing new outside the bucket').to.deep.equal(['secret.txt']);
  });
  after(async () => {
    await demo.close();
    await receiver.close();
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  const relativeToBucket = () => path.relative(path.join(root, 'local'), canary);
  const hostile = () => [relativeToBucket(), `../../..${canary}`, canary, canary.slice(1).replace(/^/, '/'), 'a/../../x'];

  it('verifyUpload refuses a real-secret token whose key has "..", or is absolute', async () => {
    for (const key of hostile()) {
      const error = await receiver.presigner.verifyUpload(seal(key)).catch((e: unknown) => e);
      expect(error, key).to.be.instanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).field).to.equal('token');
    }
  });

  it('verifyUpload refuses a key through a symlinked directory, and does not delete what it points to', async () => {
    const error = await receiver.presigner.verifyUpload(seal('link/secret.txt')).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidRequestError);
    expect((error as Error).message).to.match(/outside the bucket directory/);
  });

  it('multipart complete and abort refuse the same tokens', async () => {
    for (const key of hostile()) {
      for (const call of [
        () => receiver.presigner.completeMultipartUpload(seal(key, multipartExtra), [{ number: 1, etag: '"x"' }]),
        () => receiver.presigner.abortMultipartUpload(seal(key, multipartExtra)),
      ]) {
        const error = await call().then(() => undefined, (e: unknown) => e);
        expect(error, key).to.be.instanceOf(InvalidRequestError);
        expect((error as InvalidRequestError).field).to.equal('token');
      }
    }
    // Through the symlink: no such upload to complete; abort of an unknown upload is a no-op
    // (abort works on the upload id only, never on the key's path). The canary is checked after.
    const complete = await receiver.presigner.completeMultipartUpload(seal('link/secret.txt', multipartExtra), [{ number: 1, etag: '"x"' }]).catch((e: unknown) => e);
    expect(complete).to.be.instanceOf(InvalidRequestError);
    await receiver.presigner.abortMultipartUpload(seal('link/secret.txt', multipartExtra));
  });

  it('a real multipart upload to a key through the symlink is refused at completion, nothing written outside', async () => {
    const grant = await receiver.presigner.createMultipartUploadGrant({ key: 'link/planted.txt', contentType: 'text/plain', size: 4, partSize: 4 });
    const sent = await fetch(grant.parts[0]!.url, { method: 'PUT', headers: grant.parts[0]!.headers, body: 'evil' });
    expect(sent.status).to.equal(200);
    const error = await receiver.presigner.completeMultipartUpload(grant.token, [{ number: 1, etag: sent.headers.get('etag')! }]).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).field).to.equal('key');
  });

  it('downloads: a grant through the symlink is refused (403) and serves nothing of the canary', async () => {
    const { url } = await receiver.presigner.createDownloadGrant({ key: 'link/secret.txt' });
    const response = await fetch(url);
    expect(response.status).to.equal(403);
    expect(await response.text()).not.to.include('canary');
  });

  it('downloads: a raw path with encoded ".." never reaches outside (400)', async () => {
    const { url } = await receiver.presigner.createDownloadGrant({ key: 'x/secret.txt' });
    const u = new URL(url);
    for (const pathname of [u.pathname.replace('/x/', '/%2e%2e/%2e%2e/'), u.pathname.replace('/x/', '/..%2f..%2f')]) {
      const answer = await rawRequest(url, `GET ${pathname}${u.search} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close`);
      expect(answer.status, pathname).to.be.oneOf([400, 403, 404]);
      expect(answer.text).not.to.include('canary');
    }
  });

  it('the demo upload route answers such a token with 400 naming the token, never 5xx, and no server path', async () => {
    for (const key of [relativeToBucket(), 'link/secret.txt']) {
      const response = await fetch(`${demo.url}/api/uploads/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: seal(key) }) });
      const text = await response.text();
      expect(response.status, key).to.equal(400);
      expect(text).not.to.include(root);
      expect(text).not.to.include(outside);
    }
  });
});
