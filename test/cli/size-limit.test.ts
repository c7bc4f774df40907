// The demo's --max-size: the route refuses a bigger file at grant time (single and multipart
// alike), and the limit is the presigner's policy (PolicyOptions.maxSize) for any other caller.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { InvalidRequestError } from '../../src/errors.js';

describe('demo server size limit', () => {
  let root: string;
  let receiver: LocalReceiver;
  let demo: DemoServer;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-limit-'));
    receiver = await listenLocal({ root, secret: 'size-limit-secret-0123456789abcdef', maxSize: 1000 });
    demo = await startDemoServer({ presigner: receiver.presigner, maxUploadSize: 1000, multipartThreshold: 100 });
  });
  after(async () => {
    await demo.close();
    await receiver.close();
    await rm(root, { recursive: true, force: true });
  });

  const ask = async (body: Record<string, unknown>) => {
    const response = await fetch(`${demo.url}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a.bin', type: 'application/octet-stream', ...body }) });
    return { status: response.status, json: (await response.json()) as { grant?: { kind?: string }; error?: { code?: string; field?: string } } };
  };

  it('refuses single and multipart-sized grants over the limit at grant time, naming the field', async () => {
    for (const size of [1001, 5000]) {
      const answer = await ask({ size });
      expect(answer.status, String(size)).to.equal(413);
      expect(answer.json.error).to.deep.include({ code: 'too-large', field: 'size' });
    }
  });

  it('grants what fits (multipart above the threshold) and says the limit in /api/info', async () => {
    expect((await ask({ size: 50 })).status).to.equal(201);
    const multipart = await ask({ size: 1000 });
    expect(multipart.status).to.equal(201);
    expect(multipart.json.grant?.kind).to.equal('multipart');
    expect((await (await fetch(`${demo.url}/api/info`)).json()) as object).to.deep.include({ maxUploadSize: 1000 });
  });

  it('the presigner itself refuses above PolicyOptions.maxSize: single, range and multipart grants', async () => {
    const refused = async (call: () => Promise<unknown>) => {
      const error = await call().then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(InvalidRequestError);
      return (error as InvalidRequestError).field;
    };
    const p = receiver.presigner;
    expect(await refused(() => p.createUploadGrant({ key: 'a.bin', contentType: 'text/plain', size: 1001 }))).to.equal('size');
    expect(await refused(() => p.createUploadGrant({ key: 'a.bin', contentType: 'text/plain', maxSize: 1001 }))).to.equal('maxSize');
    expect(await refused(() => p.createMultipartUploadGrant({ key: 'a.bin', contentType: 'text/plain', size: 5000 }))).to.equal('size');
    expect((await p.createUploadGrant({ key: 'b.bin', contentType: 'text/plain', size: 1000 })).constraints.maxSize).to.equal(1000);
  });
});
