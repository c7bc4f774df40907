// The app the runtime tests run: the packed tarball extracted as node_modules/upgrant of a
// directory inside the checkout (gitignored .upgrant-*), so the SDKs it imports resolve from the
// checkout's node_modules, plus the grant script and a fresh RSA key for GCS.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { packedTarball, ROOT } from '../package/fresh-app.js';

const run = promisify(execFile);
export const WORKER_COMPAT_DATE = '2025-09-01';

export async function runtimeApp(providers: readonly string[], rsaKey = newRsaKey()): Promise<string> {
  const app = await mkdtemp(path.join(ROOT, '.upgrant-runtimes-'));
  await mkdir(path.join(app, 'node_modules', 'upgrant'), { recursive: true });
  await run('tar', ['xzf', await packedTarball(), '-C', path.join(app, 'node_modules', 'upgrant'), '--strip-components', '1']);
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'runtime-app', private: true, type: 'module' }));
  await copyFile(path.join(ROOT, 'test/runtimes/grants-script.js'), path.join(app, 'grants-script.js'));
  await writeFile(path.join(app, 'params.js'), `export const PROVIDERS = ${JSON.stringify(providers)};\nexport const RSA_KEY = ${JSON.stringify(rsaKey)};\n`);
  await writeFile(path.join(app, 'main.js'), "import { makeGrants } from './grants-script.js';\nconsole.log(JSON.stringify(await makeGrants()));\n");
  await writeFile(path.join(app, 'worker.js'), "import { makeGrants } from './grants-script.js';\nexport default { async fetch() { return new Response(JSON.stringify(await makeGrants()) + '\\n'); } };\n");
  await writeFile(
    path.join(app, 'wrangler.json'),
    JSON.stringify({ name: 'upgrant-runtime-test', main: 'worker.js', compatibility_date: WORKER_COMPAT_DATE, compatibility_flags: ['nodejs_compat'] }),
  );
  return app;
}

export function newRsaKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
