// upgrant/client's browser path (XMLHttpRequest) in headless Chromium, against a cross-origin test
// server that records what arrives: upload progress events, POST field order, abort, retries of a
// 503 SlowDown and of no answer at all, and a 403 never retried. The Node path (fetch) has the
// same tests in test/client/upload.test.ts.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { ensureBuiltClient } from './build.js';
import { launchBrowser, type Browser } from './browser.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

describe('e2e: upgrant/client over XMLHttpRequest in headless Chromium', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let root: string;
  let receiver: LocalReceiver;
  let demo: DemoServer;
  let target: Server;
  let targetUrl: string;
  let page: Page;
  const received: Received[] = [];
  const counts = new Map<string, number>();
  /** Called when a request to /hang has arrived whole (and will never be answered). */
  let onHang: (() => void) | undefined;

  before(async function () {
    browser = await launchBrowser('the browser client tests');
    if (!browser) return this.skip();
    await ensureBuiltClient();
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-e2e-xhr-'));
    receiver = await listenLocal({ root, secret: 'e2e-xhr-secret-0123456789abcdef0123456' });
    demo = await startDemoServer({ presigner: receiver.presigner });
    target = createServer((req, res) => {
      res.setHeader('access-control-allow-origin', '*');
      res.setHeader('access-control-expose-headers', 'ETag');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-methods': 'PUT, POST', 'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '' }).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://target');
        received.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body: Buffer.concat(chunks) });
        const n = (counts.get(url.pathname) ?? 0) + 1;
        counts.set(url.pathname, n);
        switch (url.pathname) {
          case '/flaky':
            if (n === 1) return res.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
            return res.writeHead(200, { etag: '"flaky"' }).end();
          case '/denied':
            return res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>');
          case '/hang':
            return onHang?.(); // never answers
          default:
            return res.writeHead(201, { etag: '"ok"' }).end();
        }
      });
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    page = await browser.newPage();
    await page.goto(demo.url);
  });

  after(async () => {
    await browser?.close();
    if (target) {
      target.closeAllConnections();
      await new Promise<void>((resolve) => target.close(() => resolve()));
    }
    await demo?.close();
    await receiver?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  beforeEach(() => {
    received.length = 0;
    counts.clear();
  });

  /**
   * Run uploadWithGrant in the page; returns the result or the UploadError's fields. The page code
   * is a string on purpose: tsx would otherwise inject its own helpers into a function that runs
   * in the browser, where they do not exist.
   */
  const IN_PAGE = `async ({ grant, size, options }) => {
    const client = await import('/assets/upgrant-client/index.js');
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31) & 0xff;
    const controller = new AbortController();
    if (options.abortable) globalThis.abortUpload = () => controller.abort();
    const progress = [];
    try {
      const result = await client.uploadWithGrant(grant, new Blob([bytes]), { ...options, signal: controller.signal, onProgress: (p) => progress.push(p.loaded) });
      return { ok: true, result, progress };
    } catch (e) {
      return { ok: false, error: { name: e.name, code: e.code, status: e.status, attempts: e.attempts, providerCode: e.providerCode }, progress };
    }
  }`;

  interface InPageOutcome {
    ok: boolean;
    result?: Record<string, unknown>;
    error?: Record<string, unknown>;
    progress: number[];
  }

  const run = (grant: object, size: number, options: { retries?: number; retryDelayMs?: number; abortable?: boolean } = {}): Promise<InPageOutcome> =>
    page.evaluate(`(${IN_PAGE})(${JSON.stringify({ grant, size, options })})`) as Promise<InPageOutcome>;

  it('PUT: the grant headers without content-length, the bytes, and upload progress events', async () => {
    const size = 8 * 1024 * 1024;
    const outcome = await run({ method: 'PUT', url: `${targetUrl}/ok`, headers: { 'content-type': 'image/png', 'content-length': String(size), 'if-none-match': '*' } }, size);
    expect(outcome.ok).to.equal(true);
    expect(outcome.result).to.deep.equal({ status: 201, attempts: 1, etag: '"ok"' });
    const put = received.find((r) => r.method === 'PUT')!;
    expect(put.headers['content-type']).to.equal('image/png');
    expect(put.headers['if-none-match']).to.equal('*');
    expect(put.headers['content-length']).to.equal(String(size));
    expect(put.body.length).to.equal(size);
    expect(put.body[12345]).to.equal((12345 * 31) & 0xff);
    expect(outcome.progress.length, 'several progress events').to.be.greaterThan(1);
    expect(outcome.progress.at(-1)).to.equal(size);
  });

  it('POST: fields in order, then the file as `file` with the granted type', async () => {
    const fields = { key: 'uploads/x/y.png', 'Content-Type': 'image/png', policy: 'cG9saWN5', 'x-amz-signature': 'beef' };
    const outcome = await run({ method: 'POST', url: `${targetUrl}/form`, headers: {}, fields, constraints: { contentType: 'image/png' } }, 5000);
    expect(outcome.ok).to.equal(true);
    const post = received.find((r) => r.method === 'POST')!;
    const form = await new Response(new Uint8Array(post.body), { headers: { 'content-type': post.headers['content-type']! } }).formData();
    expect([...form.keys()]).to.deep.equal([...Object.keys(fields), 'file']);
    expect((form.get('file') as File).type).to.equal('image/png');
    expect((form.get('file') as File).size).to.equal(5000);
  });

  it('retries a 503 SlowDown, then succeeds', async () => {
    const outcome = await run({ method: 'PUT', url: `${targetUrl}/flaky`, headers: { 'content-type': 'text/plain' } }, 1000, { retries: 3, retryDelayMs: 10 });
    expect(outcome.ok, JSON.stringify(outcome)).to.equal(true);
    expect(outcome.result).to.deep.include({ status: 200, attempts: 2 });
    expect(counts.get('/flaky')).to.equal(2);
  });

  // (A socket dropped mid-request is retried by Chromium itself on a reused connection, before
  // XHR sees it, so the network case resets every connection as it opens: none is ever reused.
  // The port is the resetting server's own, held throughout, not one probed free and hoped unused.)
  it('retries when no answer comes at all, then gives up with code network', async () => {
    const resetting = createTcpServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
    try {
      const port = (resetting.address() as AddressInfo).port;
      const outcome = await run({ method: 'PUT', url: `http://127.0.0.1:${port}/x`, headers: { 'content-type': 'text/plain' } }, 10, { retries: 2, retryDelayMs: 10 });
      expect(outcome.ok).to.equal(false);
      expect(outcome.error).to.deep.include({ name: 'UploadError', code: 'network', status: 0, attempts: 3 });
    } finally {
      await new Promise<void>((resolve) => resetting.close(() => resolve()));
    }
  });

  it('a 403 is mapped and never retried', async () => {
    const outcome = await run({ method: 'PUT', url: `${targetUrl}/denied`, headers: { 'content-type': 'text/plain' } }, 10, { retries: 5, retryDelayMs: 10 });
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.deep.equal({ name: 'UploadError', code: 'forbidden', status: 403, attempts: 1, providerCode: 'SignatureDoesNotMatch' });
    expect(counts.get('/denied')).to.equal(1);
  });

  it('abort mid-upload rejects with code aborted and does not retry', async () => {
    // Aborted on an event, not after a timer: once the server holds the whole request, unanswered.
    const arrived = new Promise<void>((resolve) => (onHang = resolve));
    const running = run({ method: 'PUT', url: `${targetUrl}/hang`, headers: { 'content-type': 'text/plain' } }, 1000, { retries: 5, retryDelayMs: 10, abortable: true });
    await arrived;
    await page.evaluate('globalThis.abortUpload()');
    const outcome = await running;
    expect(outcome.ok).to.equal(false);
    expect(outcome.error).to.deep.include({ name: 'UploadError', code: 'aborted', status: 0 });
    // One request, not six: the abort is final (the rejection itself proves it did not wait out retries).
    expect(counts.get('/hang')).to.equal(1);
  });
});
