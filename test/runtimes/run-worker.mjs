// Runs a bundled Worker in workerd through Miniflare (from the tools prefix) on 127.0.0.1 and
// prints the body of one request. Usage: node run-worker.mjs <miniflare dir> <bundle> <compat date>
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [miniflareDir, bundle, compatibilityDate] = process.argv.slice(2);
const { Miniflare } = await import(pathToFileURL(path.join(miniflareDir, 'dist/src/index.js')).href);
// Modules listed explicitly: Miniflare's own module walker refuses upgrant's non-literal import().
const mf = new Miniflare({
  modules: [{ type: 'ESModule', path: 'worker.js', contents: await readFile(bundle, 'utf8') }],
  compatibilityDate,
  compatibilityFlags: ['nodejs_compat'],
  host: '127.0.0.1',
  port: 0,
});
try {
  const response = await mf.dispatchFetch('http://127.0.0.1/');
  process.stdout.write(await response.text());
  if (!response.ok) process.exitCode = 1;
} finally {
  await mf.dispose();
}
