// The packed tarball in a fresh app with NO cloud SDK: it installs without building, its source
// maps resolve, require() and import work on this Node (.ci/run runs this on 20 and 22), and its
// types compile with strict and without skipLibCheck for ESM, CommonJS and bundler consumers, on
// the project's TypeScript (5.9) and on the current major (7, the checkout's devDependency typescript7).
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freshApp, installedVersion, removeTempDirs, ROOT, TSC_7, tsc7Version } from './fresh-app.js';

const run = promisify(execFile);
const REQUIRED = process.env.CI === 'true' || process.env.UPGRANT_REQUIRE_EMULATORS === '1';
const TYPESCRIPT_5 = path.join(ROOT, 'node_modules/typescript');
const TSC_5 = path.join(TYPESCRIPT_5, 'bin/tsc');
const TSC_PROJECTS = path.join(ROOT, 'test/package/tsc-projects.mjs');
// The checkout's own TypeScript 7 (devDependency typescript7): a consumer's compiler of that version.
const TYPESCRIPT_7 = `typescript@${tsc7Version() ?? '7 (not installed)'}`;
const SKIP_RUNTIMES = process.env.UPGRANT_SKIP_RUNTIMES === '1';

const ESM_APP = `
import { createPresigner, presignerFromEnv, ConfigError, type PresignerConfig, type UploadGrant } from 'upgrant';
import { listenLocal, type LocalReceiver } from 'upgrant/local';
import { uploadWithGrant } from 'upgrant/client';
const s3: PresignerConfig = { provider: 's3', bucket: 'b-1', secret: 'x'.repeat(32) };
export async function main(): Promise<UploadGrant> {
  const p = await createPresigner({ provider: 'local', root: '/tmp/u', baseUrl: 'http://127.0.0.1:1/storage', secret: 'x'.repeat(32) });
  const receiver: Promise<LocalReceiver> = listenLocal({ root: '/tmp/u', secret: 'x'.repeat(32) });
  void [presignerFromEnv, ConfigError, uploadWithGrant, s3, receiver];
  return p.createUploadGrant({ key: 'a', contentType: 'a/b', size: 1 });
}
`;
const BROWSER_APP = `
import type { UploadGrant } from 'upgrant';
import { uploadWithGrant, sha256Base64 } from 'upgrant/client';
export async function send(grant: UploadGrant, file: File): Promise<void> {
  await uploadWithGrant(grant, file, { onProgress: () => undefined });
  void (await sha256Base64(file));
}
`;
const STRICT = { strict: true, skipLibCheck: false, noEmit: true, target: 'es2022' };
interface Consumer {
  file: string;
  source: string;
  options: object;
}
const CONFIGS: Record<string, Consumer> = {
  'ESM (nodenext)': { file: 'esm.ts', source: ESM_APP, options: { module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023'], types: ['node'] } },
  'CommonJS (.cts, nodenext)': { file: 'cjs.cts', source: ESM_APP, options: { module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023'], types: ['node'] } },
  'bundler resolution': { file: 'bundler.ts', source: ESM_APP, options: { module: 'esnext', moduleResolution: 'bundler', lib: ['es2023'], types: ['node'] } },
  'browser (bundler, lib dom, no @types/node)': { file: 'browser.ts', source: BROWSER_APP, options: { module: 'esnext', moduleResolution: 'bundler', lib: ['es2023', 'dom', 'dom.iterable'], types: [] } },
};

/** Configs with the same compiler options: one program each (ESM and CommonJS differ only in the file's extension under nodenext). */
function programGroups(): Consumer[][] {
  const programs = new Map<string, Consumer[]>();
  for (const consumer of Object.values(CONFIGS)) {
    const key = JSON.stringify(consumer.options);
    programs.set(key, [...(programs.get(key) ?? []), consumer]);
  }
  return [...programs.values()];
}
const DEFAULT_TYPES: Consumer = { file: 'default-types.ts', source: ESM_APP, options: { ...CONFIGS['ESM (nodenext)']!.options, types: undefined } };
const onlyEntry = (entry: string): Consumer => ({ file: `only-${entry}.ts`, source: `export * from 'upgrant/${entry}';\n`, options: CONFIGS['ESM (nodenext)']!.options });
const ONLY = [['s3', /@aws-sdk\/client-s3/], ['gcs', /@google-cloud\/storage/], ['azure', /@azure\/(storage-blob|core-auth)/]] as const;
/** The consumers TypeScript 7 also compiles, each as a program of its own. */
const SINGLES: Consumer[] = [DEFAULT_TYPES, ...ONLY.map(([entry]) => onlyEntry(entry))];

/**
 * tsc's output for every config, compiled on the first call: one program per group (so the
 * libraries' declarations are checked once per set of options, not once per file), every program
 * of a compiler in ONE process (one compiler start, not one per program): TypeScript 5.9 through
 * test/package/tsc-projects.mjs, TypeScript 7 (native, no JS API) as one `tsc --build` of every
 * project. A config's output leaves out the diagnostics of the other configs' files (a
 * declaration's error stays in every config that loads it).
 */
const compiles = new Map<string, Promise<Record<string, string>>>();
function compileAll(tscPath: string, app: string): Promise<Record<string, string>> {
  let all = compiles.get(tscPath);
  if (!all) {
    const groups = programGroups();
    const outputs = tscPath === TSC_5 ? tsc5Projects(app, groups) : tsc7Build(app).then((built) => groups.map((consumers) => built[projectName(consumers)]!));
    all = outputs.then((outs) =>
      Object.fromEntries(
        groups.flatMap((consumers, i) => consumers.map((consumer) => [nameOf(consumer), withoutFiles(outs[i]!, consumers.filter((c) => c !== consumer).map((c) => c.file))] as const)),
      ),
    );
    compiles.set(tscPath, all);
  }
  return all;
}
const nameOf = (consumer: Consumer): string => Object.keys(CONFIGS).find((name) => CONFIGS[name] === consumer)!;

/** TypeScript 7's output for one consumer of its own (one of SINGLES), from the run's one build. */
const tsc7Single = async (app: string, consumer: Consumer): Promise<string> => (await tsc7Build(app))[projectName([consumer])]!;

/** TypeScript 5.9's output for each group of consumers (one program each), all in one process. */
async function tsc5Projects(app: string, groups: Consumer[][]): Promise<string[]> {
  const projects = await Promise.all(groups.map((consumers) => writeProject(app, consumers)));
  const { stdout } = await run(process.execPath, [TSC_PROJECTS, TYPESCRIPT_5, ...projects], { cwd: app, maxBuffer: 16 << 20 });
  const outputs = JSON.parse(stdout) as Record<string, string>;
  return projects.map((project) => outputs[project]!);
}

/**
 * TypeScript 7's output for every group and every single consumer, project name -> diagnostics:
 * one `tsc --build --verbose` of all the projects (independent: no references), its output split
 * at each "Building project '<name>'..." line. A project it did not build is an error, not a pass.
 */
let built: { app: string; outputs: Promise<Record<string, string>> } | undefined;
function tsc7Build(app: string): Promise<Record<string, string>> {
  if (built?.app !== app) {
    const outputs = (async () => {
      const projects = await Promise.all([...programGroups(), ...SINGLES.map((consumer) => [consumer])].map((consumers) => writeProject(app, consumers)));
      const names = projects.map((project) => path.basename(project));
      const out = await run(process.execPath, [TSC_7, '--build', '--verbose', ...names], { cwd: app, maxBuffer: 16 << 20 }).then(
        ({ stdout }) => stdout,
        (error: { stdout?: string }) => error.stdout || String(error),
      );
      const sections = new Map<string, string[]>();
      let current: string[] | undefined;
      for (const line of out.split('\n')) {
        const building = / - Building project '(.+)'\.\.\.$/.exec(line);
        if (building) sections.set(building[1]!, (current = []));
        // Its other progress lines ("<time> - Project ... is out of date ...") end a section.
        else if (/^[\d:]+( [AP]M)? - /.test(line)) current = undefined;
        else current?.push(line);
      }
      const missing = names.filter((name) => !sections.has(name));
      if (missing.length > 0) throw new Error(`tsc --build did not build ${missing.join(', ')}:\n${out}`);
      return Object.fromEntries(names.map((name) => [name, sections.get(name)!.join('\n').trim()]));
    })();
    built = { app, outputs };
  }
  return built.outputs;
}

/** tsc's output without the diagnostics (first line and its indented continuation) located in `files`. */
function withoutFiles(out: string, files: readonly string[]): string {
  let keep = true;
  const kept = out.split('\n').filter((line) => {
    if (!/^\s/.test(line)) keep = !files.some((file) => line.startsWith(`${file}(`));
    return keep;
  });
  return kept.join('\n').trim();
}

const projectName = (consumers: readonly Consumer[]): string => `tsconfig.${consumers.map((c) => c.file).join('+')}.json`;

/** The tsconfig (and its files) that compiles `consumers` (same options) in `app` as one program. */
async function writeProject(app: string, consumers: readonly Consumer[]): Promise<string> {
  const project = path.join(app, projectName(consumers));
  await Promise.all(consumers.map(({ file, source }) => writeFile(path.join(app, file), source)));
  await writeFile(project, JSON.stringify({ compilerOptions: { ...STRICT, ...consumers[0]!.options }, files: consumers.map((c) => c.file) }));
  return project;
}


describe('the packed tarball in a fresh app without any cloud SDK', function () {
  this.timeout(300_000);
  let app = '';
  const pkg = (): string => path.join(app, 'node_modules/upgrant');

  before(async () => {
    app = await freshApp([installedVersion('@types/node')]);
    if (SKIP_RUNTIMES) return;
    // Every compile starts now, concurrently (child processes); each test awaits its own result.
    void compileAll(TSC_5, app);
    if (!existsSync(TSC_7)) return;
    void compileAll(TSC_7, app);
  });
  after(async () => {
    // Every compile started is over before its files go (a skipped or failed test leaves none running).
    await Promise.allSettled([...compiles.values(), built?.outputs]);
    compiles.clear();
    built = undefined;
    await removeTempDirs();
  });

  it('installs no SDK, runs no build (no prepare or install script), and ships a LICENSE', async () => {
    expect(existsSync(path.join(app, 'node_modules/@aws-sdk')) || existsSync(path.join(app, 'node_modules/@azure')) || existsSync(path.join(app, 'node_modules/@google-cloud'))).to.equal(false);
    const manifest = JSON.parse(await readFile(path.join(pkg(), 'package.json'), 'utf8')) as { scripts: Record<string, string>; license: string };
    expect(Object.keys(manifest.scripts)).to.not.include.members(['prepare', 'preinstall', 'install', 'postinstall']);
    expect(manifest.license).to.equal('MIT');
    expect(await readFile(path.join(pkg(), 'LICENSE'), 'utf8')).to.match(/^MIT License/).and.include('upgrant contributors');
  });

  it('every source map (code and declarations) points at files in the package', async () => {
    const maps: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.name.endsWith('.map')) maps.push(full);
      }
    };
    await walk(path.join(pkg(), 'dist'));
    const missing: string[] = [];
    for (const map of maps) {
      const { sources, sourceRoot = '' } = JSON.parse(await readFile(map, 'utf8')) as { sources: string[]; sourceRoot?: string };
      for (const source of sources) {
        const file = path.resolve(path.dirname(map), sourceRoot, source);
        if (!file.startsWith(pkg()) || !existsSync(file)) missing.push(`${path.relative(pkg(), map)} -> ${source}`);
      }
    }
    expect(maps.length).to.be.greaterThan(100);
    expect(missing).to.deep.equal([]);
  });

  // The local store's root is relative: inside the app's temp dir (the test's cwd), removed with it.
  const USE = `
    const p = await createPresigner({ provider: 'local', root: 'storage', baseUrl: 'http://127.0.0.1:1/storage', secret: 'x'.repeat(32), staging: 'never' });
    const grant = await p.createUploadGrant({ key: 'a.png', contentType: 'image/png', size: 1 });
    const s3 = await createPresigner({ provider: 's3', bucket: 'b-1', secret: 'x'.repeat(32) }).catch((e) => e);
    console.log(JSON.stringify({ url: grant.url, local: typeof listenLocal, client: typeof uploadWithGrant, s3: s3 instanceof ConfigError && s3.message }));`;

  for (const [kind, file, source] of [
    ['require() from a .cjs file', 'app.cjs', `const { createPresigner, ConfigError } = require('upgrant'); const { listenLocal } = require('upgrant/local'); const { uploadWithGrant } = require('upgrant/client');\n(async () => {${USE}})();`],
    ['import from a .mjs file', 'app.mjs', `import { createPresigner, ConfigError } from 'upgrant'; import { listenLocal } from 'upgrant/local'; import { uploadWithGrant } from 'upgrant/client';\n${USE}`],
  ] as const) {
    it(`${kind} works on Node ${process.versions.node}, and an S3 presigner names only @aws-sdk/client-s3 as missing`, async () => {
      await writeFile(path.join(app, file), source);
      const { stdout, stderr } = await run(process.execPath, [file], { cwd: app });
      expect(stderr).to.equal('');
      const out = JSON.parse(stdout) as { url: string; local: string; client: string; s3: string | false };
      expect(out.url).to.match(/^http:\/\/127\.0\.0\.1:1\/storage\/local\/a\.png\?/);
      expect([out.local, out.client]).to.deep.equal(['function', 'function']);
      expect(out.s3).to.be.a('string').and.include('@aws-sdk/client-s3').and.not.match(/presign|@azure|@google/);
    });
  }

  for (const name of Object.keys(CONFIGS)) {
    it(`compiles on TypeScript 5.9, strict, no skipLibCheck: ${name}`, async function () {
      if (SKIP_RUNTIMES) this.skip(); // does not depend on Node: the first pass of .ci/run ran it
      expect((await compileAll(TSC_5, app))[name]).to.equal('');
    });
  }

  describe(`on ${TYPESCRIPT_7}`, () => {
    const tsc7 = TSC_7;
    before(function () {
      if (SKIP_RUNTIMES) {
        console.log(`    (${TYPESCRIPT_7} skipped: UPGRANT_SKIP_RUNTIMES=1, it ran in the first pass of .ci/run)`);
        this.skip();
      }
      if (!existsSync(TSC_7)) {
        if (REQUIRED) throw new Error(`TypeScript 7 is not installed at ${TSC_7} (devDependency typescript7): run npm ci`);
        console.log(`    (${TYPESCRIPT_7} skipped: not installed at ${TSC_7}, run npm ci)`);
        this.skip();
      }
    });

    for (const name of Object.keys(CONFIGS)) {
      it(`compiles, strict, no skipLibCheck: ${name}`, async () => {
        expect((await compileAll(tsc7, app))[name]).to.equal('');
      });
    }

    it("compiles with TypeScript 7's default `types` (none listed): upgrant/local brings its Node types itself", async () => {
      expect(await tsc7Single(app, DEFAULT_TYPES)).to.equal('');
    });

    for (const [entry, own] of ONLY) {
      it(`upgrant/${entry} references only its own SDK (without it installed, every error names that SDK)`, async () => {
        const errors = (await tsc7Single(app, onlyEntry(entry))).split('\n').filter((line) => line.includes('error TS'));
        expect(errors.length, 'the SDK is missing, so there are errors').to.be.greaterThan(0);
        expect(errors.filter((line) => !own.test(line))).to.deep.equal([]);
      });
    }
  });
});
