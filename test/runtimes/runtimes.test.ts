// Grants made on Bun, Deno and in a Cloudflare Worker (bundled by wrangler, run in workerd through
// Miniflare on 127.0.0.1, never deployed) are byte-identical to Node's, with a fixed clock, from the
// packed tarball. The runtimes and bundlers are registry packages: the checkout's own when npm ci
// installed them at the versions test/support/runtime-tools.ts pins (devDependencies), else
// installed once per run into a temp prefix (as .ci/run does for node@22). This runs once per CI run: .ci/run sets UPGRANT_SKIP_RUNTIMES=1
// for its second (Node 22) pass. Outside CI an install that fails is a skip that says why.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freshApp, installedVersion, removeTempDirs, ROOT, tempDir } from '../package/fresh-app.js';
import { TOOLS, toolModules } from '../support/runtime-tools.js';
import { runtimeApp, WORKER_COMPAT_DATE } from './runtime-app.js';

const run = promisify(execFile);
const REQUIRED = process.env.CI === 'true' || process.env.UPGRANT_REQUIRE_EMULATORS === '1';
const ALL = ['s3', 'gcsHmac', 'gcsRsa', 'local', 'azure'];
const GUARD = path.join(ROOT, 'test/runtimes/loopback-only.mjs');
const RUN_WORKER = path.join(ROOT, 'test/runtimes/run-worker.mjs');

/** The environment for third-party tools: no Cloudflare account, no telemetry, no update checks. */
function quietEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CLOUDFLARE_')));
  return {
    ...env,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    DO_NOT_TRACK: '1',
    DENO_NO_UPDATE_CHECK: '1',
    DENO_NO_PROMPT: '1',
    NO_UPDATE_NOTIFIER: '1',
    NODE_OPTIONS: `--import=${GUARD}`,
    ...extra,
  };
}

async function output(file: string, args: readonly string[], cwd: string, env = quietEnv()): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, env, maxBuffer: 16 << 20, timeout: 120_000 });
    return stdout;
  } catch (error) {
    // The runtime's own words, which the bare "Command failed" leaves out.
    const said = ['stdout', 'stderr'].map((name) => String((error as Record<string, unknown>)[name] ?? '').slice(-4000)).join('\n');
    throw Object.assign(new Error(`${(error as Error).message.split('\n')[0]}\n${said}`), { cause: error });
  }
}

/** A promise whose rejection is reported where it is awaited (a test), not as unhandled when it happens. */
function awaitedLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

describe('grants on Bun, Deno and Cloudflare Workers, byte for byte as on Node (from the tarball)', function () {
  this.timeout(300_000);
  // Each step runs once, on its first call: the before() hooks start every step at once (they are
  // installs, bundlers and runtimes in child processes, so they overlap), each test awaits the
  // results it checks (so none depends on another test having run).
  const started: Promise<unknown>[] = [];
  function once<T>(make: () => Promise<T>): () => Promise<T> {
    let promise: Promise<T> | undefined;
    return () => {
      if (!promise) started.push((promise = awaitedLater(make())));
      return promise;
    };
  }

  const tools = once(toolModules);
  const bin = async (name: string): Promise<string> => path.join(await tools(), '.bin', name);
  /** Miniflare, as wrangler depends on it (hoisted or nested under wrangler). */
  const miniflare = async (): Promise<string> => {
    const modules = await tools();
    const nested = path.join(modules, 'wrangler/node_modules/miniflare');
    return existsSync(nested) ? nested : path.join(modules, 'miniflare');
  };
  // Apps the runtimes read: removed after, with the temp dirs.
  const apps: string[] = [];

  /** The app of every provider and the grants Node makes in it. */
  const allApp = once(async () => {
    const dir = await runtimeApp(ALL);
    apps.push(dir);
    return { dir, node: await output(process.execPath, ['main.js'], dir) };
  });

  /** A wrangler bundle of `dir` (each with a config dir of its own: bundles run concurrently). */
  async function wranglerBundle(dir: string): Promise<string> {
    const config = await tempDir('upgrant-wrangler-config-');
    await output(await bin('wrangler'), ['deploy', '--dry-run', '--outdir', 'out'], dir, quietEnv({ XDG_CONFIG_HOME: config }));
    return path.join(dir, 'out', 'worker.js');
  }

  const onBun = once(async () => output(await bin('bun'), ['main.js'], (await allApp()).dir));
  const onDeno = once(async () => output(await bin('deno'), ['run', '--no-remote', '--allow-read', '--allow-env', '--allow-sys', 'main.js'], (await allApp()).dir));

  const grantModule = [
    "import { PortablePresigner, loadConfig } from 'upgrant';",
    "import { createDriver } from 'upgrant/s3';",
    // pinnedRecord of grants-script.js (this app has only the S3 SDK, no params.js).
    "const pinnedRecord = (d) => new Proxy(d, { get: (t, n) => n === 'signUpload' ? (r) => t.signUpload({ ...r, record: 'v1.runtime-test-record.0' }) : typeof t[n] === 'function' ? t[n].bind(t) : t[n] });",
    "const clock = () => new Date('2026-03-04T05:06:07Z');",
    // The configuration from variables, as a Worker's env gives them (docs/runtimes.md); staging
    // 'never' and a pinned record, as grant-script.js does (both carry the random grant id).
    "const env = { UPGRANT_PROVIDER: 's3', UPGRANT_BUCKET: 'uploads', UPGRANT_SECRET: 's'.repeat(32), UPGRANT_STAGING: 'never', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'x' };",
    'export async function s3Grant() {',
    '  const config = loadConfig(env);',
    '  const p = new PortablePresigner(pinnedRecord(await createDriver(config)), { ...config, clock });',
    "  const { token, ...grant } = await p.createUploadGrant({ key: 'a.png', contentType: 'image/png', size: 1, expiresIn: 60 });",
    "  return JSON.stringify(grant) + '\\n';",
    '}',
  ].join('\n');

  /** An app that installed only @aws-sdk/client-s3, and the grant Node makes in it. */
  const s3App = once(async () => {
    const dir = await freshApp([installedVersion('@aws-sdk/client-s3')]);
    await writeFile(path.join(dir, 's3-grant.js'), grantModule);
    await writeFile(path.join(dir, 'main.js'), "import { s3Grant } from './s3-grant.js';\nprocess.stdout.write(await s3Grant());\n");
    await writeFile(path.join(dir, 'worker.js'), "import { s3Grant } from './s3-grant.js';\nexport default { async fetch() { return new Response(await s3Grant()); } };\n");
    await writeFile(path.join(dir, 'wrangler.json'), JSON.stringify({ name: 's3-only', main: 'worker.js', compatibility_date: WORKER_COMPAT_DATE, compatibility_flags: ['nodejs_compat'] }));
    return { dir, node: await output(process.execPath, ['main.js'], dir) };
  });
  // Both apps' bundles (made concurrently) served by one workerd: one Miniflare start, not two.
  const allBundle = once(async () => wranglerBundle((await allApp()).dir));
  const s3Bundle = once(async () => wranglerBundle((await s3App()).dir));
  const inWorkerd = once(async () => {
    const bundles = await Promise.all([allBundle(), s3Bundle()]);
    const answers = JSON.parse(await output(process.execPath, [RUN_WORKER, await miniflare(), WORKER_COMPAT_DATE, ...bundles], (await allApp()).dir)) as { body: string }[];
    return answers.map(({ body }) => body);
  });
  /** The bodies the two bundled Workers answer with in workerd. */
  const inWorker = async (): Promise<string> => (await inWorkerd())[0]!;
  const s3InWorker = async (): Promise<string> => (await inWorkerd())[1]!;
  const s3Webpacked = once(async () => {
    const { dir } = await s3App();
    const build = [
      `const webpack = require(${JSON.stringify(path.join(await tools(), 'webpack'))});`,
      "webpack({ mode: 'production', optimization: { minimize: false }, target: 'node20', entry: './main.js', context: process.cwd(), output: { path: process.cwd() + '/webpack-out', filename: 'main.cjs' } }, (err, stats) => {",
      '  if (err || stats.hasErrors()) { console.error(err ?? stats.toString({ all: false, errors: true })); process.exit(1); }',
      '});',
    ].join('\n');
    await output(process.execPath, ['-e', build], dir);
    return output(process.execPath, ['webpack-out/main.cjs'], dir);
  });

  before(async function () {
    if (process.env.UPGRANT_SKIP_RUNTIMES === '1') {
      console.log('    (runtime tests skipped: UPGRANT_SKIP_RUNTIMES=1, they ran in the first pass of .ci/run)');
      this.skip();
    }
    // The apps do not need the tools: they install and run on Node while the tools install.
    void allApp();
    void s3App();
    try {
      await tools();
    } catch (error) {
      if (REQUIRED) throw error;
      console.log(`    (runtime tests skipped: could not install ${TOOLS.join(', ')}: ${(error as Error).message.split('\n')[0]})`);
      this.skip();
    }
    for (const step of [onBun, onDeno, inWorkerd, s3Webpacked]) void step();
  });

  after(async () => {
    // Nothing still runs in a directory when it goes.
    await Promise.allSettled(started);
    await Promise.all(apps.map((app) => rm(app, { recursive: true, force: true })));
    await removeTempDirs();
  });

  it('Bun and Deno make the same S3, Azure, GCS (HMAC, RSA) and local grants as Node', async () => {
    const { node } = await allApp();
    expect(Object.keys(JSON.parse(node) as object)).to.deep.equal(ALL);
    expect(await onBun(), 'bun').to.equal(node);
    expect(await onDeno(), 'deno').to.equal(node);
  });

  it('a Worker bundled by wrangler (nodejs_compat) makes the same S3, Azure, GCS (HMAC, RSA) and local grants in workerd', async () => {
    const { node } = await allApp();
    expect(Object.keys(JSON.parse(node) as object)).to.deep.equal(ALL);
    expect(await inWorker()).to.equal(node);
  });

  describe('an app that installed only @aws-sdk/client-s3', () => {
    it('has no Azure or Google SDK (the premise)', async () => {
      const { stdout } = await run('ls', ['node_modules', 'node_modules/@aws-sdk'], { cwd: (await s3App()).dir });
      expect(stdout).to.include('client-s3').and.not.match(/@azure|@google-cloud/);
    });

    it('wrangler bundles it without aliases, and the Worker signs as Node does', async () => {
      expect(await s3InWorker()).to.equal((await s3App()).node);
    });

    it('webpack bundles it without aliases, and the bundle signs as Node does', async () => {
      expect(await s3Webpacked()).to.equal((await s3App()).node);
    });
  });
});
