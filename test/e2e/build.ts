// The page imports the BUILT client (dist/src/client/*.js, what the package ships). npm test builds
// first; a single e2e file run on its own builds here when the build is missing or older than the
// sources, so it never tests stale code.
import { execFile } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export async function ensureBuiltClient(): Promise<void> {
  const sources = path.resolve('src/client');
  const built = path.resolve('dist/src/client');
  const newest = Math.max(...readdirSync(sources).map((f) => statSync(path.join(sources, f)).mtimeMs));
  const fresh = existsSync(path.join(built, 'index.js')) && readdirSync(sources).every((f) => {
    const js = path.join(built, f.replace(/\.ts$/, '.js'));
    return existsSync(js) && statSync(js).mtimeMs >= newest;
  });
  if (!fresh) await promisify(execFile)(process.execPath, [path.resolve('node_modules/typescript7/bin/tsc'), '-p', 'tsconfig.build.json'], { timeout: 120_000 });
}
