// The demo's one upload route: its policy (active content refused unless allowed), its keys, and
// its authorize (no users: every request but one from a page on another origin).
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';

describe('the demo upload route (src/cli/server.ts)', () => {
  let root: string;
  let receiver: LocalReceiver;
  let strict: DemoServer;
  let open: DemoServer;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-demo-route-'));
    receiver = await listenLocal({ root, secret: 'demo-route-secret-0123456789abcdef' });
    strict = await startDemoServer({ presigner: receiver.presigner });
    open = await startDemoServer({ presigner: receiver.presigner, allowActiveContent: true });
  });
  after(async () => {
    await strict.close();
    await open.close();
    await receiver.close();
    await rm(root, { recursive: true, force: true });
  });

  const ask = async (demo: DemoServer, body: object, headers: Record<string, string> = {}) => {
    const response = await fetch(`${demo.url}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as { grant?: { key: string }; error?: { code: string; field?: string } } };
  };

  it('refuses active content unless started with allowActiveContent (--allow-active-content)', async () => {
    const page = { name: 'page.html', type: 'text/html', size: 10 };
    const refused = await ask(strict, page);
    expect(refused.status).to.equal(400);
    expect(refused.json.error).to.deep.include({ code: 'active-content-not-allowed', field: 'type' });
    const granted = await ask(open, page);
    expect(granted.status).to.equal(201);
    expect(granted.json.grant?.key).to.match(/^uploads\/[0-9a-f]{32}\/page\.html$/);
  });

  it('answers its own page (same Origin) and clients without one; refuses another origin with 403', async () => {
    const file = { name: 'a.txt', type: 'text/plain', size: 1 };
    expect((await ask(strict, file, { origin: strict.url })).status).to.equal(201);
    expect((await ask(strict, file)).status).to.equal(201);
    for (const origin of ['http://evil.example', open.url, 'null']) {
      const answer = await ask(strict, file, { origin });
      expect(answer.status, origin).to.equal(403);
      expect(answer.json.error?.code).to.equal('forbidden');
    }
  });

  it('signs downloads only for keys the demo issued', async () => {
    const download = await fetch(`${strict.url}/api/uploads/download`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'elsewhere/x.txt' }) });
    expect(download.status).to.equal(403);
  });
});
