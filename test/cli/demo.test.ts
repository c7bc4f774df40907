// The built `upgrant` command and demo server, as a user runs them: real processes, real HTTP.
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { servedUrl } from '../support/ports.js';

const BIN = fileURLToPath(new URL('../../bin/upgrant.js', import.meta.url));
const SECRET = 'demo-test-secret-0123456789abcdef0123';

function cli(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function post(url: string, body: unknown) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('upgrant CLI and demo server (built package)', function () {
  this.timeout(30_000);
  let root: string;
  let env: Record<string, string>;
  let server: ChildProcess;
  let base: string;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-demo-'));
    env = { UPGRANT_SECRET: SECRET, UPGRANT_LOCAL_ROOT: root };
    server = spawn(process.execPath, [BIN, 'serve'], { env: { PATH: process.env['PATH'] ?? '', ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    base = await servedUrl(server);
    // The port the server bound (and holds): `upgrant grant` defaults its receiver URL from PORT.
    env['PORT'] = new URL(base).port;
  });

  after(async () => {
    if (server.pid) process.kill(server.pid, 'SIGTERM');
    await rm(root, { recursive: true, force: true });
  });

  it('serves the demo page and says which provider it is on', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include('data-testid="upload"');
    expect(await (await fetch(`${base}/api/info`)).json()).to.deep.equal({ provider: 'local', bucket: 'local' });
  });

  it('runs grant -> PUT -> verify -> download through the router endpoints', async () => {
    const body = Buffer.from('hello, storage');
    const granted = await post(`${base}/api/uploads`, { name: '../me.txt', type: 'text/plain', size: body.length });
    expect(granted.status).to.equal(201);
    const grant = granted.json['grant'];
    expect(grant['key']).to.match(/^uploads\/[0-9a-f]{32}\/me\.txt$/);
    const put = await fetch(grant['url'], { method: 'PUT', headers: { 'content-type': 'text/plain' }, body });
    expect(put.status).to.equal(201);
    const verified = await post(`${base}/api/uploads/verify`, { token: grant['token'] });
    expect(verified.status).to.equal(200);
    expect(verified.json['object']).to.deep.include({ size: body.length, contentType: 'text/plain' });
    const download = await post(`${base}/api/uploads/download`, { key: grant['key'] });
    expect(await (await fetch(download.json['url'])).text()).to.equal('hello, storage');
  });

  it('answers bad input with 400 naming the field', async () => {
    for (const [body, field] of [
      [{ name: 'a.txt', type: 'text/plain', size: -1 }, 'size'],
      [{ name: 'a.txt', type: 'nope', size: 1 }, 'type'],
      [{ type: 'text/plain', size: 1 }, 'name'],
      [{ name: 'a.txt', type: 'text/plain', size: 1, sha256: 'xx' }, 'checksum.sha256'],
      [{ name: 'a.txt', type: 'text/plain', maxSize: 1 }, 'size'],
    ] as const) {
      const answer = await post(`${base}/api/uploads`, body);
      expect(answer.status, JSON.stringify(body)).to.equal(400);
      expect(answer.json['error'], JSON.stringify(body)).to.include({ code: 'invalid-request', field });
    }
    expect((await post(`${base}/api/uploads/verify`, { token: 'forged' })).json['error']).to.include({ field: 'token' });
    expect((await post(`${base}/api/uploads/download`, { key: 'elsewhere/x' })).status).to.equal(403);
  });

  it('refuses a request a page on another origin sends (403), granting nothing', async () => {
    const response = await fetch(`${base}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: JSON.stringify({ name: 'a.txt', type: 'text/plain', size: 1 }) });
    expect(response.status).to.equal(403);
    expect(response.headers.get('access-control-allow-origin')).to.equal(null);
    expect(((await response.json()) as { error: { code: string } }).error.code).to.equal('forbidden');
    expect((await post(`${base}/api/grants`, { filename: 'a.txt', contentType: 'text/plain', size: 1 })).status, 'the old endpoint is gone').to.equal(404);
  });

  it('answers 422 and deletes an object that breaks its grant', async () => {
    const grant = (await post(`${base}/api/uploads`, { name: 'x.bin', type: 'application/octet-stream', size: 4 })).json['grant'];
    // Bypass the receiver: put wrong bytes on disk directly, as a broken writer would, where the
    // grant's URL points (its staging key: the content check stages every grant by default).
    const target = grant['staged'] ? decodeURIComponent(new URL(String(grant['url'])).pathname.replace(/^.*?\/local\//, '')) : String(grant['key']);
    const file = path.join(root, 'local', ...target.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'too long');
    const answer = await post(`${base}/api/uploads/verify`, { token: grant['token'] });
    expect(answer.status).to.equal(422);
    expect(answer.json['error']['code']).to.equal('upload-rejected');
    expect(answer.json['error']['violations'].map((v: { constraint: string }) => v.constraint)).to.include('size');
    expect(await readFile(file).catch(() => 'deleted')).to.equal('deleted');
  });

  it('prints a grant with `upgrant grant` that the running receiver accepts, and verifies it', async () => {
    const made = cli(['grant', '--filename', 'cli.txt', '--type', 'text/plain', '--size', '3'], env);
    expect(made.code, made.stderr).to.equal(0);
    const grant = JSON.parse(made.stdout) as { url: string; token: string };
    expect((await fetch(grant.url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'abc' })).status).to.equal(201);
    const verified = cli(['verify', grant.token], env);
    expect(verified.code, verified.stderr).to.equal(0);
    expect(JSON.parse(verified.stdout)).to.deep.include({ size: 3, contentType: 'text/plain' });
  });

  it('reports bad input and bad variables in one line, without a stack trace', () => {
    const badSize = cli(['grant', 'a.txt', '--type', 'text/plain', '--size', '-5'], env);
    expect(badSize.code).to.equal(2);
    const badEnv = cli(['grant', 'a.txt', '--type', 'text/plain', '--size', '5'], { ...env, UPGRANT_PROVIDER: 'dropbox' });
    expect(badEnv.code).to.equal(2);
    expect(badEnv.stderr.trim()).to.match(/^upgrant grant: UPGRANT_PROVIDER: "dropbox" is not a provider/);
    const badType = cli(['grant', 'a.txt', '--type', 'text', '--size', '5'], env);
    expect(badType.stderr.trim()).to.equal('upgrant grant: --type: "text" is not a valid type/subtype media type');
    for (const r of [badSize, badEnv, badType]) expect(r.stderr).to.not.match(/\n\s+at /);
  });
});
