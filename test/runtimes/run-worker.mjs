// Runs bundled Workers in one workerd through Miniflare (from the tools prefix) on 127.0.0.1 and
// prints, as a JSON array, the status and body of one request to each (one workerd start serves
// them all). Usage: node run-worker.mjs <miniflare dir> <compat date> <bundle>...
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [miniflareDir, compatibilityDate, ...bundles] = process.argv.slice(2);
const { Miniflare } = await import(pathToFileURL(path.join(miniflareDir, 'dist/src/index.js')).href);
// Modules listed explicitly: Miniflare's own module walker refuses upgrant's non-literal import().
const workers = await Promise.all(
  bundles.map(async (bundle, i) => ({
    name: `worker-${i}`,
    modules: [{ type: 'ESModule', path: 'worker.js', contents: await readFile(bundle, 'utf8') }],
    compatibilityDate,
    compatibilityFlags: ['nodejs_compat'],
  })),
);
const mf = new Miniflare({ workers, host: '127.0.0.1', port: 0 });
try {
  const answers = [];
  for (const { name } of workers) {
    const response = await (await mf.getWorker(name)).fetch('http://127.0.0.1/');
    answers.push({ status: response.status, body: await response.text() });
  }
  process.stdout.write(JSON.stringify(answers));
  if (answers.some(({ status }) => status < 200 || status > 299)) process.exitCode = 1;
} finally {
  await mf.dispose();
}
