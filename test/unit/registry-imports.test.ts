// What a driver subpath loads, recorded by a Node module resolve hook (module.register) in a child
// process: `import('upgrant/s3')` (drivers/s3/index.ts) loads neither inversify nor the portable
// presigner, and createPresigner({ provider: 's3' }) loads no Azure or Google SDK.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Runs in the loader thread: every resolved URL, appended synchronously as one line.
const HOOKS = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}
`;

async function loadedBy(script: string): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'upgrant-imports-'));
  try {
    const log = path.join(dir, 'loaded.txt');
    await writeFile(log, '');
    await writeFile(path.join(dir, 'hooks.mjs'), HOOKS);
    await writeFile(
      path.join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)}, { data: { log: ${JSON.stringify(log)} } });\n`,
    );
    await writeFile(path.join(dir, 'main.mjs'), script);
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(path.join(dir, 'register.mjs')).href, path.join(dir, 'main.mjs')], { cwd: ROOT, timeout: 60_000 });
    return (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const source = (file: string) => JSON.stringify(pathToFileURL(path.join(ROOT, file)).href);

const SCRIPTS = {
  s3Subpath: `const s3 = await import(${source('drivers/s3/index.ts')});\nif (typeof s3.createDriver !== 'function') throw new Error('no createDriver');\n`,
  s3Presigner:
    `const { createPresigner } = await import(${source('src/create-presigner.ts')});\n` +
    `const p = await createPresigner({ provider: 's3', bucket: 'b-imports', secret: 's'.repeat(32), credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } });\n` +
    `await p.close();\n`,
};

/** Each script's child process, started once (both at once by before()), awaited by its test. */
const runs = new Map<keyof typeof SCRIPTS, Promise<string[]>>();
function loadedOnce(name: keyof typeof SCRIPTS): Promise<string[]> {
  let urls = runs.get(name);
  if (!urls) {
    urls = loadedBy(SCRIPTS[name]);
    urls.catch(() => undefined); // reported by the test that awaits it
    runs.set(name, urls);
  }
  return urls;
}

describe('what importing a driver loads (resolve hook)', function () {
  this.timeout(60_000);
  before(() => {
    for (const name of Object.keys(SCRIPTS) as (keyof typeof SCRIPTS)[]) void loadedOnce(name);
  });
  after(async () => {
    await Promise.allSettled(runs.values());
    runs.clear();
  });

  it("import('upgrant/s3') loads neither inversify nor the portable presigner", async () => {
    const urls = await loadedOnce('s3Subpath');
    expect(urls.some((u) => u.endsWith('/drivers/s3/index.ts')), 'the hook saw the driver').to.equal(true);
    expect(urls.filter((u) => /\/node_modules\/(?:inversify|@inversifyjs)\//.test(u))).to.deep.equal([]);
    expect(urls.filter((u) => /\/src\/(?:presigner|container|create-presigner|config)\.ts$/.test(u))).to.deep.equal([]);
    expect(urls.filter((u) => /\/drivers\/(?:gcs|azure|local)\//.test(u)), 'no other driver').to.deep.equal([]);
  });

  it("createPresigner({ provider: 's3' }) loads no Azure or Google SDK", async () => {
    const urls = await loadedOnce('s3Presigner');
    expect(urls.some((u) => u.includes('/node_modules/@aws-sdk/client-s3/')), 'the S3 SDK was loaded').to.equal(true);
    expect(urls.filter((u) => /\/node_modules\/(?:@azure|@google-cloud)\//.test(u))).to.deep.equal([]);
  });
});
