// Finding 8 (several spellings of one signed value) and finding 9 (no Host check on the demo
// server). Every signed parameter of a local URL has one accepted spelling; a duplicate or unknown
// parameter is refused with 400; the demo server answers only the Host names it is reached by.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { startDemoServer } from '../../src/cli/server.js';
import { rawRequest } from './helpers.js';

const SECRET = 'abuse-canonical-secret-0123456789abcdef';

/** The URL with one query parameter's raw value replaced (the rest byte for byte). */
function respell(url: string, name: string, spell: (value: string) => string): string {
  const [base, query = ''] = url.split('?');
  const parts = query.split('&').map((pair) => {
    const [k, v = ''] = pair.split('=');
    return k === name ? `${k}=${spell(decodeURIComponent(v.replace(/\+/g, ' ')))}` : pair;
  });
  return `${base}?${parts.join('&')}`;
}

describe('abuse: canonical local URLs and the demo Host check (findings 8, 9)', function () {
  this.timeout(30_000);
  let root: string;
  let receiver: LocalReceiver;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-abuse-canon-'));
    receiver = await listenLocal({ root, secret: SECRET });
  });
  after(async () => {
    await receiver.close();
    await rm(root, { recursive: true, force: true });
  });

  const status = async (url: string, body = 'abc') => (await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body })).status;

  it('accepts the URL as signed, once', async () => {
    const grant = await receiver.presigner.createUploadGrant({ key: 'canon/ok.txt', contentType: 'text/plain', size: 3 });
    expect(await status(grant.url)).to.equal(201);
  });

  it('refuses every other spelling of the expiry, the sizes and the flag with 400', async () => {
    const grant = await receiver.presigner.createUploadGrant({ key: 'canon/x.txt', contentType: 'text/plain', maxSize: 3 });
    const spellings: Array<[string, (v: string) => string]> = [
      ['X-Upgrant-Expires', (v) => `%2B${v}`],
      ['X-Upgrant-Expires', (v) => `0x${Number(v).toString(16)}`],
      ['X-Upgrant-Expires', (v) => `${(Number(v) / 1e9).toString()}e9`],
      ['X-Upgrant-Expires', (v) => `+${v}+`],
      ['X-Upgrant-Expires', (v) => `${v}.0`],
      ['X-Upgrant-Expires', (v) => `0${v}`],
      ['X-Upgrant-Size', (v) => v.replace(/^0-/, '00-')],
      ['X-Upgrant-Size', (v) => v.replace(/-3$/, '-03')],
      ['X-Upgrant-Create-Only', () => '2'],
      ['X-Upgrant-Create-Only', () => 'true'],
    ];
    for (const [name, spell] of spellings) {
      const url = respell(grant.url, name, spell);
      expect(url, name).not.to.equal(grant.url);
      expect(await status(url), `${name}: ${url.split('?')[1]}`).to.equal(400);
    }
  });

  it('refuses duplicate and unknown parameters with 400, on object and part URLs', async () => {
    const grant = await receiver.presigner.createUploadGrant({ key: 'canon/dup.txt', contentType: 'text/plain', size: 3 });
    const expires = new URL(grant.url).searchParams.get('X-Upgrant-Expires')!;
    expect(await status(`${grant.url}&X-Upgrant-Expires=${expires}`)).to.equal(400);
    expect(await status(`${grant.url}&X-Upgrant-Expires=1`)).to.equal(400);
    expect(await status(`${grant.url}&cachebuster=1`)).to.equal(400);
    const mp = await receiver.presigner.createMultipartUploadGrant({ key: 'canon/mp.bin', contentType: 'text/plain', size: 3 });
    const part = mp.parts[0]!.url;
    expect(await status(`${part}&utm=1`)).to.equal(400);
    expect(await status(respell(part, 'X-Upgrant-Part', (v) => `0${v}`))).to.equal(400);
    expect(await status(respell(part, 'X-Upgrant-Part-Size', (v) => `${v}.0`))).to.equal(400);
    expect(await status(respell(part, 'X-Upgrant-Expires', (v) => `%2B${v}`))).to.equal(400);
    expect(await status(part)).to.equal(200);
    await receiver.presigner.abortMultipartUpload(mp.token);
  });

  it('the demo server answers 421 to a Host it is not reached by, and serves its own names', async () => {
    const demo = await startDemoServer({ presigner: receiver.presigner, allowedHosts: ['demo.example.test'], publicUrl: 'https://files.example.test/storage' });
    try {
      const { port } = new URL(demo.url);
      const ask = (host: string) => rawRequest(demo.url, `GET /api/info HTTP/1.1\r\nHost: ${host}\r\nConnection: close`);
      for (const host of ['evil.example', 'attacker.test:80', `evil.example:${port}`, '']) {
        const answer = await ask(host);
        expect(answer.status, host).to.equal(421);
        expect(answer.text).to.include('"misdirected"');
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, 'demo.example.test', 'files.example.test']) {
        expect((await ask(host)).status, host).to.equal(200);
      }
    } finally {
      await demo.close();
    }
  });
});
