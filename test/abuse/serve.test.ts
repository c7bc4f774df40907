// The built `upgrant serve` as a user runs it, with this hardening's variables: the Host
// allow-list (421), UPGRANT_ALLOWED_HOSTS, and a silent upload body cut at UPGRANT_BODY_TIMEOUT.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { servedUrl } from '../support/ports.js';
import { rawRequest, target } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/upgrant.js', import.meta.url));
const SECRET = 'abuse-serve-secret-0123456789abcdef012345';

describe('abuse: upgrant serve with a Host allow-list and a body timeout (finding 9)', function () {
  this.timeout(30_000);
  let root: string;
  let server: ChildProcess;
  let base: string;
  let port: number;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-abuse-serve-'));
    const env = { PATH: process.env['PATH'] ?? '', UPGRANT_SECRET: SECRET, UPGRANT_LOCAL_ROOT: root, PORT: '0', UPGRANT_ALLOWED_HOSTS: 'demo.example.test', UPGRANT_BODY_TIMEOUT: '1' };
    server = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    base = await servedUrl(server);
    port = Number(new URL(base).port);
  });
  after(async () => {
    if (server.pid) process.kill(server.pid, 'SIGTERM');
    await rm(root, { recursive: true, force: true });
  });

  const info = (host: string) => rawRequest(base, `GET /api/info HTTP/1.1\r\nHost: ${host}\r\nConnection: close`);

  it('answers its own names and UPGRANT_ALLOWED_HOSTS, 421 for any other Host', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'demo.example.test']) expect((await info(host)).status, host).to.equal(200);
    for (const host of ['rebind.attacker.example', `rebind.attacker.example:${port}`]) expect((await info(host)).status, host).to.equal(421);
  });

  it('cuts an upload body silent for UPGRANT_BODY_TIMEOUT with 408 and leaves no temporary file', async () => {
    const response = await fetch(`${base}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'slow.bin', type: 'application/octet-stream', size: 100 }) });
    const { grant } = (await response.json()) as { grant: { url: string } };
    const answer = await rawRequest(grant.url, `PUT ${target(grant.url)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100`, Buffer.alloc(5));
    expect(answer.status).to.equal(408);
    expect(await readdir(path.join(root, '.upgrant-tmp')).catch(() => [])).to.deep.equal([]);
  });
});
