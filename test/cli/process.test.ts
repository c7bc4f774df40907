// The built `upgrant` as a user runs it: --version, --help on every command, and a port in use
// (`npm start` twice) giving one line and a non-zero exit, not a stack trace.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { helpText, type Command } from '../../src/cli/command.js';
import { holdPort } from '../support/ports.js';
import { cli } from './run.js';

const BIN = fileURLToPath(new URL('../../bin/upgrant.js', import.meta.url));
const PKG = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function upgrant(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('upgrant (built package, real processes)', function () {
  this.timeout(30_000);

  it('--version prints the version of package.json', () => {
    for (const flag of ['--version', '-v']) {
      const result = upgrant([flag]);
      expect(result.code).to.equal(0);
      expect(result.stdout.trim()).to.equal(PKG.version);
    }
  });

  it('--help on every command exits 0 and lists each flag with the variable it maps to', async () => {
    const overview = upgrant(['--help']);
    expect(overview.code).to.equal(0);
    const names = [...overview.stdout.matchAll(/^ {2}([a-z]+) {2}/gm)].map((m) => m[1]!);
    expect(names).to.include.members(['grant', 'verify', 'serve', 'cors']);
    for (const name of names) {
      const command = (await import(`../../src/cli/${name}.js`))[name] as Command;
      const result = upgrant([name, '--help']);
      expect(result.code, `${name} --help: ${result.stderr}`).to.equal(0);
      expect(result.stdout.trim()).to.equal(helpText(command));
      // The other spellings, in-process (one process per command is enough to prove the exit code).
      for (const args of [[name, '-h'], ['help', name], [name, 'x', '--help']]) {
        const inProcess = await cli(args);
        expect(inProcess.code, args.join(' ')).to.equal(0);
        expect(inProcess.stdout).to.equal(helpText(command));
      }
      for (const flag of command.flags) {
        const line = helpText(command).split('\n').find((l) => l.trimStart().startsWith(`--${flag.name}`));
        expect(line, `--${flag.name}`).to.be.a('string');
        if (flag.env) expect(line).to.include(`[env ${flag.env}]`);
      }
    }
    expect(upgrant(['serve', '--help']).stdout).to.match(/--port N +.*\[env PORT\]/);
    // Help wins over other mistakes on the same line.
    expect((await cli(['grant', '--size', '-5', '--help'])).code).to.equal(0);
  });

  it('without a command prints the overview to stderr and exits 2', () => {
    const result = upgrant([]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^usage: upgrant <command>/);
  });

  it('reports a port in use in one line, as `npm start` run twice would meet it', async () => {
    const blocker = await holdPort();
    const { port } = blocker;
    try {
      const result = upgrant(['serve'], { PORT: String(port), UPGRANT_LOCAL_ROOT: './never-created' });
      expect(result.code).to.equal(1);
      expect(result.stderr.trim()).to.equal(`upgrant serve: port ${port} is in use on 127.0.0.1 (--port / PORT); stop what runs there, or choose another port (0: any free one)`);
      expect(result.stdout).to.equal('');
    } finally {
      await blocker.close();
    }
  });

  it('prints no AWS SDK NodeVersionSupportWarning on upgrant commands', () => {
    const result = upgrant(['grant', 'a.txt', '--type', 'text/plain', '--size', '1'], {
      UPGRANT_PROVIDER: 's3',
      UPGRANT_BUCKET: 'bucket',
      UPGRANT_SECRET: 'process-test-secret-0123456789abcdef',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      AWS_REGION: 'us-east-1',
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ provider: 's3', method: 'PUT' });
    expect(result.stderr).to.equal('');
  });
});
