// A single-node OpenStack Swift with s3api for the tests (test/support/swift-s3.sh): loopback ports
// from the OS for the proxy and the three storage servers, a throwaway base directory (in memory
// where it can be, see swiftBaseRoot), and the four daemons ended by their PIDs (test/support/daemons.ts), also when the
// start fails or is abandoned. The four Python servers are forked from one process that imports
// Swift once (test/support/swift_servers.py: ~2 s of CPU instead of ~12), and still a boot is not
// free, so startSwift() hands out the run's shared instance (test/support/shared.ts), started
// on first use: its stop() is a no-op, each test file uses buckets of its own names, and the
// instance is stopped when the run ends. startOwnSwift() starts one for the caller alone.
// No memcached is used, on purpose: a shared one on 11211 would let parallel Swift instances read
// each other's cached account and container info (a bucket created in one run would look present
// in another). The proxy's cache is a dict in its own process instead (swift_memory_cache.py):
// without any cache it would ask the account and container servers on every request.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { endDir, guardDir, pidsIn, retryOnPortClash } from './daemons.js';
import { freePort } from './ports.js';
import { registerShared, useShared } from './shared.js';

export const SWIFT_ACCESS_KEY = 'test:tester';
export const SWIFT_SECRET = 'testing';
export const SWIFT_REGION = 'us-east-1';
export const SWIFT_PACKAGES = 'swift swift-proxy swift-account swift-container swift-object';

const SCRIPT = fileURLToPath(new URL('./swift-s3.sh', import.meta.url));
const BINARIES = ['swift-ring-builder', 'swift-proxy-server', 'swift-account-server', 'swift-container-server', 'swift-object-server', 'python3'];

export interface Swift {
  /** S3 endpoint, e.g. http://127.0.0.1:41234 (path-style). */
  readonly endpoint: string;
  readonly pids: readonly number[];
  /** The proxy's log so far (memcached warnings, tracebacks). */
  proxyLog(): Promise<string>;
  stop(): Promise<void>;
}


/** Why Swift cannot run here, or undefined when it can. */
export function swiftMissing(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  const missing = BINARIES.filter((bin) => !dirs.some((dir) => existsSync(path.join(dir, bin))));
  if (missing.length === 0) return undefined;
  return `OpenStack Swift is not installed (${missing.join(', ')} not on PATH); install it with: apt-get install -y --no-install-recommends ${SWIFT_PACKAGES}`;
}

interface SwiftWire {
  endpoint: string;
  pids: number[];
  dir: string;
}

/** The CORS origin s3api answers preflights for (swift-s3.sh's S3_CORS_ORIGIN, read at start). */
function corsOrigin(): string {
  return process.env.S3_CORS_ORIGIN ?? '*';
}

// Swift's object server fsyncs every PUT and DELETE (its tombstone) and its container server
// writes SQLite: on a disk that is most of a write's time (78 ms per object PUT, 58 ms per
// DELETE measured on this machine's disk under load). A throwaway Swift needs no durability, so
// its devices go in memory (/dev/shm) where that file system keeps the user xattrs Swift stores
// object metadata in (tmpfs does since Linux 6.6); elsewhere, os.tmpdir() as before.
const XATTR_PROBE = "import os,sys,tempfile\nf=tempfile.NamedTemporaryFile(dir=sys.argv[1])\nos.setxattr(f.name,'user.swift.metadata',b'x'*4096)";
let baseRoot: Promise<string> | undefined;

function swiftBaseRoot(): Promise<string> {
  baseRoot ??= promisify(execFile)('/usr/bin/python3', ['-c', XATTR_PROBE, '/dev/shm'], { timeout: 30_000 }).then(
    () => '/dev/shm',
    () => os.tmpdir(),
  );
  return baseRoot;
}

async function startOnce(cors: string): Promise<SwiftWire & { stop(): Promise<void> }> {
  const base = await mkdtemp(path.join(await swiftBaseRoot(), 'upgrant-swift-'));
  // From here on every daemon the script starts dies with this process, whatever the start does.
  guardDir(base);
  const stop = () => endDir(base, 'SIGTERM');
  try {
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const [s3, account, container, object] = ports as [number, number, number, number];
    await promisify(execFile)('bash', [SCRIPT], {
      env: {
        ...process.env,
        SWIFT_BASE: base,
        SWIFT_S3_PORT: String(s3),
        SWIFT_ACCOUNT_PORT: String(account),
        SWIFT_CONTAINER_PORT: String(container),
        SWIFT_OBJECT_PORT: String(object),
        S3_CORS_ORIGIN: cors,
      },
      timeout: 120_000,
    });
    return { endpoint: `http://127.0.0.1:${s3}`, pids: await pidsIn(base), dir: base, stop };
  } catch (error) {
    // The PIDs the script wrote (run/*.pid) are ended, even those of a start cut off by its timeout.
    await stop();
    const e = error as { message: string; stderr?: string };
    throw new Error(`Swift failed to start: ${e.message} ${e.stderr ?? ''}`);
  }
}

function revive(wire: SwiftWire, stop: () => Promise<void>): Swift {
  return {
    endpoint: wire.endpoint,
    pids: wire.pids,
    proxyLog: () => readFile(path.join(wire.dir, 'run', 'proxy.log'), 'utf8').catch(() => ''),
    stop,
  };
}

/** A Swift of the caller's own, stopped by its stop(); retried on fresh ports if one was taken. */
export async function startOwnSwift(): Promise<Swift> {
  const cors = corsOrigin();
  const started = await retryOnPortClash(() => startOnce(cors));
  return revive(started, started.stop);
}

registerShared('swift', async (options) => {
  const started = await retryOnPortClash(() => startOnce(options.cors ?? '*'));
  const { stop, ...wire } = started;
  return { wire, stop };
});

/**
 * The run's shared Swift; one per S3_CORS_ORIGIN value (Swift reads its CORS allow-list at start,
 * so a file that needs its own origin gets an instance with it).
 */
export async function startSwift(): Promise<Swift> {
  const wire = await useShared<SwiftWire>('swift', { cors: corsOrigin() });
  // Shared: released, not stopped, by a test file; the run stops it at its end.
  return revive(wire, async () => undefined);
}
