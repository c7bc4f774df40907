// docs/routes.md shows the Uppy adapter the browser tests run, verbatim, and names every endpoint
// and error code the router answers with: the page cannot drift from the code.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';

describe('docs/routes.md', () => {
  it('holds the tested Uppy adapter verbatim (20 lines at most) and every endpoint and router error code', async () => {
    const doc = await readFile('docs/routes.md', 'utf8');
    const adapter = await readFile('test/e2e/router-page/uppy-adapter.ts', 'utf8');
    expect(doc).to.include(adapter.trimEnd());
    expect(adapter.trimEnd().split('\n').length).to.be.at.most(20);
    for (const action of ['complete', 'verify', 'abort', 'parts', 'download']) expect(doc).to.include(`{base}/{route}/${action}`);
    const wire = await readFile('src/router/wire.ts', 'utf8');
    const codes = [...wire.slice(wire.indexOf('export type RouterErrorCode'), wire.indexOf('export class RouterError')).matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!);
    expect(codes.length).to.be.greaterThan(10);
    for (const code of codes) expect(doc, code).to.include(`\`${code}\``);
  });
});
