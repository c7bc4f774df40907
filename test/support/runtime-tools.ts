// The runtimes and bundlers test/runtimes/runtimes.test.ts runs, at pinned versions: the checkout's
// own when npm ci installed them (devDependencies), else installed once per run into a temp prefix
// (as .ci/run does for node@22), a shared kind (test/support/shared.ts): under --parallel the
// process that owns the run installs them, starting when the run starts (global-setup.ts), so the
// install's waiting (downloads, extraction) overlaps the other files instead of the runtime
// file's before() hook. The run's end (stopShared) or the owning process's exit removes the prefix.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { NPM_FLAGS, registerSharedTempDir, ROOT } from '../package/fresh-app.js';
import { useShared } from './shared.js';

const run = promisify(execFile);
const RUNTIME_TOOLS = 'runtime-tools';
export const RUNTIMES_FILE = 'test/runtimes/runtimes.test.ts';
// wrangler 4.86 is the newest that runs on Node 20 with Miniflare 4's stable API (later ones need
// Node 22.12 and bring a Miniflare 5 beta).
export const TOOLS = ['wrangler@4.86.0', 'bun@1.4.5', 'deno@2.9.6', 'webpack@5.112.2'] as const;

/** Whether the checkout's node_modules holds every tool at its pinned version, with its command. */
function checkoutHasTools(): boolean {
  return TOOLS.every((tool) => {
    const [name, version] = tool.split('@') as [string, string];
    try {
      const installed = (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
      return installed === version && existsSync(path.join(ROOT, 'node_modules/.bin', name));
    } catch {
      return false;
    }
  });
}

registerSharedTempDir(RUNTIME_TOOLS, 'upgrant-tools-', async (dir) => {
  await writeFile(path.join(dir, 'package.json'), '{"private":true}');
  // Install scripts run here: bun's links its binary from the platform package it ships in.
  const flags = NPM_FLAGS.filter((flag) => flag !== '--ignore-scripts');
  await run('npm', ['install', '--prefer-offline', ...flags, ...TOOLS], { cwd: dir, timeout: 240_000 });
  return path.join(dir, 'node_modules');
});

/** The node_modules holding the tools: the checkout's, or the run's temp prefix's. */
export async function toolModules(): Promise<string> {
  if (checkoutHasTools()) return path.join(ROOT, 'node_modules');
  return useShared<string>(RUNTIME_TOOLS);
}

/**
 * Called by the global setup with the run's files: when the runtime tests are among them (and not
 * skipped by UPGRANT_SKIP_RUNTIMES=1), the install starts now; the file's before() hook gets the
 * same instance, or the error (a failed start is forgotten, so the hook tries again).
 */
export function installToolsEarly(files: readonly string[]): void {
  if (process.env.UPGRANT_SKIP_RUNTIMES === '1' || !files.some((file) => path.relative(ROOT, path.resolve(file)).split(path.sep).join('/') === RUNTIMES_FILE)) return;
  toolModules().catch(() => undefined);
}
