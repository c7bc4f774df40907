// `upgrant serve` in-process over real HTTP: the port really bound, listen failures in one line,
// and UPGRANT_PUBLIC_URL read either way (with or without /storage): grant, then PUT answers 201.
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { holdPort } from '../support/ports.js';
import { cli, expectOneLine, startServe } from './run.js';

const SECRET = 'cli-serve-test-secret-0123456789abcdef';

async function grantAndPut(base: string): Promise<{ url: string; status: number; key: string }> {
  const answer = await fetch(`${base}/api/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'hello.txt', type: 'text/plain', size: 5 }),
  });
  expect(answer.status).to.equal(201);
  const { grant } = (await answer.json()) as { grant: { url: string; key: string } };
  const put = await fetch(grant.url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hello' });
  return { url: grant.url, status: put.status, key: grant.key };
}

/**
 * A reverse proxy on a port of its own (listen(0), held), forwarding to the target set later:
 * how clients reach a server by another address, and how a public URL can name a port before the
 * server it leads to has one (serve runs on --port 0).
 */
async function reverseProxy(): Promise<{ url: string; forwardTo(target: string): void; close(): Promise<void> }> {
  let target = '';
  const server = http.createServer((req, res) => {
    const forwarded = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwardTo: (to) => void (target = to),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('upgrant serve', () => {
  let root: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-cli-serve-'));
    env = { UPGRANT_SECRET: SECRET, UPGRANT_LOCAL_ROOT: root };
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('--port 0 prints the port it got and grants for that port', async () => {
    const serve = await startServe(['--port', '0'], env);
    try {
      const port = new URL(serve.url).port;
      expect(port).to.not.equal('0');
      expect(serve.stdout[0]).to.equal(`upgrant demo on http://127.0.0.1:${port} (provider local, bucket local)`);
      expect(serve.stdout[1]).to.equal(`local receiver at http://127.0.0.1:${port}/storage, files under ${root}`);
      const { url, status, key } = await grantAndPut(serve.url);
      expect(new URL(url).port).to.equal(port);
      expect(status).to.equal(201);
      expect(await readFile(path.join(root, 'local', ...key.split('/')), 'utf8')).to.equal('hello');
    } finally {
      expect(await serve.stop()).to.equal(0);
    }
  });

  for (const [reading, suffix] of [
    ["the server's own address (no path)", ''],
    ['the address with /storage', '/storage'],
    ['another path', '/files/'],
  ] as const) {
    it(`UPGRANT_PUBLIC_URL as ${reading}: the receiver answers where the URL says`, async () => {
      const proxy = await reverseProxy();
      const publicUrl = `${proxy.url}${suffix}`;
      try {
        const serve = await startServe(['--port', '0'], { ...env, UPGRANT_PUBLIC_URL: publicUrl });
        proxy.forwardTo(serve.url);
        try {
          // The URL as the configuration normalised it (no trailing slash).
          expect(serve.stdout[1]).to.equal(`local receiver at ${publicUrl.replace(/\/$/, '')}, files under ${root}`);
          // Granted on the server's own address, the bytes sent where the grant says: through the proxy.
          const { url, status } = await grantAndPut(serve.url);
          // Under the bucket: the grant's key, or its staging key (every grant is staged by default).
          expect(url.startsWith(`${publicUrl.replace(/\/$/, '')}/local/`), url).to.equal(true);
          expect(status).to.equal(201);
          // The demo's own routes still answer beside the receiver.
          expect((await fetch(`${serve.url}/healthz`)).status).to.equal(200);
          expect((await fetch(`${serve.url}/`)).status).to.equal(200);
        } finally {
          await serve.stop();
        }
      } finally {
        await proxy.close();
      }
    });
  }

  it('refuses, naming UPGRANT_PUBLIC_URL, a path where the demo serves its own routes', async () => {
    // Refused from the URL's path alone, before anything listens: the port in it is never used.
    const publicUrl = 'http://127.0.0.1:8787';
    expectOneLine(await cli(['serve', '--port', '0'], { ...env, UPGRANT_PUBLIC_URL: `${publicUrl}/api` }), expect, /^upgrant serve: UPGRANT_PUBLIC_URL: its path puts the receiver at \/api\/, where the demo serves \/api\//);
    const apiBucket = await cli(['serve', '--port', '0'], { ...env, UPGRANT_BUCKET: 'assets', UPGRANT_PUBLIC_URL: publicUrl });
    expectOneLine(apiBucket, expect, /^upgrant serve: UPGRANT_PUBLIC_URL: .*\/assets\//);
  });

  it('says in one line that the port is in use, naming --port or PORT', async () => {
    const blocker = await holdPort();
    const { port } = blocker;
    try {
      const byFlag = await cli(['serve', '--port', String(port)], env);
      expectOneLine(byFlag, expect, new RegExp(`^upgrant serve: port ${port} is in use on 127.0.0.1 \\(--port\\)`));
      expect(byFlag.code).to.equal(1);
      expectOneLine(await cli(['serve'], { ...env, PORT: String(port) }), expect, new RegExp(`^upgrant serve: port ${port} is in use on 127.0.0.1 \\(--port / PORT\\)`));
    } finally {
      await blocker.close();
    }
  });

  it('says in one line that --host is not an address of this machine', async () => {
    // 192.0.2.1 is TEST-NET-1: never assigned to a machine; binding fails locally, nothing is sent.
    expectOneLine(await cli(['serve', '--port', '0', '--host', '192.0.2.1'], env), expect, /^upgrant serve: --host: 192.0.2.1 is not an address of this machine$/);
  });

  it('warns about a generated secret once it serves, and not before a configuration error', async () => {
    const serve = await startServe(['--port', '0'], { UPGRANT_LOCAL_ROOT: root });
    try {
      expect(serve.stderr).to.have.length(1);
      expect(serve.stderr[0]).to.match(/^warning: UPGRANT_SECRET is not set/);
    } finally {
      await serve.stop();
    }
    const blocker = await holdPort();
    try {
      expectOneLine(await cli(['serve', '--port', String(blocker.port)], { UPGRANT_LOCAL_ROOT: root }), expect, /is in use/);
    } finally {
      await blocker.close();
    }
  });
});
