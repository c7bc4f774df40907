// Every expected CLI failure is one line that names what to fix (the flag typed, or the variable),
// exits non-zero, and carries no stack trace or object dump.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cli, expectOneLine } from './run.js';

const SECRET = 'cli-errors-test-secret-0123456789abcdef';

describe('upgrant: one-line errors naming the flag or variable', () => {
  let root: string;
  let env: Record<string, string>;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-cli-errors-'));
    env = { UPGRANT_SECRET: SECRET, UPGRANT_LOCAL_ROOT: root };
  });
  after(() => rm(root, { recursive: true, force: true }));

  const grant = (...args: string[]) => cli(['grant', 'a.txt', '--type', 'text/plain', ...args], env);

  it('names the flag the user typed, not the API field', async () => {
    expectOneLine(await grant('--max-size', '5', '--min-size', '9'), expect, /^upgrant grant: --min-size: 9 is larger than --max-size 5$/);
    expectOneLine(await cli(['grant', 'a.txt', '--type', 'text', '--size', '5'], env), expect, /^upgrant grant: --type: "text" is not a valid/);
    expectOneLine(await grant('--size', '5', '--expires', '999999999'), expect, /^upgrant grant: --expires: /);
    expectOneLine(await grant('--size', '5', '--sha256', 'xx'), expect, /^upgrant grant: --sha256: /);
    expectOneLine(await grant('--size', '5', '--md5', 'xx'), expect, /^upgrant grant: --md5: /);
    expectOneLine(await cli(['grant', '../a', '--type', 'text/plain', '--size', '1'], env), expect, /^upgrant grant: <key>: /);
    for (const r of [await grant('--size', '5'), await grant('--max-size', '5')]) expect(r.stderr).to.not.match(/maxSize|contentType|expiresIn/);
  });

  it('says why a negative number is no size, instead of "ambiguous argument"', async () => {
    const result = await grant('--size', '-5');
    expectOneLine(result, expect, /^upgrant grant: --size: "-5" is not a size in bytes \(it cannot be negative\)$/);
    expect(result.code).to.equal(2);
    expectOneLine(await grant('--max-size', '-1'), expect, /^upgrant grant: --max-size: "-1" .*negative/);
    expectOneLine(await grant('--size', '5', '--expires', '-30'), expect, /^upgrant grant: --expires: "-30" is not whole seconds/);
  });

  it('refuses unknown flags, missing values and stray arguments by name', async () => {
    expectOneLine(await grant('--size', '5', '--colour', 'red'), expect, /^upgrant grant: unknown flag --colour \(upgrant grant --help lists them\)$/);
    expectOneLine(await cli(['grant', 'a.txt', '--size', '5', '--type'], env), expect, /^upgrant grant: --type needs a value \(--type TYPE\)$/);
    expectOneLine(await cli(['grant', 'a.txt', '--size', '--type', 'text/plain'], env), expect, /^upgrant grant: --size needs a value/);
    expectOneLine(await cli(['grant', 'a.txt', '--size', '5'], env), expect, /^upgrant grant: --type is required/);
    expectOneLine(await grant('b.txt', '--size', '5'), expect, /^upgrant grant: unexpected argument "b.txt"/);
    expectOneLine(await grant('--size', '5', '--method', 'PATCH'), expect, /^upgrant grant: --method: "PATCH" is not PUT or POST$/);
    expectOneLine(await cli(['serve', 'now'], env), expect, /^upgrant serve: takes no arguments, got "now"$/);
    expectOneLine(await cli(['verify'], env), expect, /^upgrant verify: give the grant <token>/);
    expectOneLine(await cli(['verify', 'forged'], env), expect, /^upgrant verify: <token>: /);
    expectOneLine(await cli(['cors'], env), expect, /^upgrant cors: give at least one --origin URL/);
    expectOneLine(await cli(['cors', '--origin', 'https://a.example/path'], env), expect, /^upgrant cors: --origin: "https:\/\/a.example\/path" is not an origin/);
    expectOneLine(await cli(['upload'], env), expect, /^upgrant: unknown command "upload"/);
  });

  it('names the variable for bad configuration', async () => {
    expectOneLine(await cli(['grant', 'a', '--type', 'a/b', '--size', '1'], { ...env, UPGRANT_PROVIDER: 'dropbox' }), expect, /^upgrant grant: UPGRANT_PROVIDER: "dropbox" is not a provider/);
    expectOneLine(await cli(['grant', 'a', '--type', 'a/b', '--size', '1'], { ...env, UPGRANT_SECRET: 'short' }), expect, /^upgrant grant: UPGRANT_SECRET: must be at least 32 bytes/);
    expectOneLine(await cli(['serve', '--port', '0'], { ...env, UPGRANT_PUBLIC_URL: 'ftp://x' }), expect, /^upgrant serve: UPGRANT_PUBLIC_URL: /);
  });

  it('reports a missing or wrong GOOGLE_APPLICATION_CREDENTIALS file by the variable, not keyFilename', async () => {
    const gcs = { UPGRANT_SECRET: SECRET, UPGRANT_PROVIDER: 'gcs', UPGRANT_BUCKET: 'my-bucket', STORAGE_EMULATOR_HOST: '127.0.0.1:9' };
    const missing = await cli(['grant', 'a', '--type', 'a/b', '--size', '1'], { ...gcs, GOOGLE_APPLICATION_CREDENTIALS: path.join(root, 'nope.json') });
    expectOneLine(missing, expect, /^upgrant grant: GOOGLE_APPLICATION_CREDENTIALS: cannot read the key file /);
    const notAKey = path.join(root, 'user.json');
    await writeFile(notAKey, JSON.stringify({ type: 'authorized_user' }));
    expectOneLine(await cli(['grant', 'a', '--type', 'a/b', '--size', '1'], { ...gcs, GOOGLE_APPLICATION_CREDENTIALS: notAKey }), expect, /^upgrant grant: GOOGLE_APPLICATION_CREDENTIALS: .* is not a service account key/);
    expect(missing.stderr).to.not.include('keyFilename');
  });

  it('refuses a bad --port, PORT or --host naming which one', async () => {
    expectOneLine(await cli(['serve', '--port', '70000'], env), expect, /^upgrant serve: --port: "70000" is not a port number \(0-65535\)$/);
    expectOneLine(await cli(['serve', '--port', '-1'], env), expect, /^upgrant serve: --port: "-1" is not a port number/);
    expectOneLine(await cli(['serve'], { ...env, PORT: 'eighty' }), expect, /^upgrant serve: PORT: "eighty" is not a port number/);
    expectOneLine(await cli(['serve', '--port', '0', '--host', 'not a host'], env), expect, /^upgrant serve: --host: "not a host" is not an IP address/);
    expectOneLine(await cli(['serve', '--port', '0', '--max-size', '0'], env), expect, /^upgrant serve: --max-size: must be at least 1 byte$/);
  });

  it('prints the development-secret warning only when a command runs with a generated secret', async () => {
    const noSecret = { UPGRANT_LOCAL_ROOT: root };
    const ok = await cli(['grant', 'a.txt', '--type', 'text/plain', '--size', '1'], noSecret);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stderr).to.match(/^warning: UPGRANT_SECRET is not set/);
    const failed = await cli(['grant', 'a.txt', '--type', 'text', '--size', '1'], noSecret);
    expectOneLine(failed, expect, /^upgrant grant: --type: /);
    const badVariable = await cli(['grant', 'a.txt', '--type', 'text/plain', '--size', '1'], { ...noSecret, UPGRANT_MAX_EXPIRES: 'soon' });
    expectOneLine(badVariable, expect, /^upgrant grant: UPGRANT_MAX_EXPIRES: /);
    const cors = await cli(['cors', '--origin', 'https://app.example.com'], noSecret);
    expect(cors.code).to.equal(0);
    expect(cors.stderr).to.equal('');
    expect((await cli(['grant', 'a.txt', '--type', 'text/plain', '--size', '1'], env)).stderr).to.equal('');
  });
});
