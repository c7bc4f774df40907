// The `upgrant` command. Configuration comes from the environment (DESIGN section 4); an expected
// failure prints one line, `upgrant NAME: what to fix`, naming the flag or variable, never a stack.
//
// Adding a command: write src/cli/NAME.ts with `export const NAME: Command = { ... }` (see
// command.ts: its summary and usage, its flags, each with the variable it maps to and the request
// fields it fills, and its run function; grant.ts is a small example), then add ONE line to
// COMMANDS below:   NAME: async () => (await import('./NAME.js')).NAME,
// Parsing, --help, and mapping errors back to the flag the user typed happen here for every
// command. A command prints through `io` (never console) and reads `io.env` (never process.env),
// so tests run it in-process with their own environment (test/cli/run.ts); throw CliError for a
// mistake already phrased for the user, or the library's errors, which are mapped here.
import { readFileSync } from 'node:fs';
import { InvalidRequestError, UpgrantError } from '../errors.js';
import { CliError, helpText, messageForField, parseCommandArgs, wantsHelp, type CliIo, type Command } from './command.js';
import { quietSdkNotices } from './environment.js';

/** Every command, by name: one line each, loaded only when run (or listed). */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  grant: async () => (await import('./grant.js')).grant,
  verify: async () => (await import('./verify.js')).verify,
  serve: async () => (await import('./serve.js')).serve,
  cors: async () => (await import('./cors.js')).cors,
  lifecycle: async () => (await import('./lifecycle.js')).lifecycle,
  sweep: async () => (await import('./sweep.js')).sweep,
};

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout(version());
    return 0;
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? args[0] : undefined;
    if (topic !== undefined && COMMANDS[topic]) {
      io.stdout(helpText(await COMMANDS[topic]()));
      return 0;
    }
    (name === undefined ? io.stderr : io.stdout)(await overview());
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.stderr(`upgrant: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; upgrant --help)`);
    return 2;
  }
  const command = await load();
  if (wantsHelp(args)) {
    io.stdout(helpText(command));
    return 0;
  }
  try {
    return await command.run(parseCommandArgs(command, args), io);
  } catch (error) {
    const [message, code] = describe(command, error);
    io.stderr(`upgrant ${command.name}: ${oneLine(message)}`);
    return code;
  }
}

/** The user's words for an expected failure, and the exit code: 2 for usage and configuration. */
function describe(command: Command, error: unknown): [string, number] {
  if (error instanceof CliError) return [error.message, error.exitCode];
  if (error instanceof InvalidRequestError) return [messageForField(command, error) ?? error.message, 2];
  if (error instanceof UpgrantError) return [error.message, error.code === 'config' ? 2 : 1];
  // Anything else is a bug in upgrant, and its stack is what a bug report needs.
  return [`unexpected error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, 1];
}

function oneLine(message: string): string {
  return message.startsWith('unexpected error') ? message : message.replace(/\s*\n\s*/g, ' ');
}

async function overview(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: upgrant <command> [flags]      upgrant <command> --help      upgrant --version',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'The provider and its settings come from the environment: UPGRANT_PROVIDER (local, s3, gcs, azure),',
    'UPGRANT_BUCKET, UPGRANT_SECRET, ... (docs/configuration.md).',
  ].join('\n');
}

/** The version in upgrant's package.json, found from this file whether it runs from src/ or dist/. */
export function version(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'upgrant' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

/** The process entry (bin/upgrant.js). */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  quietSdkNotices(process.env);
  process.exitCode = await run(argv, {
    env: process.env,
    stdout: (text) => console.log(text),
    stderr: (text) => console.error(text),
  });
}
