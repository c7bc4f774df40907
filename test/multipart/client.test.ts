// upgrant/client with multipart grants, in Node (fetch transport) against the local receiver over
// real HTTP: parts in parallel (never more than asked), progress over the whole file, a part
// retried after a dropped connection, resume from the parts already done, and an abort that
// discards the upload on the server too. A small front server counts requests and drops chosen
// ones, so the tests see what went over the wire.
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LocalDriver } from '../../drivers/local/driver.js';
import { localRequestHandler } from '../../drivers/local/index.js';
import { uploadWithGrant, type DonePart, type MultipartClientGrant } from '../../src/client/index.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { Presigner } from '../../src/types.js';
import { listLocal } from '../support/local-files.js';
import { generated } from './helpers.js';

const SECRET = 'multipart-client-secret-0123456789abcdef';
const MIB = 1024 * 1024;

describe('multipart: upgrant/client', function () {
  this.timeout(60_000);
  let root: string;
  let server: Server;
  let presigner: Presigner;
  /** Part numbers of the part requests seen, in arrival order. */
  let seen: number[] = [];
  let active = 0;
  let maxActive = 0;
  /** Part numbers whose next request gets its connection dropped. */
  let drop = new Set<number>();
  /** When set, the first part requests are held until this many are in flight at once. */
  let gate: number | undefined;
  const held: Array<() => void> = [];
  let n = 0;
  const newKey = () => `client/${Date.now()}-${n++}.bin`;
  const read = (key: string) => readFile(path.join(root, 'local', ...key.split('/'))).then((b) => new Uint8Array(b), () => undefined);

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-mp-client-'));
    const handler = localRequestHandler({ root, secret: SECRET });
    server = createServer((req, res) => {
      const part = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('X-Upgrant-Part'));
      seen.push(part);
      if (drop.delete(part)) {
        req.socket.destroy();
        return;
      }
      active++;
      maxActive = Math.max(maxActive, active);
      res.on('close', () => active--);
      if (gate !== undefined && held.length + 1 < gate) {
        held.push(() => void handler(req, res));
        return;
      }
      // The gate is full: from here on requests pass straight through.
      gate = undefined;
      for (const release of held.splice(0)) release();
      void handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    presigner = new PortablePresigner(new LocalDriver({ root, secret: SECRET, baseUrl: `http://127.0.0.1:${port}` }), { secret: SECRET, staging: 'never' });
  });

  beforeEach(() => {
    seen = [];
    drop = new Set();
    maxActive = 0;
    gate = undefined;
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (root) await rm(root, { recursive: true, force: true });
  });

  const grantFor = async (size: number) =>
    (await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'application/octet-stream', size, partSize: MIB })) as MultipartClientGrant & { token: string; key: string };

  it('sends the parts in parallel (at most `concurrency`), reports progress over the whole file, and completes', async () => {
    const data = generated(8 * MIB + 5, 71);
    const grant = await grantFor(data.length);
    const progress: number[] = [];
    // Three parts must be in flight together before any is answered (a client sending one at a
    // time never fills the gate, and the test times out); a fourth at once would show in maxActive.
    gate = 3;
    const result = await uploadWithGrant(grant, new Blob([data]), { transport: 'fetch', concurrency: 3, onProgress: (p) => progress.push(p.loaded) });
    expect(result.parts.map((p) => p.number)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(result.parts.every((p) => /^"[0-9a-f]{32}"$/.test(p.etag))).to.equal(true);
    expect(maxActive).to.equal(3);
    expect(progress.at(-1)).to.equal(data.length);
    expect(progress.every((v, i) => i === 0 || v >= progress[i - 1]!), 'progress never goes back').to.equal(true);
    await presigner.completeMultipartUpload(grant.token, result.parts);
    expect(Buffer.from((await read(grant.key))!).equals(Buffer.from(data))).to.equal(true);
  });

  it('retries a part whose connection dropped, and only that part', async () => {
    const data = generated(3 * MIB, 72);
    const grant = await grantFor(data.length);
    drop.add(2);
    const result = await uploadWithGrant(grant, new Blob([data]), { transport: 'fetch', retryDelayMs: 10 });
    expect(seen.filter((p) => p === 2)).to.have.length(2);
    expect(seen.filter((p) => p !== 2).sort()).to.deep.equal([1, 3]);
    expect(result.attempts).to.equal(4);
    await presigner.completeMultipartUpload(grant.token, result.parts);
    expect(Buffer.from((await read(grant.key))!).equals(Buffer.from(data))).to.equal(true);
  });

  it('resumes: after an interruption only the parts not done are sent again', async () => {
    const data = generated(6 * MIB, 73);
    const grant = await grantFor(data.length);
    const controller = new AbortController();
    let saved: readonly DonePart[] = [];
    const first = await uploadWithGrant(grant, new Blob([data]), {
      transport: 'fetch',
      concurrency: 1,
      signal: controller.signal,
      onPartDone: (_part, done) => {
        saved = done; // what a page keeps in localStorage with the grant
        if (done.length === 2) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(first).to.have.property('code', 'aborted');
    expect(saved.map((p) => p.number)).to.deep.equal([1, 2]);
    seen = [];
    const stored = JSON.parse(JSON.stringify({ grant, saved })) as { grant: typeof grant; saved: DonePart[] };
    const progress: number[] = [];
    const result = await uploadWithGrant(stored.grant, new Blob([data]), { transport: 'fetch', done: stored.saved, onProgress: (p) => progress.push(p.loaded) });
    expect(seen.sort()).to.deep.equal([3, 4, 5, 6]);
    expect(progress[0], 'progress starts at the parts already done').to.equal(2 * MIB);
    await presigner.completeMultipartUpload(grant.token, result.parts);
    expect(Buffer.from((await read(grant.key))!).equals(Buffer.from(data))).to.equal(true);
  });

  it('abort stops the parts in flight and discards the upload on the server', async () => {
    const data = generated(6 * MIB, 74);
    const grant = await grantFor(data.length);
    const controller = new AbortController();
    let serverAborts = 0;
    const error = await uploadWithGrant(grant, new Blob([data]), {
      transport: 'fetch',
      concurrency: 2,
      signal: controller.signal,
      onPartDone: () => controller.abort(),
      abortOnServer: async () => {
        serverAborts++;
        await presigner.abortMultipartUpload(grant.token);
      },
    }).catch((e: unknown) => e);
    expect(error).to.have.property('code', 'aborted');
    expect(serverAborts).to.equal(1);
    expect(seen.length, 'no new part after the abort').to.be.at.most(3);
    expect(await read(grant.key)).to.equal(undefined);
    expect((await listLocal(root, 'local')).filter((k) => k.startsWith('!'))).to.deep.equal([]);
  });

  it('a part the storage refuses fails the upload with its UploadError and keeps the upload for a resume', async () => {
    const data = generated(2 * MIB, 75);
    const grant = await grantFor(data.length);
    const broken = { ...grant, parts: grant.parts.map((p) => (p.number === 2 ? { ...p, url: p.url.replace('X-Upgrant-Signature=', 'X-Upgrant-Signature=x') } : p)) };
    const error = await uploadWithGrant(broken, new Blob([data]), { transport: 'fetch', retryDelayMs: 10 }).catch((e: unknown) => e);
    expect(error).to.have.property('code', 'forbidden');
    expect(seen.filter((p) => p === 2), 'a 4xx is not retried').to.have.length(1);
    const result = await uploadWithGrant(grant, new Blob([data]), { transport: 'fetch', done: [] });
    await presigner.completeMultipartUpload(grant.token, result.parts);
    expect(Buffer.from((await read(grant.key))!).equals(Buffer.from(data))).to.equal(true);
  });

  it('refuses a file that does not match the grant before sending anything', async () => {
    const grant = await grantFor(2 * MIB);
    const error = await uploadWithGrant(grant, new Blob([generated(2 * MIB + 1)]), { transport: 'fetch' }).catch((e: unknown) => e);
    expect(error).to.have.property('code', 'too-large');
    expect(seen).to.deep.equal([]);
    await presigner.abortMultipartUpload(grant.token);
  });
});
