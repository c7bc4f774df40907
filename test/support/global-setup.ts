// mocha's global setup (loaded by .mocharc.json): this process owns the run's shared emulators
// (test/support/shared.ts) and serves them to parallel workers; the run's end stops them.
import type { Server } from 'node:http';
import { serveShared, stopShared } from './shared.js';
// Loaded for their registerShared() calls: this process starts what any worker asks for.
import './azurite.js';
import './ceph.js';
import './swift.js';

let server: Server | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  server = await serveShared();
}

export async function mochaGlobalTeardown(): Promise<void> {
  await stopShared();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
