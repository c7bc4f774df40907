// The package as a new user gets it: `npm pack` of this checkout, installed into an empty app in
// the system temp dir (outside the checkout, so nothing resolves from our own node_modules) with
// only the packages a test names. npm install --prefer-offline takes tarballs from npm's cache
// where npm ci left them and fetches the rest (package metadata, typescript@7) from the registry.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { registerShared, useShared } from '../support/shared.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
export const NPM_FLAGS = ['--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', '--no-update-notifier'];
const made: string[] = [];
let tarball: Promise<string> | undefined;
export const PACKED_TARBALL = 'packed-tarball';

/** The version of a package installed in this checkout, so a fresh app gets the cached one. */
export function installedVersion(name: string): string {
  const require = createRequire(path.join(ROOT, 'package.json'));
  return `${name}@${(require(`${name}/package.json`) as { version: string }).version}`;
}

/** TypeScript 7's compiler as the checkout installed it (devDependency typescript7), and its version. */
export const TSC_7 = path.join(ROOT, 'node_modules/typescript7/bin/tsc');
export function tsc7Version(): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules/typescript7/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * npm pack of the built checkout (dist/ as `npm test` built it), once per run: a shared kind
 * (test/support/shared.ts), so under --parallel the process that owns the run packs it for every
 * worker. An after() hook's removeTempDirs leaves it; the run's end (stopShared) or the owning
 * process's exit removes it.
 */
registerSharedTempDir(PACKED_TARBALL, 'upgrant-pack-', async (dir) => {
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, ...NPM_FLAGS], { cwd: ROOT });
  const [file] = (await readdir(dir)).filter((f) => f.endsWith('.tgz'));
  if (file === undefined) throw new Error(`npm pack left no .tgz in ${dir}`);
  return path.join(dir, file);
});

/**
 * A shared kind (test/support/shared.ts) made in a temp dir of its own: `make` fills the dir and
 * returns the wire. The dir goes at the run's end (stop), when the owning process exits, or at once
 * when `make` fails.
 */
export function registerSharedTempDir(kind: string, prefix: string, make: (dir: string) => Promise<string>): void {
  registerShared(kind, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    const remove = () => rmSync(dir, { recursive: true, force: true });
    process.once('exit', remove);
    try {
      return { wire: await make(dir), stop: async () => remove() };
    } catch (error) {
      remove();
      throw error;
    }
  });
}

/** The path of the run's packed tarball (see above); asked once per process. */
export function packedTarball(): Promise<string> {
  // A failed pack is not kept: the next file asks again (as the shared kind forgets it).
  tarball ??= useShared<string>(PACKED_TARBALL).catch((error: unknown) => {
    tarball = undefined;
    throw error;
  });
  return tarball;
}

/** An empty app with the tarball and `packages` installed; `type` is its package.json type. */
export async function freshApp(packages: readonly string[], type: 'module' | 'commonjs' = 'module'): Promise<string> {
  const app = await tempDir('upgrant-app-');
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type }));
  await run('npm', ['install', '--prefer-offline', ...NPM_FLAGS, await packedTarball(), ...packages], { cwd: app, timeout: 180_000 });
  return app;
}

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Remove every directory made in this process but the packed tarball's (an after() hook of each suite calls it). */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}
