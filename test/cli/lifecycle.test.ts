// `upgrant lifecycle`, the built command as a user runs it (stores with real rules are measured in
// test/events/lifecycle.test.ts; here: local, Azure's printed policy, and bad flags).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/upgrant.js', import.meta.url));
const SECRET = 'lifecycle-cli-secret-0123456789abcdef0123';

function cli(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [BIN, 'lifecycle', ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('upgrant lifecycle (built package)', function () {
  this.timeout(30_000);
  let root: string;
  let local: Record<string, string>;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-lifecycle-cli-'));
    local = { UPGRANT_SECRET: SECRET, UPGRANT_LOCAL_ROOT: root };
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('local: says the sweep covers it, in words and as JSON', () => {
    const text = cli([], local);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/no lifecycle rules.*upgrant sweep/s);
    const json = cli(['--json', '--days', '14'], local);
    expect(json.code, json.stderr).to.equal(0);
    expect(JSON.parse(json.stdout)).to.include({ kind: 'none', provider: 'local', bucket: 'local' });
  });

  it('azure: prints the management policy for the container, contacting nothing', () => {
    const key = Buffer.alloc(64, 3).toString('base64');
    const env = {
      UPGRANT_SECRET: SECRET,
      UPGRANT_PROVIDER: 'azure',
      UPGRANT_BUCKET: 'uploads',
      AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=exampleaccount;AccountKey=${key};BlobEndpoint=http://127.0.0.1:1/exampleaccount;`,
    };
    const result = cli(['--days', '9', '--json'], env);
    expect(result.code, result.stderr).to.equal(0);
    const out = JSON.parse(result.stdout) as { kind: string; policy: { rules: { definition: unknown }[] } };
    expect(out.kind).to.equal('manual');
    expect(out.policy.rules[0]!.definition).to.deep.equal({
      actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 9 } } },
      filters: { blobTypes: ['blockBlob'], prefixMatch: ['uploads/.upgrant-staging/'] },
    });
  });

  it('refuses bad --days with a one-line error naming the flag, exit 2', () => {
    for (const days of ['abc', '-3', '3', '0']) {
      const result = cli([`--days=${days}`], local);
      expect(result.code, `${days}: ${result.stdout}`).to.equal(2);
      expect(result.stderr).to.match(/^upgrant lifecycle: --days: /);
      expect(result.stderr.trim().split('\n')).to.have.length(1);
    }
  });
});
