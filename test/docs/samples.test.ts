// Every code sample in README.md and docs/**/*.md, extracted and checked (test/docs/samples.ts says
// how each kind of block is treated): ts/js typechecked in one program and run where they can run
// (the local driver, in a temp dir), the upgrant commands of sh blocks parsed against the real
// flags, the curl demo run against a real `upgrant serve`, the Azure quick start against Azurite,
// json parsed. A block that cannot run says why in an annotation; an unannotated one fails here.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parseCommandArgs, type Command } from '../../src/cli/command.js';
import { azuriteMissing, startAzurite } from '../support/azurite.js';
import { startServe } from '../cli/run.js';
import { asModule, extractSamples, inlineCommands, markdownFiles, ROOT, shellCommands, shellWords, upgrantInvocation, where, type Sample } from './samples.js';
import { emulatorsRequired } from '../support/required.js';

const run = promisify(execFile);
const SECRET = 'docs-samples-test-secret-0123456789abcdef';
const CODE = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
const SHELL = new Set(['sh', 'bash', 'shell', 'console']);
/** Not code: wire formats shown as text, and diagrams. */
const TEXT = new Set(['', 'text', 'mermaid']);

/** The commands, loaded the way main.ts does; a new command module is found by its file name. */
async function commands(): Promise<Map<string, Command>> {
  const found = new Map<string, Command>();
  for (const file of await readdir(path.join(ROOT, 'src/cli'))) {
    const mod = (await import(path.join(ROOT, 'src/cli', file))) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      const c = value as Partial<Command>;
      if (c && typeof c === 'object' && typeof c.name === 'string' && typeof c.run === 'function' && Array.isArray(c.flags)) found.set(c.name, c as Command);
    }
  }
  return found;
}

/** Globals the ts samples lean on (the request, the page's elements): declared for tsc, given at run time. */
const GLOBALS = `import type { Presigner, UploadedPart } from ${JSON.stringify(path.join(ROOT, 'src/index.js'))};
declare global {
  const req: { body: { filename: string; size: number; sha256?: string } };
  const presigner: Presigner;
  const filename: string;
  const contentType: string;
  const size: number;
  const sha256: string;
  const parts: UploadedPart[];
  const file: File;
  const input: HTMLInputElement;
  const bar: HTMLProgressElement;
  const progress: HTMLProgressElement;
  const controller: AbortController;
  const id: string;
  function show(message: string, code: string): void;
  function userFrom(request: Request): Promise<string | undefined>;
  function userFromSession(cookie: string | null): Promise<{ id: string; banned?: boolean } | undefined>;
  const db: { files: { insert(row: object): Promise<void> } };
  function onProgress(progress: { loaded: number; total: number; fraction: number }): void;
  function api(path: string, body: unknown): Promise<any>;
}
export {};
`;

describe('code samples in README.md and docs/', function () {
  this.timeout(60_000);
  const samples: Sample[] = markdownFiles().flatMap((file) => extractSamples(file));
  const code = samples.filter((s) => CODE.has(s.lang) && s.kind !== 'skip');
  const shell = samples.filter((s) => SHELL.has(s.lang) && s.kind !== 'skip');
  let work: string;
  let cliCommands: Map<string, Command>;

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'upgrant-samples-'));
    cliCommands = await commands();
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('treats every block: run, typechecked, parsed, or annotated with why not', () => {
    const unhandled: string[] = [];
    for (const s of samples) {
      if (s.kind === 'skip' || TEXT.has(s.lang)) continue;
      if (CODE.has(s.lang) || s.lang === 'json') continue;
      if (SHELL.has(s.lang)) {
        if (s.kind || shellCommands(s.code).some((c) => upgrantInvocation(c))) continue;
        unhandled.push(`${where(s)}: a ${s.lang} block without upgrant commands: run it (<!-- sample: demo -->) or say why not (<!-- sample: skip (why) -->)`);
        continue;
      }
      unhandled.push(`${where(s)}: a \`\`\`${s.lang} block no check knows: annotate it <!-- sample: skip (why) -->`);
    }
    expect(unhandled).to.deep.equal([]);
    const count = (p: (s: Sample) => boolean) => samples.filter(p).length;
    const summary = {
      blocks: samples.length,
      skipped: count((s) => s.kind === 'skip'),
      text: count((s) => TEXT.has(s.lang)),
      typecheckOnly: count((s) => s.kind === 'typecheck-only'),
      run: count((s) => CODE.has(s.lang) && !s.kind) + count((s) => s.kind === 'demo' || s.kind === 'azurite'),
    };
    expect(summary.run, JSON.stringify(summary)).to.be.greaterThan(3);
    console.log(`      samples: ${JSON.stringify(summary)}; skipped: ${samples.filter((s) => s.kind === 'skip').map((s) => `${where(s)} (${s.reason})`).join('; ')}`);
  });

  it('typechecks every ts/js sample in one program', async () => {
    const dir = path.join(work, 'typecheck');
    await mkdir(dir, { recursive: true });
    const write = async (name: string, text: string) => {
      await writeFile(path.join(dir, name), text);
      return name;
    };
    await write('package.json', '{ "type": "module" }');
    const files = [await write('globals.d.ts', GLOBALS)];
    const bySample = new Map<string, Sample>();
    for (const [i, s] of code.entries()) {
      const file = await write(`sample-${i}.${s.lang.startsWith('j') ? 'js' : 'ts'}`, asModule(s.code));
      bySample.set(file, s);
      files.push(file);
    }
    // The project's compiler options, on TypeScript 7's native tsc (the project's typecheck).
    // Samples are prose-sized: not strict (a page's `querySelector(...).files[0]`), but every name, call and type checked.
    const { compilerOptions } = JSON.parse(await readFile(path.join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    const { rootDir: _rootDir, outDir: _outDir, ...project } = compilerOptions;
    const options = { ...project, strict: false, noUncheckedIndexedAccess: false, noEmit: true, allowJs: true, checkJs: true, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules/@types')] };
    await write('tsconfig.json', JSON.stringify({ compilerOptions: options, files }));
    const out = await run(process.execPath, [path.join(ROOT, 'node_modules/typescript7/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout || String(error),
    );
    // tsc's lines: `file(line,col): error TS…: message`, continued by indented lines; a diagnostic
    // without a file (the options) counts, one in a file outside the samples (the sources) does not.
    const problems: string[] = [];
    let counted = false; // whether the diagnostic being read is one of the problems
    for (const line of out.split('\n')) {
      if (/^\s/.test(line)) {
        if (counted) problems[problems.length - 1] += ` ${line.trim()}`;
        continue;
      }
      const located = /^(.+?)\((\d+),\d+\): (.*)$/.exec(line);
      const sample = located ? bySample.get(path.relative(dir, path.resolve(dir, located[1]!))) : undefined;
      counted = line.trim() !== '' && (!located || sample !== undefined);
      if (counted) problems.push(sample ? `${sample.file}:${sample.line + Number(located![2])}: ${located![3]}` : line);
    }
    expect(problems).to.deep.equal([]);
    expect(bySample.size).to.equal(code.length);
  });

  it('runs the ts/js samples that can run, with the local driver in a temp dir', async () => {
    const runnable = code.filter((s) => !s.kind);
    const dir = path.join(work, 'run');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }');
    const files: string[] = [];
    for (const [i, s] of runnable.entries()) {
      const file = path.join(dir, `sample-${i}.${s.lang.startsWith('j') ? 'js' : 'ts'}`);
      await writeFile(file, asModule(s.code));
      files.push(file);
    }
    // One child process for all of them: its own environment and cwd, whatever the samples leave open.
    await writeFile(
      path.join(dir, 'runner.ts'),
      `Object.assign(globalThis, { req: { body: { filename: 'photo.png', size: 48213 } } });
const results: { file: string; error?: string }[] = [];
for (const file of ${JSON.stringify(files)}) {
  try { await import(file); results.push({ file }); } catch (error) { results.push({ file, error: String((error as Error)?.stack ?? error) }); }
}
console.log('RESULTS ' + JSON.stringify(results));
process.exit(0);
`,
    );
    const tsx = pathToFileURL(createRequire(path.join(ROOT, 'package.json')).resolve('tsx/esm')).href;
    const { stdout } = await run(process.execPath, ['--import', tsx, path.join(dir, 'runner.ts')], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', UPGRANT_SECRET: SECRET, UPGRANT_LOCAL_ROOT: path.join(dir, 'uploads'), UPGRANT_PUBLIC_URL: 'http://127.0.0.1:8787/storage' },
    });
    const results = JSON.parse(stdout.split('\n').find((l) => l.startsWith('RESULTS '))!.slice(8)) as { file: string; error?: string }[];
    const failures = results.filter((r) => r.error).map((r) => `${where(runnable[files.indexOf(r.file)]!)}: ${r.error!.split('\n')[0]}`);
    expect(failures).to.deep.equal([]);
    expect(results).to.have.length(runnable.length);
  });

  it('parses the upgrant commands of the sh samples with the real flags', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const s of shell.filter((x) => !x.kind)) {
      for (const line of shellCommands(s.code)) {
        const call = upgrantInvocation(line);
        if (!call) continue;
        const [name, ...args] = call.args;
        const command = cliCommands.get(name ?? '');
        if (!command) {
          problems.push(`${where(s)}: "upgrant ${name}" is not a command`);
          continue;
        }
        try {
          parseCommandArgs(command, args);
          checked++;
        } catch (error) {
          problems.push(`${where(s)}: upgrant ${call.args.join(' ')}: ${(error as Error).message}`);
        }
      }
    }
    expect(problems).to.deep.equal([]);
    expect(checked).to.be.greaterThan(0);
  });

  it('parses the inline `upgrant ...` commands of the prose with the real flags', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const file of markdownFiles()) {
      for (const { line, text } of inlineCommands(file)) {
        const [name, ...args] = upgrantInvocation(text)?.args ?? [];
        const command = cliCommands.get(name ?? '');
        if (!command) continue; // `upgrant <command> --help`, an error line quoted, ...
        if (/[[<|(]/.test(text)) {
          // A synopsis in the prose (`upgrant lifecycle [--days N]`): its flags must exist.
          for (const m of text.matchAll(/--([a-z][a-z0-9-]*)/g)) {
            if (m[1] !== 'help' && !command.flags.some((f) => f.name === m[1])) problems.push(`${file}:${line}: \`${text}\`: upgrant ${name} has no --${m[1]}`);
          }
          checked++;
          continue;
        }
        try {
          parseCommandArgs(command, args);
          checked++;
        } catch (error) {
          problems.push(`${file}:${line}: \`${text}\`: ${(error as Error).message}`);
        }
      }
    }
    expect(problems).to.deep.equal([]);
    expect(checked).to.be.greaterThan(0);
  });

  it('lists in the synopsis blocks only flags that exist, and every flag of every command', () => {
    const synopses = shell.filter((s) => s.kind === 'synopsis');
    expect(synopses.length).to.be.greaterThan(0);
    const problems: string[] = [];
    const listed = new Map<string, Set<string>>();
    for (const s of synopses) {
      let current: string | undefined;
      for (const raw of s.code.split('\n')) {
        const line = raw.replace(/(^|\s)#.*$/, '');
        const words = shellWords(line);
        if (words[0] === 'upgrant') current = words[1] && cliCommands.has(words[1]) ? words[1] : undefined;
        if (!current) continue;
        for (const match of line.matchAll(/--([a-z][a-z0-9-]*)/g)) {
          if (match[1] === 'help') continue;
          if (!cliCommands.get(current)!.flags.some((f) => f.name === match[1])) problems.push(`${where(s)}: upgrant ${current} has no --${match[1]}`);
          listed.set(current, (listed.get(current) ?? new Set()).add(match[1]!));
        }
        listed.set(current, listed.get(current) ?? new Set());
      }
    }
    for (const [name, command] of cliCommands) {
      if (!listed.has(name)) continue; // a command its own page documents
      for (const flag of command.flags) if (!listed.get(name)!.has(flag.name)) problems.push(`the synopsis of upgrant ${name} omits --${flag.name}`);
    }
    for (const name of ['grant', 'verify', 'serve', 'cors']) if (!listed.has(name)) problems.push(`no synopsis lists upgrant ${name}`);
    expect(problems).to.deep.equal([]);
  });

  it('parses every json sample', () => {
    const bad: string[] = [];
    for (const s of samples.filter((x) => x.lang === 'json' && x.kind !== 'skip')) {
      try {
        JSON.parse(s.code);
      } catch (error) {
        bad.push(`${where(s)}: ${(error as Error).message}`);
      }
    }
    expect(bad).to.deep.equal([]);
  });

  it('runs the demo blocks with bash against a real upgrant serve', async () => {
    const demos = shell.filter((s) => s.kind === 'demo');
    expect(demos.length).to.be.greaterThan(0);
    for (const s of demos) {
      const dir = await mkdtemp(path.join(work, 'demo-'));
      const root = path.join(dir, 'uploads');
      const serve = await startServe(['--port', '0'], { UPGRANT_SECRET: SECRET, UPGRANT_LOCAL_ROOT: root });
      try {
        const address = new URL(serve.url).host;
        const script = `set -euo pipefail\n${s.code.replace(/localhost:8787|127\.0\.0\.1:8787/g, address)}\n`;
        const { stdout } = await run('bash', ['-c', script], { cwd: dir, env: { PATH: process.env['PATH'] ?? '' } });
        // The README's comments: 201 at the staging key, 201 again there only, then a verified object at the key.
        expect(stdout.match(/"key":"\.upgrant-staging\//g), where(s)).to.have.length(2);
        expect(stdout, where(s)).to.match(/"object":\{[^}]*"key":"uploads\//);
      } finally {
        await serve.stop();
      }
    }
  });

  it('runs the Azure quick start against Azurite', async function () {
    const quickStarts = shell.filter((s) => s.kind === 'azurite');
    expect(quickStarts.length).to.be.greaterThan(0);
    const missing = await azuriteMissing();
    if (missing) {
      if (emulatorsRequired()) throw new Error(missing);
      this.skip();
    }
    const azurite = await startAzurite();
    try {
      const { BlobServiceClient } = await import('@azure/storage-blob');
      for (const s of quickStarts) {
        const lines = shellCommands(s.code);
        const start = lines.find((l) => /\bazurite(-blob)?\b/.test(l));
        expect(start, `${where(s)}: the block starts Azurite`).to.be.a('string');
        expect(shellWords(start!), `${where(s)}: Azurite without telemetry`).to.include('--disableTelemetry');
        // Everything else runs in bash as written, with upgrant standing in to capture how it was called.
        const dir = await mkdtemp(path.join(work, 'azure-'));
        const rest = s.code
          .split('\n')
          .filter((l) => !/\bazurite(-blob)?\b/.test(l))
          .join('\n');
        const script = `set -euo pipefail
upgrant() { { printf '%s\\0' "$@"; printf '\\n'; env | grep -E '^(UPGRANT|AZURE|AWS|GOOGLE)_' ; } > "$PWD/call.txt"; }
npx() { if [ "$1" = upgrant ]; then shift; upgrant "$@"; else echo "npx $1: not in this test" >&2; return 1; fi; }
${rest}
`;
        await run('bash', ['-c', script], { cwd: dir, env: { PATH: process.env['PATH'] ?? '' } });
        const [argLine = '', ...envLines] = (await readFile(path.join(dir, 'call.txt'), 'utf8')).split('\n');
        const args = argLine.split('\0').filter(Boolean);
        const env = Object.fromEntries(envLines.filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
        expect(args[0], where(s)).to.equal('serve');
        // The substitutions: Azurite runs on a free port here, not on the quick start's 10000 ...
        expect(env['AZURE_STORAGE_CONNECTION_STRING']).to.equal('UseDevelopmentStorage=true');
        env['AZURE_STORAGE_CONNECTION_STRING'] = azurite.connectionString;
        // And the container: Azurite is shared by the run's test files, each with names of its own.
        expect(env['UPGRANT_BUCKET']).to.equal('uploads');
        env['UPGRANT_BUCKET'] = 'docs-quick-start';
        await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(env['UPGRANT_BUCKET']).createIfNotExists();
        const serve = await startServe([...args.slice(1), '--port', '0'], env);
        try {
          expect(serve.stdout[0]).to.match(/provider azure, bucket docs-quick-start/);
          const post = (route: string, body: unknown) =>
            fetch(`${serve.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          const { grant } = (await (await post('/api/uploads', { name: 'hello.txt', type: 'text/plain', size: 5 })).json()) as { grant: { url: string; headers: Record<string, string>; token: string } };
          expect(new URL(grant.url).host).to.equal(new URL(azurite.endpoint).host);
          const headers = Object.fromEntries(Object.entries(grant.headers).filter(([k]) => k !== 'content-length'));
          expect((await fetch(grant.url, { method: 'PUT', headers, body: 'hello' })).status).to.equal(201);
          const verified = await post('/api/uploads/verify', { token: grant.token });
          expect(verified.status).to.equal(200);
        } finally {
          await serve.stop();
        }
      }
    } finally {
      await azurite.stop();
    }
  });
});
