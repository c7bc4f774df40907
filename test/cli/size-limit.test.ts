// The demo's --max-size policy covers every kind of grant the API hands out.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';

describe('demo server size limit', () => {
  let root: string;
  let receiver: LocalReceiver;
  let demo: DemoServer;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-limit-'));
    receiver = await listenLocal({ root, secret: 'size-limit-secret-0123456789abcdef' });
    demo = await startDemoServer({ presigner: receiver.presigner, maxUploadSize: 1000 });
  });
  after(async () => {
    await demo.close();
    await receiver.close();
    await rm(root, { recursive: true, force: true });
  });

  const ask = async (body: Record<string, unknown>) => {
    const response = await fetch(`${demo.url}/api/grants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filename: 'a.bin', contentType: 'application/octet-stream', ...body }) });
    return { status: response.status, json: (await response.json()) as { error?: { field?: string } } };
  };

  it('refuses single, range and multipart grants over the limit, naming the field', async () => {
    expect(await ask({ size: 1001 })).to.deep.include({ status: 400 });
    expect((await ask({ size: 1001 })).json.error?.field).to.equal('size');
    expect((await ask({ maxSize: 5000 })).json.error?.field).to.equal('maxSize');
    const multipart = await ask({ size: 5000, multipart: true });
    expect(multipart.status).to.equal(400);
    expect(multipart.json.error?.field).to.equal('size');
  });

  it('grants what fits', async () => {
    expect((await ask({ size: 1000 })).status).to.equal(201);
    expect((await (await fetch(`${demo.url}/api/info`)).json()) as object).to.deep.include({ maxUploadSize: 1000 });
  });
});
