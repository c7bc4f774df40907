// mocha's global setup (loaded by .mocharc.json): this process owns the run's shared emulators
// (test/support/shared.ts) and serves them to parallel workers; the run's end stops them.
import type { Server } from 'node:http';
import { serveShared, stopShared } from './shared.js';
import { slowestFirst } from './slow-first.js';
// Loaded for their registerShared() calls: this process starts what any worker asks for.
import './azurite.js';
import './ceph.js';
import './swift.js';
import { packedTarball } from '../package/fresh-app.js';
import { installToolsEarly, RUNTIMES_FILE } from './runtime-tools.js';

/** What mocha's global setup is called on (its Runner): the run about to start. */
interface RunnerLike {
  isParallelMode?(): boolean;
  run(fn: unknown, options?: { files?: string[] }): unknown;
}

let server: Server | undefined;

export async function mochaGlobalSetup(this: RunnerLike): Promise<void> {
  server = await serveShared();
  // Parallel only: the order the workers take the files in (test/support/slow-first.ts). mocha
  // hands the file list to run() just after this setup and has no option for the order.
  if (this.isParallelMode?.() === true) {
    const run = this.run;
    this.run = function (fn, options = {}) {
      const files = options.files ?? [];
      // What the runtime and tarball files wait for longest starts with the run (a failure is theirs to report).
      installToolsEarly(files);
      if (files.some((file) => file.endsWith(RUNTIMES_FILE) || file.endsWith('test/package/tarball.test.ts'))) packedTarball().catch(() => undefined);
      return run.call(this, fn, { ...options, files: slowestFirst(files) });
    };
  }
}

export async function mochaGlobalTeardown(): Promise<void> {
  await stopShared();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
