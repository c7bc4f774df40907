// What every `upgrant` command is made of: its flags (each with the variable it maps to and the
// request field it fills), its help text, and a run function. The parsing, the help and the
// mapping of errors back to the flag the user typed live here once, so a command module only
// declares its flags and does its job (see main.ts for how commands are registered).
import { parseArgs } from 'node:util';
import type { Env } from '../config.js';
import { InvalidRequestError } from '../errors.js';

export interface Flag {
  /** Without the dashes: `max-size`. */
  readonly name: string;
  /** Placeholder of the value in the help (`BYTES`); absent for an on/off flag. */
  readonly value?: string;
  readonly multiple?: boolean;
  /** The environment variable the flag stands for (the flag wins). */
  readonly env?: string;
  /** Request fields the flag fills: an InvalidRequestError on one of them is reported as this flag. */
  readonly fields?: readonly string[];
  readonly help: string;
}

export interface Positional {
  /** As shown in the usage: `key`, `token`. */
  readonly name: string;
  readonly fields?: readonly string[];
  readonly help: string;
  readonly optional?: boolean;
}

export type FlagValues = Readonly<Record<string, string | readonly string[] | true | undefined>>;

export interface CommandInput {
  readonly values: FlagValues;
  readonly positionals: readonly string[];
}

/** What a command may touch of the outside world: tests pass their own. */
export interface CliIo {
  readonly env: Env;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Long-running commands (serve) stop when this aborts; default SIGINT / SIGTERM. */
  readonly signal?: AbortSignal;
  /** Called once a long-running command is ready (tests read the URL from it). */
  ready?(info: { url: string }): void;
}

export interface Command {
  readonly name: string;
  /** One line for `upgrant --help`. */
  readonly summary: string;
  /** The synopsis after `upgrant NAME`. */
  readonly usage: string;
  readonly positionals?: readonly Positional[];
  readonly flags: readonly Flag[];
  /** A closing paragraph for `upgrant NAME --help`. */
  readonly notes?: string;
  run(input: CommandInput, io: CliIo): Promise<number>;
}

/**
 * An expected failure, already phrased for the user: printed as one line `upgrant NAME: message`,
 * exit code 2 (usage, configuration) unless told otherwise.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function helpText(command: Command): string {
  const lines = [`usage: upgrant ${command.name} ${command.usage}`, '', command.summary];
  const rows: [string, string][] = [];
  for (const p of command.positionals ?? []) rows.push([`<${p.name}>`, p.help]);
  for (const f of command.flags) {
    const left = `--${f.name}${f.value ? ` ${f.value}` : ''}`;
    rows.push([left, `${f.help}${f.multiple ? ' (repeatable)' : ''}${f.env ? ` [env ${f.env}]` : ''}`]);
  }
  rows.push(['-h, --help', 'print this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  lines.push('', ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`));
  if (command.notes) lines.push('', command.notes);
  return lines.join('\n');
}

/** Whether the arguments ask for help (before any `--`). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/**
 * Parse with node:util's parseArgs in its lenient mode and check the tokens here, so every mistake
 * gets a sentence naming the flag (Node's strict messages are multi-line and call a negative number
 * an "ambiguous argument"). A value-taking flag takes the next argument whatever it starts with, so
 * `--size -5` reaches the command, which says why -5 is not a size.
 */
export function parseCommandArgs(command: Command, args: readonly string[]): CommandInput {
  const byName = new Map(command.flags.map((f) => [f.name, f]));
  const options = Object.fromEntries(command.flags.map((f) => [f.name, { type: f.value ? ('string' as const) : ('boolean' as const), multiple: f.multiple ?? false }]));
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | string[] | true> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const flag = byName.get(token.name);
    if (!flag || token.rawName.length === 2) throw new CliError(`unknown flag ${token.rawName} (upgrant ${command.name} --help lists them)`);
    if (!flag.value) {
      if (token.value !== undefined) throw new CliError(`--${flag.name} takes no value`);
      values[flag.name] = true;
      continue;
    }
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.startsWith('--') && byName.has(value.slice(2).split('=')[0]!))) {
      throw new CliError(`--${flag.name} needs a value (--${flag.name} ${flag.value})`);
    }
    if (flag.multiple) values[flag.name] = [...((values[flag.name] as string[] | undefined) ?? []), value];
    else if (values[flag.name] !== undefined) throw new CliError(`--${flag.name} is given twice`);
    else values[flag.name] = value;
  }
  const declared = command.positionals ?? [];
  if (positionals.length > declared.length) {
    const extra = positionals[declared.length]!;
    throw new CliError(declared.length === 0 ? `takes no arguments, got "${extra}"` : `unexpected argument "${extra}" (give one ${declared.map((p) => `<${p.name}>`).join(' ')})`);
  }
  return { values, positionals };
}

/** A flag's value as a whole number of bytes or seconds; the error names the flag. */
export function wholeNumber(values: FlagValues, name: string, what = 'a whole number'): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) {
    const negative = typeof raw === 'string' && /^-\d/.test(raw);
    throw new CliError(`--${name}: "${String(raw)}" is not ${what}${negative ? ' (it cannot be negative)' : ''}`);
  }
  return Number(raw);
}

export function stringValue(values: FlagValues, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}

/**
 * An InvalidRequestError names the API field (`maxSize`); the user typed a flag (`--max-size`).
 * Returns the message with the flag or positional in the field's place, or undefined when no flag
 * fills that field.
 */
export function messageForField(command: Command, error: InvalidRequestError): string | undefined {
  const reason = error.message.startsWith(`${error.field}: `) ? error.message.slice(error.field.length + 2) : error.message;
  // An exact field first (checksum.md5 -> --md5), else its parent (checksum.sha256 under checksum).
  const exact = (fields: readonly string[] | undefined) => fields?.includes(error.field) ?? false;
  const parent = (fields: readonly string[] | undefined) => fields?.some((f) => error.field.startsWith(`${f}.`)) ?? false;
  let flag: Flag | undefined;
  let positional: Positional | undefined;
  for (const matches of [exact, parent]) {
    flag ??= command.flags.find((f) => matches(f.fields));
    positional ??= flag ? undefined : command.positionals?.find((p) => matches(p.fields));
  }
  if (!flag && !positional) return undefined;
  // The reason may name other fields too ("minSize goes with maxSize"): say those as flags as well.
  let text = reason;
  for (const f of command.flags) {
    for (const field of f.fields ?? []) if (/[A-Z]/.test(field)) text = text.replace(new RegExp(`\\b${field}\\b`, 'g'), `--${f.name}`);
  }
  return `${flag ? `--${flag.name}` : `<${positional!.name}>`}: ${text}`;
}
