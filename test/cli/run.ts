// The CLI in-process: run(argv, io) with a test's own environment, capturing what it prints.
import type { CliIo } from '../../src/cli/command.js';
import { run } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { env, stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

export interface RunningServe {
  url: string;
  stdout: string[];
  stderr: string[];
  /** Stops the server; resolves to the exit code. */
  stop(): Promise<number>;
}

/** `upgrant serve` until stop(); rejects with what it printed if it exits before it is ready. */
export function startServe(args: string[], env: Record<string, string>): Promise<RunningServe> {
  const controller = new AbortController();
  const stdout: string[] = [];
  const stderr: string[] = [];
  return new Promise((resolve, reject) => {
    const io: CliIo = {
      env,
      stdout: (t) => stdout.push(t),
      stderr: (t) => stderr.push(t),
      signal: controller.signal,
      ready: ({ url }) => resolve({ url, stdout, stderr, stop: () => (controller.abort(), exit) }),
    };
    const exit = run(['serve', ...args], io);
    exit.then(
      (code) => reject(Object.assign(new Error(`serve exited with ${code}: ${stderr.join('\n')}`), { code, stderr: stderr.join('\n') })),
      reject,
    );
  });
}

/** One line, no stack frames, no object dump: what every expected failure must look like. */
export function expectOneLine(result: CliResult, expect: Chai.ExpectStatic, pattern: RegExp): void {
  expect(result.code, result.stderr).to.not.equal(0);
  expect(result.stderr.split('\n'), result.stderr).to.have.length(1);
  expect(result.stderr).to.match(pattern);
  expect(result.stderr).to.not.match(/\bat .*:\d+:\d+|\{\s*$|\[Object/);
  expect(result.stdout).to.equal('');
}
