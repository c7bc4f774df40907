// The CLI and the demo server are apps of the library, not part of it: importing any of the
// package's entry points (upgrant, upgrant/local|s3|gcs|azure, upgrant/client) loads no module
// under src/cli. A resolve hook in a child process records every module Node resolves.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const HOOK = `data:text/javascript,export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith('file:')) console.error('LOADED ' + r.url); return r; }`;

/** The repository-relative paths of every file module `entry` loads (run from source under tsx). */
function loads(entry: string): string[] {
  const script = `
    const { register } = await import('node:module');
    register(${JSON.stringify(HOOK)});
    await import(${JSON.stringify(path.join(ROOT, entry))});`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(result.status, result.stderr).to.equal(0);
  return result.stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => path.relative(ROOT, fileURLToPath(line.slice('LOADED '.length))));
}

describe('import graph: the library never loads src/cli', function () {
  this.timeout(60_000);

  for (const entry of ['src/index.ts', 'drivers/local/index.ts', 'drivers/s3/index.ts', 'drivers/gcs/index.ts', 'drivers/azure/index.ts', 'src/client/index.ts', 'src/router/index.ts']) {
    it(`${entry} loads no src/cli module`, () => {
      const loaded = loads(entry);
      expect(loaded, 'the hook saw the entry itself').to.include(entry);
      expect(loaded.filter((file) => file.startsWith(`src${path.sep}cli${path.sep}`))).to.deep.equal([]);
    });
  }

  it('the detector sees src/cli when the CLI itself is loaded', () => {
    expect(loads('src/cli/serve.ts')).to.include(path.join('src', 'cli', 'server.ts'));
  });
});
