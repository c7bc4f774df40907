// Finding 1 (early-closed connections leak) and the idle timeouts: real sockets against the real
// receiver that drop the connection at every stage of an upload, whole-object and part URLs alike.
// Afterwards the server holds no connection (its timeouts are the defaults, so each close is a drop
// it noticed), the process's open file count is back within 8 of where it was and no temporary
// file, part or metadata remains; a silent body and silent headers are cut at their timeouts.
import { expect } from 'chai';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { serverTimeouts } from '../../drivers/local/listen.js';
import type { MultipartUploadGrant, UploadGrant } from '../../src/types.js';
import { listLocal } from '../support/local-files.js';
import { eventually, inBatches, openFds, rawRequest, serverConnections, target } from './helpers.js';

const SECRET = 'abuse-early-close-secret-0123456789abcdef';

describe('abuse: early-closed and silent uploads (finding 1, 9)', function () {
  this.timeout(120_000);
  let root: string;
  let receiver: LocalReceiver;
  let patientRoot: string;
  let patient: LocalReceiver;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-abuse-close-'));
    // A tiny idle timeout: the silent-body test waits for the answer, never for a clock.
    receiver = await listenLocal({ root, secret: SECRET, bodyIdleTimeoutMs: 150, headersTimeoutMs: 150, staging: 'never' });
    // The default timeouts (60 s body, 20 s headers): a dropped upload must be noticed as dropped,
    // not cut by a timeout that would hide a server blind to the close.
    patientRoot = await mkdtemp(path.join(os.tmpdir(), 'upgrant-abuse-close-'));
    patient = await listenLocal({ root: patientRoot, secret: SECRET, staging: 'never' });
  });
  after(async () => {
    await Promise.all([receiver.close(), patient.close()]);
    await Promise.all([rm(root, { recursive: true, force: true }), rm(patientRoot, { recursive: true, force: true })]);
  });

  const put = (grant: { url: string }, headers: string) =>
    `PUT ${target(grant.url)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream${headers}`;

  it('1000 uploads dropped early (no length, partial body, complete then drop; whole and part URLs) leak no fd and leave no file', async () => {
    const size = 64 * 1024;
    const single = (await patient.presigner.createUploadGrant({ key: 'abuse/single.bin', contentType: 'application/octet-stream', size })) as UploadGrant;
    const overwrite = (await patient.presigner.createUploadGrant({ key: 'abuse/overwrite.bin', contentType: 'application/octet-stream', size, overwrite: true })) as UploadGrant;
    const multipart = (await patient.presigner.createMultipartUploadGrant({
      key: 'abuse/multi.bin',
      contentType: 'application/octet-stream',
      size: 2 * size,
      partSize: size,
    })) as MultipartUploadGrant;
    const part = multipart.parts[0]!;
    const full = Buffer.alloc(size, 7);
    const half = full.subarray(0, size / 2);

    // Warm up (lazy modules, the temp directory), then take the baseline once the warm-up's own
    // connection and temporary file are gone. The open multipart upload's manifest stays: waiting
    // for an empty listing instead never held and cost the helper's whole patience (30 s) per run.
    await rawRequest(single.url, `${put(single, `\r\nContent-Length: ${size}`)}\r\nConnection: close`, half, true);
    const settled = await eventually(
      async () => ({ connections: await serverConnections(patient.server), left: await listLocal(patientRoot, 'local') }),
      (s) => s.connections === 0 && s.left.every((k) => k === '!tmp:manifest.json'),
    );
    expect(settled, 'the warm-up upload is gone').to.deep.equal({ connections: 0, left: ['!tmp:manifest.json'] });
    const before = await openFds();
    let accepted = 0;
    patient.server.on('connection', () => (accepted += 1));

    const mixes: Array<() => Promise<unknown>> = [
      // No length header: the body is read as a broken second request.
      () => rawRequest(single.url, put(single, ''), full, true),
      // Headers and half the body, then the connection drops.
      () => rawRequest(single.url, put(single, `\r\nContent-Length: ${size}`), half, true),
      // The whole request, dropped before the answer (an overwrite grant: each may land whole).
      () => rawRequest(overwrite.url, put(overwrite, `\r\nContent-Length: ${size}`), full, true),
      // The same three on a part URL.
      () => rawRequest(part.url, put(part, ''), full, true),
      () => rawRequest(part.url, put(part, `\r\nContent-Length: ${size}`), half, true),
    ];
    let sent = 0;
    await inBatches(1000, 25, async (i) => {
      await mixes[i % mixes.length]!();
      sent += 1;
    });
    // A part sent whole then dropped, 1 in 5 of the part requests.
    await inBatches(50, 25, () => rawRequest(part.url, put(part, `\r\nContent-Length: ${size}`), full, true));
    expect(sent).to.equal(1000);

    // The clients are done long before the server (a dropped connection waits in the listen
    // backlog until it is accepted, seen on Node 22): wait until the server has accepted every one
    // and holds none open. With 60 s of body patience, each close is a drop the server noticed.
    const served = await eventually(
      async () => ({ accepted, open: await serverConnections(patient.server) }),
      (s) => s.accepted === 1050 && s.open === 0,
    );
    expect(served, 'connections accepted and left open').to.deep.equal({ accepted: 1050, open: 0 });
    // Then the count comes back to the baseline (file handles close after their sockets); only a
    // leak waits the helper's whole patience, and then the margin still decides.
    const after = await eventually(openFds, (n) => n <= before);
    if (process.env['UPGRANT_ABUSE_FIGURES']) console.log(`      open fds: ${before} before, ${after} after 1050 dropped uploads`);
    expect(after, `open fds ${before} before, ${after} after`).to.be.at.most(before + 8);

    // The only things allowed on disk: the overwrite grant's object, whole, and the open upload's
    // directory with whole parts; abort removes that, and the object verifies.
    const left = await eventually(() => listLocal(patientRoot, 'local'), (l) => l.every((k) => k === 'abuse/overwrite.bin' || k === '!tmp:manifest.json' || k === '!tmp:part-1'));
    expect(left.filter((k) => k !== 'abuse/overwrite.bin' && k !== '!tmp:manifest.json' && k !== '!tmp:part-1'), 'stray files').to.deep.equal([]);
    await patient.presigner.abortMultipartUpload(multipart.token);
    if (left.includes('abuse/overwrite.bin')) {
      expect((await patient.presigner.verifyUpload(overwrite.token)).size).to.equal(size);
      await rm(path.join(patientRoot, 'local', 'abuse'), { recursive: true });
      await rm(path.join(patientRoot, '.upgrant-meta'), { recursive: true, force: true });
    }
    expect(await eventually(() => listLocal(patientRoot, 'local'), (l) => l.length === 0), 'no file under the root').to.deep.equal([]);
    // A dropped upload's temporary file is removed when the server sees its socket close, which on
    // a loaded machine may come after the checks above: wait for it (a leak still fails, after 30 s).
    expect(await eventually(() => readdir(path.join(patientRoot, '.upgrant-tmp')), (l) => l.length === 0), 'no temporary file').to.deep.equal([]);
  });

  it('cuts a body that goes silent at the idle timeout (408), leaving nothing', async () => {
    const grant = await receiver.presigner.createUploadGrant({ key: 'abuse/slow.bin', contentType: 'application/octet-stream', size: 1000 });
    // 10 of 1000 bytes, then nothing: the receiver answers and closes; this waits for that close.
    const answer = await rawRequest(grant.url, put(grant, '\r\nContent-Length: 1000'), Buffer.alloc(10));
    expect(answer.status).to.equal(408);
    expect(answer.text).to.include('"timeout"');
    expect(await eventually(() => listLocal(root, 'local'), (l) => l.length === 0)).to.deep.equal([]);
  });

  it('cuts a part upload that goes silent the same way', async () => {
    const grant = await receiver.presigner.createMultipartUploadGrant({ key: 'abuse/slow-part.bin', contentType: 'application/octet-stream', size: 2000, partSize: 1000 });
    const answer = await rawRequest(grant.parts[0]!.url, put(grant.parts[0]!, '\r\nContent-Length: 1000'), Buffer.alloc(10));
    expect(answer.status).to.equal(408);
    await receiver.presigner.abortMultipartUpload(grant.token);
    expect(await eventually(() => listLocal(root, 'local'), (l) => l.length === 0)).to.deep.equal([]);
  });

  it('looks for late headers at a tenth of the headers timeout, not node:http\'s 30 s', () => {
    // node:http checks headersTimeout only this often: at its default a 150 ms timeout is 30 s.
    const interval = (r: LocalReceiver) => (r.server as LocalReceiver['server'] & { connectionsCheckingInterval: number }).connectionsCheckingInterval;
    expect(interval(receiver)).to.equal(15);
    expect(interval(patient)).to.equal(2_000);
    expect(serverTimeouts(3_600_000).connectionsCheckingInterval).to.equal(30_000);
  });

  it('closes a connection whose headers never finish (headers timeout, 408)', async () => {
    const { port } = new URL(receiver.baseUrl);
    const text = await new Promise<string>((resolve) => {
      let data = '';
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('PUT /local/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1'));
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', () => undefined);
    });
    expect(text).to.match(/^HTTP\/1\.1 408/);
  });
});
