// The CLI and the demo server are apps of the library, not part of it: importing any of the
// package's entry points (upgrant, upgrant/local|s3|gcs|azure, upgrant/client) loads no module
// under src/cli. A resolve hook in a child process records every module Node resolves.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const HOOK = `data:text/javascript,export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith('file:')) console.error('LOADED ' + r.url); return r; }`;

const ENTRIES = ['src/index.ts', 'drivers/local/index.ts', 'drivers/s3/index.ts', 'drivers/gcs/index.ts', 'drivers/azure/index.ts', 'src/client/index.ts', 'src/router/index.ts'];
const CLI = 'src/cli/serve.ts';

/** What the child process for `entry` wrote to stderr, or its failure; one process per entry, all running at once. */
const children = new Map<string, Promise<{ stderr: string; failure?: string }>>();
function child(entry: string): Promise<{ stderr: string; failure?: string }> {
  let result = children.get(entry);
  if (!result) {
    const script = `
    const { register } = await import('node:module');
    register(${JSON.stringify(HOOK)});
    await import(${JSON.stringify(path.join(ROOT, entry))});`;
    result = promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 }).then(
      ({ stderr }) => ({ stderr }),
      (error: Error & { stderr?: string }) => ({ stderr: error.stderr ?? '', failure: `${error.message}\n${error.stderr ?? ''}` }),
    );
    children.set(entry, result);
  }
  return result;
}

/** The repository-relative paths of every file module `entry` loads (run from source under tsx). */
async function loads(entry: string): Promise<string[]> {
  const { stderr, failure } = await child(entry);
  expect(failure, failure).to.equal(undefined);
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => path.relative(ROOT, fileURLToPath(line.slice('LOADED '.length))));
}

describe('import graph: the library never loads src/cli', function () {
  this.timeout(60_000);
  before(() => {
    for (const entry of [...ENTRIES, CLI]) void child(entry);
  });
  after(async () => {
    await Promise.all(children.values());
    children.clear();
  });

  for (const entry of ENTRIES) {
    it(`${entry} loads no src/cli module`, async () => {
      const loaded = await loads(entry);
      expect(loaded, 'the hook saw the entry itself').to.include(entry);
      expect(loaded.filter((file) => file.startsWith(`src${path.sep}cli${path.sep}`))).to.deep.equal([]);
    });
  }

  it('the detector sees src/cli when the CLI itself is loaded', async () => {
    expect(await loads(CLI)).to.include(path.join('src', 'cli', 'server.ts'));
  });
});
