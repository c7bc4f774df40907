// Receiver behaviour that only raw HTTP can provoke: chunked bodies past the limit, framing
// tricks, clients that vanish mid-upload, traversal in the raw path, symlinks, and downloads.
import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import type { UploadGrant } from '../../src/types.js';
import { bytes } from '../contract/suite.js';
import { uploadViaHttp } from '../support/http.js';
import { listLocal } from '../support/local-files.js';
import { eventually } from '../abuse/helpers.js';

const SECRET = 'receiver-test-secret-0123456789abcdef';

/** Send a raw HTTP/1.1 request and return the status line's code (0 if the socket just closed). */
function raw(url: string, head: string, body: Buffer | string = '', endEarly = false): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(head + '\r\n');
      // Gone as soon as the bytes are on the wire: the receiver sees a client vanish mid-body.
      socket.write(body, () => {
        if (endEarly) socket.destroy();
      });
    });
    let data = '';
    socket.on('data', (d) => {
      data += d.toString();
      // One answer is all we wait for; a kept-alive connection would otherwise idle on.
      if (/^HTTP\/1\.1 \d{3}/.test(data)) socket.destroy();
    });
    const finish = () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0));
    socket.on('close', finish);
    socket.on('error', finish);
  });
}

function target(grant: UploadGrant): string {
  const url = new URL(grant.url);
  return `${url.pathname}${url.search}`;
}

describe('local receiver over raw HTTP', () => {
  let root: string;
  let receiver: LocalReceiver;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-receiver-'));
    receiver = await listenLocal({ root, secret: SECRET, staging: 'never' });
  });
  after(async () => {
    await receiver.close();
    await rm(root, { recursive: true, force: true });
  });
  afterEach(async () => {
    // The download tests keep their object under dl/; nothing else may remain once the receiver
    // has cleaned up after a refused or cut-off request (it does so after answering).
    const notDownloads = async () => (await listLocal(root, 'local')).filter((k) => !k.startsWith('dl/'));
    const left = await eventually(notDownloads, (keys) => keys.length === 0);
    expect(left, 'nothing left on disk').to.deep.equal([]);
  });

  const grant = (request: Record<string, unknown>) =>
    receiver.presigner.createUploadGrant({ key: `raw/${Math.random().toString(36).slice(2)}.bin`, contentType: 'application/octet-stream', ...request });

  it('cuts off a chunked body that runs past the maximum (413)', async () => {
    const g = await grant({ maxSize: 1000 });
    const head = `PUT ${target(g)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n`;
    const chunk = Buffer.alloc(600, 1);
    const body = Buffer.concat([Buffer.from('258\r\n'), chunk, Buffer.from('\r\n258\r\n'), chunk, Buffer.from('\r\n0\r\n\r\n')]);
    expect(await raw(g.url, head, body)).to.equal(413);
  });

  it('refuses a declared Content-Length over the maximum before reading the body (413)', async () => {
    const g = await grant({ maxSize: 1000 });
    const head = `PUT ${target(g)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 5000000\r\n`;
    expect(await raw(g.url, head, Buffer.alloc(10))).to.equal(413);
  });

  it('refuses a request that sends both Content-Length and chunked framing (400)', async () => {
    const g = await grant({ maxSize: 1000 });
    const head = `PUT ${target(g)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n`;
    expect(await raw(g.url, head, '5000\r\n' + 'a'.repeat(2000))).to.equal(400);
  });

  it('keeps nothing when the client goes away mid-upload', async () => {
    const g = await grant({ size: 1_000_000 });
    const head = `PUT ${target(g)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n`;
    await raw(g.url, head, Buffer.alloc(300_000, 7), true);
    expect(await receiver.presigner.verifyUpload(g.token).then(() => 'found', (e: Error) => e.name)).to.equal('ObjectNotFoundError');
  });

  for (const evil of ['/local/..%2F..%2Fescape.bin', '/local/a/%2e%2e/%2e%2e/escape.bin', '/local/a%5Cb', '/local/%00x', '/..%2Fx/y']) {
    it(`refuses the raw path ${evil} (400)`, async () => {
      expect(await raw(receiver.baseUrl, `PUT ${evil}?X-Upgrant-Method=PUT HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n`, 'x')).to.equal(400);
    });
  }

  it('never follows a symlink planted inside the bucket', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'upgrant-outside-'));
    await mkdir(path.join(root, 'local'), { recursive: true });
    await symlink(outside, path.join(root, 'local', 'evil'));
    try {
      const g = await receiver.presigner.createUploadGrant({ key: 'evil/x.bin', contentType: 'text/plain', size: 3 });
      const result = await uploadViaHttp(g, new TextEncoder().encode('abc'));
      expect(result.status).to.equal(403);
      expect(await readdir(outside)).to.deep.equal([]);
    } finally {
      await rm(path.join(root, 'local', 'evil'));
      await rm(outside, { recursive: true, force: true });
    }
  });

  describe('downloads', () => {
    const key = 'dl/ünïcode ✓.png';
    const body = bytes(10_000);

    before(async () => {
      const g = await receiver.presigner.createUploadGrant({ key, contentType: 'image/png', size: body.length });
      expect((await uploadViaHttp(g, body)).status).to.equal(201);
    });
    after(async () => {
      await rm(path.join(root, 'local', 'dl'), { recursive: true, force: true });
      await rm(path.join(root, '.upgrant-meta'), { recursive: true, force: true });
    });

    it('serves a Range request (206) with the right bytes and headers', async () => {
      const { url } = await receiver.presigner.createDownloadGrant({ key, filename: 'résumé.png' });
      const response = await fetch(url, { headers: { range: 'bytes=100-199' } });
      expect(response.status).to.equal(206);
      expect(response.headers.get('content-range')).to.equal(`bytes 100-199/${body.length}`);
      expect(response.headers.get('content-type')).to.equal('image/png');
      expect(response.headers.get('content-disposition')).to.equal(`attachment; filename="r_sum_.png"; filename*=UTF-8''r%C3%A9sum%C3%A9.png`);
      expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(body.subarray(100, 200)))).to.equal(true);
    });

    it('answers 416 to an unsatisfiable range and HEAD without a body', async () => {
      const { url } = await receiver.presigner.createDownloadGrant({ key });
      expect((await fetch(url, { headers: { range: 'bytes=20000-' } })).status).to.equal(416);
      const head = await fetch(url, { method: 'HEAD' });
      expect(head.status).to.equal(200);
      expect(head.headers.get('content-length')).to.equal(String(body.length));
    });

    it('refuses a download grant used to upload, and an upload grant used to download (403)', async () => {
      const { url } = await receiver.presigner.createDownloadGrant({ key });
      expect((await fetch(url, { method: 'PUT', body: 'x' })).status).to.equal(403);
      const g = await receiver.presigner.createUploadGrant({ key: 'dl/other.bin', contentType: 'text/plain', size: 1 });
      expect((await fetch(g.url)).status).to.equal(403);
    });

    it('answers CORS preflights so a browser on another origin can upload', async () => {
      const g = await receiver.presigner.createUploadGrant({ key: 'dl/cors.bin', contentType: 'text/plain', size: 1 });
      const response = await fetch(g.url, {
        method: 'OPTIONS',
        headers: { origin: 'http://app.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
      });
      expect(response.status).to.equal(204);
      expect(response.headers.get('access-control-allow-origin')).to.equal('*');
      expect(response.headers.get('access-control-allow-methods')).to.include('PUT');
    });
  });
});
