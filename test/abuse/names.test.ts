// Findings 4, 5 and 7: long names, keys that are a directory of another key, and answers that
// leaked server paths. Through the demo's upload route as a browser would use it: every file name either
// uploads and verifies or is refused at grant time with a 400 naming the field, never a 5xx.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalDriver } from '../../drivers/local/driver.js';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { PortablePresigner } from '../../src/presigner.js';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { InvalidRequestError, ObjectNotFoundError } from '../../src/errors.js';
import { listLocal } from '../support/local-files.js';

const SECRET = 'abuse-names-secret-0123456789abcdef0123';

describe('abuse: long names, nested keys and what answers reveal (findings 4, 5, 7)', function () {
  this.timeout(30_000);
  let root: string;
  let receiver: LocalReceiver;
  let demo: DemoServer;
  const post = async (route: string, body: unknown) => {
    const response = await fetch(`${demo.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, text, json: JSON.parse(text) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-abuse-names-'));
    receiver = await listenLocal({ root, secret: SECRET, staging: 'never' });
    demo = await startDemoServer({ presigner: receiver.presigner });
  });
  after(async () => {
    await demo.close();
    await receiver.close();
    await rm(root, { recursive: true, force: true });
  });

  const names = {
    '80 CJK characters': `${'中'.repeat(80)}.txt`,
    '84 CJK characters': `${'中'.repeat(84)}.txt`,
    '60 emoji': `${'😀'.repeat(60)}.txt`,
    '250 ASCII characters': `${'a'.repeat(250)}.txt`,
    '1024 bytes of CJK': `${'中'.repeat(340)}.txt`,
  };
  for (const [label, filename] of Object.entries(names)) {
    it(`a file name of ${label} uploads and verifies through the demo's upload route`, async () => {
      const body = Buffer.from(`file named ${label}`);
      const granted = await post('/api/uploads', { name: filename, type: 'text/plain', size: body.length });
      expect(granted.status, granted.text).to.equal(201);
      const grant = granted.json['grant'];
      const key = grant['key'] as string;
      for (const segment of key.split('/')) expect(Buffer.byteLength(segment)).to.be.at.most(255);
      const put = await fetch(grant['url'] as string, { method: 'PUT', headers: grant['headers'] as Record<string, string>, body });
      expect(put.status, await put.clone().text()).to.equal(201);
      const verified = await post('/api/uploads/verify', { token: grant['token'] });
      expect(verified.status, verified.text).to.equal(200);
      expect(verified.json['object'].size).to.equal(body.length);
      const download = await post('/api/uploads/download', { key });
      expect(download.status).to.equal(200);
      expect(await (await fetch(download.json['url'] as string)).text()).to.equal(body.toString());
    });
  }

  it('a key with a segment over 255 bytes is refused at grant time, naming key', async () => {
    const error = await receiver.presigner.createUploadGrant({ key: `long/${'x'.repeat(256)}`, contentType: 'text/plain', size: 1 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).field).to.equal('key');
    const multipart = await receiver.presigner.createMultipartUploadGrant({ key: `long/${'中'.repeat(86)}`, contentType: 'text/plain', size: 1 }).catch((e: unknown) => e);
    expect((multipart as InvalidRequestError).field).to.equal('key');
    // Staged, the URL names only the staging key: the final key is still refused at grant time.
    const staged = new PortablePresigner(new LocalDriver({ root, secret: SECRET, baseUrl: receiver.baseUrl }), { secret: SECRET, staging: 'always' });
    for (const attempt of [
      staged.createUploadGrant({ key: `long/${'x'.repeat(256)}`, contentType: 'text/plain', size: 1 }),
      staged.createMultipartUploadGrant({ key: `long/${'中'.repeat(86)}`, contentType: 'text/plain', size: 1 }),
    ]) {
      expect(await attempt.catch((e: unknown) => e)).to.have.property('field', 'key');
    }
    // A 1024-byte key made of short segments is fine.
    const deep = Array.from({ length: 16 }, () => 'y'.repeat(63)).join('/');
    const grant = await receiver.presigner.createUploadGrant({ key: deep, contentType: 'text/plain', size: 1 });
    expect((await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: 'z' })).status).to.equal(201);
    expect((await receiver.presigner.verifyUpload(grant.token)).size).to.equal(1);
  });

  it('a key that is a directory of another key is a 409 conflict both ways, and verify a 404, never 5xx', async () => {
    const upload = async (key: string) => {
      const grant = await receiver.presigner.createUploadGrant({ key, contentType: 'application/json', size: 2 });
      const response = await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: '{}' });
      return { grant, status: response.status, text: await response.text() };
    };
    expect((await upload('users/bob.json/avatar')).status).to.equal(201);
    const clash = await upload('users/bob.json');
    expect(clash.status, clash.text).to.equal(409);
    expect(JSON.parse(clash.text).error.code).to.equal('conflict');
    // The app's own keys (no route makes them): the presigner's typed errors, which the router answers 404 and 400.
    expect(await receiver.presigner.verifyUpload(clash.grant.token).catch((e: unknown) => e)).to.be.instanceOf(ObjectNotFoundError);

    // The same through a multipart completion: an invalid request naming the key, not a storage failure.
    const mp = await receiver.presigner.createMultipartUploadGrant({ key: 'users/bob.json', contentType: 'application/json', size: 2 });
    const part = await fetch(mp.parts[0]!.url, { method: 'PUT', headers: mp.parts[0]!.headers, body: '{}' });
    const completed = await receiver.presigner.completeMultipartUpload(mp.token, [{ number: 1, etag: part.headers.get('etag') ?? '' }]).catch((e: unknown) => e);
    expect(completed).to.be.instanceOf(InvalidRequestError);
    expect((completed as InvalidRequestError).field).to.equal('key');

    expect((await upload('files/report')).status).to.equal(201);
    const reverse = await upload('files/report/page-1');
    expect(reverse.status, reverse.text).to.equal(409);
    // Nothing stray: only the two objects that won, each with its metadata.
    expect((await listLocal(root, 'local')).filter((k) => k.startsWith('!'))).to.deep.equal([]);
  });

  it('a storage failure answers without server paths or file system messages (the log has them)', async () => {
    // Make the temporary directory a file: every multipart grant then fails inside the store.
    await rm(path.join(root, '.upgrant-tmp'), { recursive: true, force: true });
    await writeFile(path.join(root, '.upgrant-tmp'), 'not a directory');
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    const multipart = await startDemoServer({ presigner: receiver.presigner, multipartThreshold: 5 });
    try {
      const grant = await fetch(`${multipart.url}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'big.bin', type: 'application/octet-stream', size: 10 }) });
      const grantText = await grant.text();
      expect(grant.status, grantText).to.equal(502);
      expect(grantText).not.to.include(root);
      expect(grantText).not.to.match(/ENOTDIR|EEXIST|mkdir|\/tmp\//);
      const single = (await post('/api/uploads', { name: 'small.txt', type: 'text/plain', size: 2 })).json['grant'];
      const put = await fetch(single['url'] as string, { method: 'PUT', headers: single['headers'] as Record<string, string>, body: 'hi' });
      const text = await put.text();
      expect(put.status).to.equal(500);
      expect(text).not.to.include(root);
      expect(text).not.to.match(/ENOTDIR|EEXIST|mkdir|\/tmp\//);
    } finally {
      await multipart.close();
      console.error = original;
      await rm(path.join(root, '.upgrant-tmp'), { force: true });
    }
    expect(errors.length, 'the detail went to the log').to.be.at.least(2);
  });
});
