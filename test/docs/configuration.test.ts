// docs/configuration.md against the code, both ways: every environment variable upgrant's code
// reads is documented there, and every variable documented there is read (by src/ or drivers/,
// by the tests for the test-only ones, or by an SDK where the row says so).
//
// "Read" is found with the TypeScript parser, not by convention: `env.NAME`, `env['NAME']`,
// `env[CONSTANT]`, and any string literal that is exactly a variable name of upgrant's families
// (`value(env, 'UPGRANT_X')`, `ConfigError('AWS_REGION', ...)`, `const ENV_KEY = 'AZURE_STORAGE_KEY'`).
// A variable added anywhere in src/ or drivers/ is therefore seen without touching this test.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Upgrant's own families, the providers' and the few plain names the demo and the runtime use. */
const VARIABLE = /^(?:(?:UPGRANT|AWS|AZURE|GOOGLE)_[A-Z0-9_]+|STORAGE_EMULATOR_HOST|PORT|HOST|NODE_ENV|CI)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|js|cjs|mjs)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => path.join(ROOT, dir, f));
}

/** Variable names the code in these folders reads, each with one place it is read. */
export function variablesRead(dirs: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of dirs.flatMap(sourceFiles)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const constants = new Map<string, string>();
    const note = (name: string, node: ts.Node) => {
      if (!VARIABLE.test(name) || found.has(name)) return;
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      found.set(name, `${path.relative(ROOT, file)}:${line + 1}`);
    };
    const visit = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && ts.isStringLiteral(node.initializer)) {
        constants.set(node.name.text, node.initializer.text);
      }
      if (ts.isPropertyAccessExpression(node) && /env$/i.test(node.expression.getText(source))) note(node.name.text, node);
      if (ts.isElementAccessExpression(node) && /env$/i.test(node.expression.getText(source)) && ts.isIdentifier(node.argumentExpression)) {
        const value = constants.get(node.argumentExpression.text);
        if (value) note(value, node);
      }
      // A literal that is a whole variable name, except a warning's `code:` (UPGRANT_DEV_SECRET names a warning, not a variable).
      if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && !(ts.isPropertyAssignment(node.parent) && node.parent.name.getText(source) === 'code')) {
        note(node.text, node);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

interface Documented {
  name: string;
  section: string;
  /** The row says an SDK reads it, not upgrant. */
  readBySdk: boolean;
}

/** Every variable named in the first column of a table in docs/configuration.md. */
export function variablesDocumented(markdown: string): Documented[] {
  const documented: Documented[] = [];
  let section = '';
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue;
    const [first = '', ...rest] = line.split('|').slice(1);
    for (const match of first.matchAll(/`([A-Z][A-Z0-9_]+)(?:=[^`]*)?`/g)) {
      documented.push({ name: match[1]!, section, readBySdk: /read by the (?:AWS )?SDK/.test(rest.join('|')) });
    }
  }
  return documented;
}

describe('docs/configuration.md matches the variables the code reads', () => {
  const markdown = readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8');
  const documented = variablesDocumented(markdown);
  const read = variablesRead(['src', 'drivers']);
  const readByTests = variablesRead(['test']);

  it('finds the variables on both sides (the scanners work)', () => {
    for (const name of ['UPGRANT_PROVIDER', 'UPGRANT_SECRET', 'PORT', 'AWS_REGION', 'AZURE_STORAGE_KEY', 'GOOGLE_APPLICATION_CREDENTIALS', 'STORAGE_EMULATOR_HOST']) {
      expect(read.has(name), `${name} read`).to.equal(true);
      expect(documented.some((d) => d.name === name), `${name} documented`).to.equal(true);
    }
    expect(read.has('UPGRANT_DEV_SECRET'), 'a warning code is not a variable').to.equal(false);
  });

  it('documents every variable src/ and drivers/ read', () => {
    const names = new Set(documented.map((d) => d.name));
    const missing = [...read].filter(([name]) => !names.has(name)).map(([name, where]) => `${name} (read at ${where})`);
    expect(missing, 'add these to docs/configuration.md').to.deep.equal([]);
  });

  it('reads every variable it documents', () => {
    const unread = documented
      .filter((d) => !d.readBySdk && !read.has(d.name) && !(d.section === 'Test-only' && readByTests.has(d.name)))
      .map((d) => `${d.name} (section "${d.section}")`);
    expect(unread, 'documented but read nowhere: remove them, or say "read by the SDK"').to.deep.equal([]);
  });
});
