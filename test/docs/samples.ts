// The code samples of README.md and docs/**/*.md: each fenced block with its language, where it
// is, and the annotation right before its fence, `<!-- sample: KIND (why) -->`, that says how the
// samples test treats it when the default for its language cannot apply.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * How a block is checked. Without an annotation: ts/js are typechecked and run, sh/bash have their
 * upgrant commands parsed against the real flags, json is parsed.
 * - `skip (why)`: not run at all (cloud credentials, a command that takes minutes, ...);
 * - `typecheck-only (why)`: ts/js typechecked but not run (browser code, a fragment of a flow);
 * - `synopsis`: sh usage lines; every --flag must exist on its command, and every flag be listed;
 * - `demo`: sh run by bash against a real `upgrant serve` (localhost:8787 becomes its address);
 * - `azurite`: the Azure quick start, run against Azurite.
 */
export type SampleKind = 'skip' | 'typecheck-only' | 'synopsis' | 'demo' | 'azurite';
const KINDS: readonly string[] = ['skip', 'typecheck-only', 'synopsis', 'demo', 'azurite'];
const NEEDS_REASON: readonly string[] = ['skip', 'typecheck-only'];

export interface Sample {
  /** Relative to the checkout. */
  readonly file: string;
  /** Line of the opening fence, 1-based. */
  readonly line: number;
  /** The info string's first word, lower-cased ('' for a bare fence). */
  readonly lang: string;
  readonly code: string;
  readonly kind?: SampleKind;
  readonly reason?: string;
}

export function markdownFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md'));
  return ['README.md', ...docs.map((f) => path.join('docs', f))].sort();
}

/** Every fenced block of one file; a malformed annotation is an error naming its line. */
export function extractSamples(file: string, markdown = readFileSync(path.join(ROOT, file), 'utf8')): Sample[] {
  const lines = markdown.split('\n');
  const samples: Sample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(fence); i++) body.push(lines[i]!.slice(open[1]!.length));
    let before = start - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const comment = before >= 0 ? /^<!--\s*sample:\s*(.*?)\s*-->$/.exec(lines[before]!.trim()) : null;
    let kind: SampleKind | undefined;
    let reason: string | undefined;
    if (comment) {
      const parsed = /^([a-z-]+)(?:\s*\((.+)\))?$/.exec(comment[1]!);
      if (!parsed || !KINDS.includes(parsed[1]!)) throw new Error(`${file}:${before + 1}: "${comment[1]}" is not a sample annotation (${KINDS.join(', ')})`);
      if (NEEDS_REASON.includes(parsed[1]!) && !parsed[2]) throw new Error(`${file}:${before + 1}: "${parsed[1]}" needs a reason: <!-- sample: ${parsed[1]} (why) -->`);
      kind = parsed[1] as SampleKind;
      reason = parsed[2];
    }
    samples.push({ file, line: start + 1, lang: open[3]!.toLowerCase(), code: body.join('\n'), ...(kind ? { kind } : {}), ...(reason ? { reason } : {}) });
  }
  return samples;
}

export const where = (s: Sample) => `${s.file}:${s.line}`;

/** The import specifiers the package exports, mapped to the sources in this checkout. */
export const PACKAGE_SOURCES: Readonly<Record<string, string>> = {
  upgrant: 'src/index.js',
  'upgrant/client': 'src/client/index.js',
  'upgrant/local': 'drivers/local/index.js',
  'upgrant/s3': 'drivers/s3/index.js',
  'upgrant/gcs': 'drivers/gcs/index.js',
  'upgrant/azure': 'drivers/azure/index.js',
};

/** The sample as a module of its own that imports upgrant from this checkout's sources. */
export function asModule(code: string): string {
  const rewritten = code.replace(/(from\s+|import\s*\(\s*|import\s+)(['"])(upgrant(?:\/[a-z0-9-]+)?)\2/g, (_all, lead: string, quote: string, name: string) => {
    const target = PACKAGE_SOURCES[name];
    if (!target) throw new Error(`a sample imports "${name}", which the package does not export`);
    return `${lead}${quote}${path.join(ROOT, target)}${quote}`;
  });
  return `${rewritten}\nexport {};\n`;
}

/** Split a shell line into words (quotes kept together, no expansion): enough to read flags. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

/** The shell commands of a block: `\` continuations joined, comments dropped, split at && ; |. */
export function shellCommands(code: string): string[] {
  const joined = code.replace(/\\\n\s*/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean)
    .flatMap((l) => l.split(/\s*(?:&&|;|\|\|?)\s*/))
    .filter(Boolean);
}

/** `upgrant NAME args...` (or `npx upgrant ...`, after any VAR=value assignments) in a shell command. */
export function upgrantInvocation(command: string): { env: Record<string, string>; args: string[] } | undefined {
  const words = shellWords(command);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) {
    const [name, ...value] = words.shift()!.split('=');
    env[name!] = value.join('=');
  }
  if (words[0] === 'npx') words.shift();
  if (words[0] !== 'upgrant') return undefined;
  return { env, args: words.slice(1) };
}

/** Inline `upgrant ...` code spans of the prose (outside fenced blocks), with their line. */
export function inlineCommands(file: string, markdown = readFileSync(path.join(ROOT, file), 'utf8')): { line: number; text: string }[] {
  const found: { line: number; text: string }[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((line, i) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (!fence || marker.startsWith(fence))) {
      fence = fence ? undefined : marker;
      return;
    }
    if (fence) return;
    for (const m of line.matchAll(/`(?:npx )?(upgrant [^`]+)`/g)) found.push({ line: i + 1, text: m[1]! });
  });
  return found;
}
