// The typed client takes its route names and metadata from the router's type: a misspelled route,
// or metadata of the wrong shape, fails to compile. Runs tsc on two small files written next to
// this one (so imports resolve as in the project) and removes them after.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
// TypeScript 7's native compiler (the project's typecheck): the claim is about the client's types, not one compiler.
const tsc = path.join(here, '..', '..', 'node_modules', 'typescript7', 'bin', 'tsc');

const header = `import { createUploadClient } from '../../src/client/index.js';
import type { Fixture } from './fixture.js';
const client = createUploadClient<Fixture['router']>({ url: '/api/upload' });
declare const file: Blob;
`;

describe('upload client types', function () {
  this.timeout(120_000);
  const suffix = `${process.pid}-${Date.now()}`;
  const good = path.join(here, `typed-good-${suffix}.ts`);
  const bad = path.join(here, `typed-bad-${suffix}.ts`);
  after(async () => {
    await rm(good, { force: true });
    await rm(bad, { force: true });
  });

  it('a misspelled route name and wrong metadata fail to typecheck; the right ones pass', async () => {
    await writeFile(good, `${header}void client.upload('avatar', file);\nvoid client.upload('video', file, { metadata: { title: 'x' } });\nexport {};\n`);
    await writeFile(bad, `${header}void client.upload('avatr', file);\nvoid client.upload('video', file, { metadata: { title: 5 } });\nexport {};\n`);
    const flags = ['--ignoreConfig', '--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--lib', 'ES2023,DOM', '--types', 'node', '--skipLibCheck', '--experimentalDecorators', '--emitDecoratorMetadata'];
    // One compiler run for both files (it is the slow part): errors must come from the bad one only.
    let out = '';
    try {
      await promisify(execFile)(process.execPath, [tsc, ...flags, good, bad]);
    } catch (error) {
      out = String((error as { stdout?: string }).stdout);
    }
    const badOut = out;
    expect(out, out).to.not.include(path.basename(good));
    const errors = out.split('\n').filter((l) => l.includes(path.basename(bad)));
    expect(errors.some((l) => /\(5,\d+\): error TS2345: Argument of type '"avatr"'/.test(l)), badOut).to.equal(true);
    expect(errors.some((l) => /\(6,\d+\): error TS2322/.test(l)), badOut).to.equal(true);
    expect(errors).to.have.length(2);
  });
});
