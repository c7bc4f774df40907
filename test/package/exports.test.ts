// The package as a user installs it: the built entry points resolve through the exports map,
// carry types, and the portable layer never pulls a cloud SDK in.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}
/**
 * A plain Node process (no tsx), as a consumer of the package would run one; each runs once, all
 * of them at once (started by before()), each awaited by its test.
 */
const processes = new Map<string, Promise<Ran>>();
function node(args: readonly string[], cwd = ROOT): Promise<Ran> {
  const key = JSON.stringify([args, cwd]);
  let ran = processes.get(key);
  if (!ran) {
    ran = promisify(execFile)(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 16 << 20 }).then(
      ({ stdout, stderr }) => ({ status: 0, stdout, stderr }),
      (error: Error & { code?: number; stdout?: string; stderr?: string }) => ({ status: typeof error.code === 'number' ? error.code : 1, stdout: error.stdout ?? '', stderr: error.stderr || error.message }),
    );
    processes.set(key, ran);
  }
  return ran;
}
const importScript = (specifier: string) => `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()));`;

/** Import `specifier` in a plain Node process (no tsx), as a consumer of the package would. */
async function importNames(specifier: string): Promise<string[]> {
  const result = await node(['--input-type=module', '-e', importScript(specifier)]);
  expect(result.status, result.stderr).to.equal(0);
  return JSON.parse(result.stdout) as string[];
}

// A resolve hook reports every module URL; the S3 run proves the detector sees SDK loads.
const HOOK = `data:text/javascript,export async function resolve(s, c, next) { const r = await next(s, c); if (/@aws-sdk|@google-cloud|@azure/.test(r.url)) console.error('SDK ' + r.url); return r; }`;
const sdkScript = (config: string) => `
      const { register } = await import('node:module');
      register(${JSON.stringify(HOOK)});
      const { createPresigner } = await import('upgrant');
      const p = await createPresigner(${config});
      await p.createUploadGrant({ key: 'a', contentType: 'a/b', size: 1 });`;
async function sdkLoads(config: string): Promise<string[]> {
  const result = await node(['--input-type=module', '-e', sdkScript(config)]);
  expect(result.status, result.stderr).to.equal(0);
  return result.stderr.split('\n').filter((line) => line.startsWith('SDK '));
}
// The local presigner makes its bucket directory: in a temp dir of this file's (made by before()), removed after.
let localRoot = '';
let LOCAL = '';
const S3 = `{ provider: 's3', bucket: 'b-1', region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' }, secret: 's'.repeat(32) }`;
const AZURE = `{ provider: 'azure', bucket: 'uploads', accountName: 'acct', accountKey: '${Buffer.from('k'.repeat(32)).toString('base64')}', endpoint: 'http://127.0.0.1:1/acct', secret: 's'.repeat(32) }`;

describe('the built package', () => {
  before(async () => {
    localRoot = await mkdtemp(path.join(os.tmpdir(), 'upgrant-exports-'));
    LOCAL = `{ provider: 'local', root: ${JSON.stringify(localRoot)}, baseUrl: 'http://127.0.0.1:1', secret: 's'.repeat(32) }`;
    for (const specifier of ['upgrant', 'upgrant/local', 'upgrant/client']) void node(['--input-type=module', '-e', importScript(specifier)]);
    for (const config of [LOCAL, S3, AZURE]) void node(['--input-type=module', '-e', sdkScript(config)]);
  });
  after(async () => {
    await Promise.all(processes.values());
    processes.clear();
    if (localRoot) await rm(localRoot, { recursive: true, force: true });
  });

  it("exports the portable API from 'upgrant'", async () => {
    expect(await importNames('upgrant')).to.include.members([
      'createPresigner', 'presignerFromEnv', 'loadConfig', 'PRESIGNER', 'presignerModule', 'keyFor',
      'InvalidRequestError', 'ConfigError', 'UnsupportedConstraintError', 'UploadRejectedError', 'GrantExpiredError', 'ProviderError',
      'checkContent', 'CONTENT_CHECK_WINDOW', 'isActiveContentType',
    ]);
  });

  it('loads every entry with require() from a CommonJS file, the same module instance as import', async () => {
    const dir = await mkdtemp(path.join(ROOT, '.upgrant-cjs-'));
    try {
      const entries = ['upgrant', 'upgrant/local', 'upgrant/s3', 'upgrant/gcs', 'upgrant/azure', 'upgrant/client'];
      const script = `
        const entries = ${JSON.stringify(entries)};
        const counts = entries.map((e) => Object.keys(require(e)).length);
        import('upgrant').then((esm) => console.log(JSON.stringify({ counts, same: esm.ConfigError === require('upgrant').ConfigError })));`;
      await writeFile(path.join(dir, 'consumer.cjs'), script);
      const result = await node([path.join(dir, 'consumer.cjs')], dir);
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stderr, 'no require(esm) warning').to.equal('');
      const { counts, same } = JSON.parse(result.stdout) as { counts: number[]; same: boolean };
      expect(counts.every((n) => n > 0), String(counts)).to.equal(true);
      expect(same, 'require and import share one instance (no dual-package hazard)').to.equal(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("exports listenLocal and localRequestHandler from 'upgrant/local'", async () => {
    expect(await importNames('upgrant/local')).to.include.members(['listenLocal', 'localRequestHandler', 'createDriver', 'DRIVER_NAME', 'localDriver']);
  });

  it("exports the browser client from 'upgrant/client', and its built files import no Node built-in", async () => {
    expect(await importNames('upgrant/client')).to.include.members(['uploadWithGrant', 'UploadError', 'sha256Base64', 'md5Base64', 'mapProviderError', 'checkFileContent', 'isActiveContentType']);
    const dir = path.join(ROOT, 'dist/src/client');
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.js'))) {
      const text = await readFile(path.join(dir, file), 'utf8');
      const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
      expect(imports.filter((s) => !s!.startsWith('./') && s !== 'hash-wasm'), file).to.deep.equal([]);
    }
  });

  it('ships type declarations for every entry in the exports map', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types?: string; default?: string } | string> };
    for (const [entry, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      expect(Object.keys(target), `${entry}: types first, then one default for import and require alike`).to.deep.equal(['types', 'default']);
      expect(existsSync(path.join(ROOT, target.default!)), `${entry} -> ${target.default}`).to.equal(true);
      expect(existsSync(path.join(ROOT, target.types!)), `${entry} -> ${target.types}`).to.equal(true);
    }
  });

  it('keeps cloud SDKs out of src/ (drivers load them lazily)', async () => {
    const offenders: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.name.endsWith('.ts')) {
          const text = await readFile(full, 'utf8');
          if (/from ['"](@aws-sdk|@google-cloud|@azure|google-auth-library)/.test(text)) offenders.push(path.relative(ROOT, full));
        }
      }
    };
    await walk(path.join(ROOT, 'src'));
    expect(offenders).to.deep.equal([]);
  });

  it('loads no cloud SDK when only the local driver is used', async () => {
    expect(await sdkLoads(LOCAL)).to.deep.equal([]);
    const s3 = await sdkLoads(S3);
    expect(s3.some((line) => line.includes('@aws-sdk')), 'the detector sees the S3 SDK load').to.equal(true);
    expect(s3.some((line) => /@azure|@google-cloud/.test(line))).to.equal(false);
  });

  it('loads no Azure SDK to make Azure grants (signing is hand-written; the SDK waits for the first service call)', async () => {
    expect(await sdkLoads(AZURE)).to.deep.equal([]);
  });
});
