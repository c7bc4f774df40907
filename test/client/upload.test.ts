// uploadWithGrant in Node (the fetch transport) against a local test server that records what
// arrives: PUT headers and bytes, POST field order, abort, retries, and refusals mapped to codes.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { backoff, md5Base64, sha256Base64, uploadWithGrant, UploadError, type ClientGrant, type UploadProgress } from '../../src/client/index.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer, count: number) => void;

describe('client: uploadWithGrant against a local test server', function () {
  this.timeout(20_000);
  let server: Server;
  let base: string;
  let handler: Handler;
  let received: Received[];

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        handler(req, res, body, received.length);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    received = [];
    handler = (_req, res) => res.writeHead(201, { etag: '"abc"' }).end();
  });

  const putGrant = (extra: Partial<ClientGrant> = {}): ClientGrant => ({
    method: 'PUT',
    url: `${base}/bucket/key.bin?sig=1`,
    headers: { 'content-type': 'image/png', 'content-length': '999', 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==', 'if-none-match': '*' },
    ...extra,
  });

  it('PUT sends exactly the grant headers (content-length from the body, never the grant) and the bytes, reporting progress', async () => {
    const file = randomBytes(3 * 1024 * 1024 + 7);
    const progress: UploadProgress[] = [];
    const result = await uploadWithGrant(putGrant(), new Blob([file]), { onProgress: (p) => progress.push(p) });
    expect(result).to.deep.equal({ status: 201, attempts: 1, etag: '"abc"' });
    expect(received).to.have.length(1);
    const got = received[0]!;
    expect(got.method).to.equal('PUT');
    expect(got.url).to.equal('/bucket/key.bin?sig=1');
    expect(got.headers['content-type']).to.equal('image/png');
    expect(got.headers['content-md5']).to.equal('AAAAAAAAAAAAAAAAAAAAAA==');
    expect(got.headers['if-none-match']).to.equal('*');
    expect(got.headers['content-length']).to.equal(String(file.length));
    expect(got.headers['transfer-encoding']).to.equal(undefined);
    expect(got.body.equals(file)).to.equal(true);
    expect(progress.length).to.be.greaterThan(2);
    expect(progress.at(-1)).to.deep.include({ loaded: file.length, total: file.length, fraction: 1, attempt: 1 });
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.loaded).to.be.at.least(progress[i - 1]!.loaded);
  });

  it('POST sends the form fields in their order, then the file as `file` with the granted type', async () => {
    const fields = { key: 'uploads/a/b.png', 'Content-Type': 'image/png', policy: 'cG9saWN5', 'x-amz-signature': 'f00d', success_action_status: '201' };
    const grant: ClientGrant = { method: 'POST', url: `${base}/bucket`, headers: { 'content-type': 'ignored/by-post' }, fields, constraints: { contentType: 'image/png' } };
    const file = randomBytes(100_000);
    await uploadWithGrant(grant, new Blob([file]), { filename: 'b.png' });
    const got = received[0]!;
    expect(got.method).to.equal('POST');
    expect(got.headers['content-type']).to.match(/^multipart\/form-data; boundary=/);
    const form = await new Response(new Uint8Array(got.body), { headers: { 'content-type': got.headers['content-type']! } }).formData();
    const names = [...form.keys()];
    expect(names).to.deep.equal([...Object.keys(fields), 'file']);
    for (const [name, value] of Object.entries(fields)) expect(form.get(name)).to.equal(value);
    const part = form.get('file') as File;
    expect(part.type).to.equal('image/png');
    expect(part.name).to.equal('b.png');
    expect(Buffer.from(await part.arrayBuffer()).equals(file)).to.equal(true);
  });

  it('abort: a signal fired mid-upload rejects with code aborted, without retrying', async () => {
    const controller = new AbortController();
    // The server has the whole request and never answers: the client is waiting for the answer.
    handler = () => controller.abort();
    const error = await uploadWithGrant(putGrant(), new Blob([randomBytes(1000)]), { signal: controller.signal, retries: 5, retryDelayMs: 1 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UploadError);
    expect((error as UploadError).code).to.equal('aborted');
    expect((error as UploadError).status).to.equal(0);
    expect(received).to.have.length(1);
  });

  it('abort: an already aborted signal sends nothing', async () => {
    const error = await uploadWithGrant(putGrant(), new Blob(['x']), { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((error as UploadError).code).to.equal('aborted');
    expect(received).to.have.length(0);
  });

  it('abort during the backoff between attempts stops the retries', async () => {
    handler = (_req, res) => res.writeHead(503).end();
    const controller = new AbortController();
    // Abort on the event-loop turn after the client has the 503 in hand, i.e. once it is waiting
    // out a backoff of 30-60 s (longer than this test may take: only the abort can end it).
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
      const answer = await realFetch(...args);
      const copy = new Response(await answer.arrayBuffer(), { status: answer.status, headers: answer.headers });
      setImmediate(() => controller.abort());
      return copy;
    };
    try {
      const error = await uploadWithGrant(putGrant(), new Blob(['x']), { transport: 'fetch', signal: controller.signal, retries: 5, retryDelayMs: 60_000 }).catch((e: unknown) => e);
      expect((error as UploadError).code).to.equal('aborted');
      expect((error as UploadError).attempts).to.equal(1);
      expect(received).to.have.length(1);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it('retries a dropped connection and a 503 SlowDown, then succeeds', async () => {
    handler = (req, res, _body, count) => {
      if (count === 1) return req.socket.destroy();
      if (count === 2) return res.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      res.writeHead(200).end();
    };
    const attempts: number[] = [];
    const result = await uploadWithGrant(putGrant(), new Blob([randomBytes(5000)]), { retries: 3, retryDelayMs: 5, onProgress: (p) => attempts.push(p.attempt) });
    expect(result.status).to.equal(200);
    expect(result.attempts).to.equal(3);
    expect(received).to.have.length(3);
    expect(new Set(attempts)).to.deep.equal(new Set([1, 2, 3]));
  });

  it('never retries a 4xx: one request, the mapped code', async () => {
    handler = (_req, res) => res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    const error = (await uploadWithGrant(putGrant(), new Blob(['x']), { retries: 5, retryDelayMs: 1 }).catch((e: unknown) => e)) as UploadError;
    expect(error).to.be.instanceOf(UploadError);
    expect(error).to.include({ code: 'expired', status: 403, providerCode: 'AccessDenied', providerMessage: 'Request has expired', attempts: 1 });
    expect(received).to.have.length(1);
  });

  it('gives up after the retries with code network (every connection hung up)', async () => {
    // A listener that hangs up on every connection: no port is closed and hoped to stay free.
    const hangUp = createNetServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    const port = (hangUp.address() as AddressInfo).port;
    try {
      const error = (await uploadWithGrant(putGrant({ url: `http://127.0.0.1:${port}/x` }), new Blob(['x']), { retries: 2, retryDelayMs: 1 }).catch((e: unknown) => e)) as UploadError;
      expect(error.code).to.equal('network');
      expect(error.attempts).to.equal(3);
      expect(error.status).to.equal(0);
    } finally {
      await new Promise<void>((resolve) => hangUp.close(() => resolve()));
    }
  });

  it('a 5xx still failing after the retries is reported with its status', async () => {
    handler = (_req, res) => res.writeHead(500).end();
    const error = (await uploadWithGrant(putGrant(), new Blob(['x']), { retries: 2, retryDelayMs: 1 }).catch((e: unknown) => e)) as UploadError;
    expect(error).to.include({ code: 'unknown', status: 500, attempts: 3 });
    expect(received).to.have.length(3);
  });

  it('"exists" after a lost answer says an earlier attempt may have stored the file', async () => {
    handler = (req, res, _body, count) => (count === 1 ? req.socket.destroy() : res.writeHead(412).end('<Error><Code>PreconditionFailed</Code><Message>x</Message></Error>'));
    const error = (await uploadWithGrant(putGrant(), new Blob(['x']), { retries: 1, retryDelayMs: 1 }).catch((e: unknown) => e)) as UploadError;
    expect(error.code).to.equal('exists');
    expect(error.providerMessage).to.match(/earlier attempt/);
  });

  it('backoff doubles with jitter and respects the cap', () => {
    for (let i = 0; i < 50; i++) {
      const first = backoff(1, { retryDelayMs: 100 });
      const third = backoff(3, { retryDelayMs: 100 });
      expect(first).to.be.within(50, 100);
      expect(third).to.be.within(200, 400);
      expect(backoff(20, { retryDelayMs: 100, maxRetryDelayMs: 1000 })).to.be.within(500, 1000);
    }
  });
});

describe('client: uploadWithGrant against the local receiver (real grants)', function () {
  this.timeout(20_000);
  let root: string;
  let receiver: LocalReceiver;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-client-'));
    receiver = await listenLocal({ root, secret: 'client-test-secret-0123456789abcdef', staging: 'never' });
  });
  after(async () => {
    await receiver.close();
    await rm(root, { recursive: true, force: true });
  });

  it('stores a file byte for byte, then refuses the replay with code exists', async () => {
    const file = new Blob([randomBytes(2 * 1024 * 1024)], { type: 'application/octet-stream' });
    const grant = await receiver.presigner.createUploadGrant({ filename: 'a.bin', contentType: 'application/octet-stream', size: file.size, checksum: { sha256: await sha256Base64(file) } });
    expect((await uploadWithGrant(grant, file)).status).to.equal(201);
    const stored = await readFile(path.join(root, 'local', ...grant.key.split('/')));
    expect(stored.equals(Buffer.from(await file.arrayBuffer()))).to.equal(true);
    const again = (await uploadWithGrant(grant, file).catch((e: unknown) => e)) as UploadError;
    expect(again).to.include({ code: 'exists', status: 409 });
    expect((await receiver.presigner.verifyUpload(grant.token)).size).to.equal(file.size);
  });

  it('a file over the granted size: too-large, 413, nothing stored', async () => {
    const grant = await receiver.presigner.createUploadGrant({ filename: 'big.bin', contentType: 'application/octet-stream', maxSize: 1000 });
    const error = (await uploadWithGrant(grant, new Blob([randomBytes(5000)])).catch((e: unknown) => e)) as UploadError;
    expect(error).to.include({ code: 'too-large', status: 413, providerCode: 'too-large' });
    const stored = await readFile(path.join(root, 'local', ...grant.key.split('/'))).catch(() => undefined);
    expect(stored).to.equal(undefined);
  });

  it('another content in the same size: checksum-mismatch', async () => {
    const file = new Blob([randomBytes(4096)]);
    const grant = await receiver.presigner.createUploadGrant({ filename: 'c.bin', contentType: 'application/octet-stream', size: 4096, checksum: { md5: await md5Base64(file) } });
    const error = (await uploadWithGrant(grant, new Blob([randomBytes(4096)])).catch((e: unknown) => e)) as UploadError;
    expect(error).to.include({ code: 'checksum-mismatch', status: 400 });
  });
});

describe('client: checksums', () => {
  const data = randomBytes(3 * 1024 * 1024 + 11);
  const blob = new Blob([data]);

  it('sha256Base64 matches node:crypto, one-shot and streamed', async () => {
    const expected = createHash('sha256').update(data).digest('base64');
    expect(await sha256Base64(blob)).to.equal(expected);
    const seen: number[] = [];
    expect(await sha256Base64(blob, { streamAbove: 1024, onProgress: (n) => seen.push(n) })).to.equal(expected);
    expect(seen.length).to.be.greaterThan(1);
    expect(seen.at(-1)).to.equal(data.length);
  });

  it('md5Base64 matches node:crypto (streamed), and the empty file', async () => {
    expect(await md5Base64(blob)).to.equal(createHash('md5').update(data).digest('base64'));
    expect(await md5Base64(new Blob([]))).to.equal('1B2M2Y8AsgTpgAmY7PhCfg==');
    expect(await sha256Base64(new Blob([]))).to.equal('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });

  it('stops hashing when the signal fires', async () => {
    const error = await md5Base64(blob, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((error as Error).name).to.equal('AbortError');
  });
});
