// Start and stop a single-node OpenStack Swift with s3api for a test file (test/support/swift-s3.sh):
// free loopback ports from the OS for the proxy and the three storage servers, a throwaway base
// directory under os.tmpdir(), and the four daemons stopped by their PIDs afterwards.
// No memcached is used, on purpose: tempauth needs the cache filter in the pipeline, not a running
// server (S3 requests are authenticated by their signature; the proxy only logs "All memcached
// servers error-limited"). The filter is pointed at a free port nobody listens on, because a shared
// memcached on 11211 would let parallel Swift instances read each other's cached account and
// container info (a bucket created in one run would look present in another).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

export const SWIFT_ACCESS_KEY = 'test:tester';
export const SWIFT_SECRET = 'testing';
export const SWIFT_REGION = 'us-east-1';
export const SWIFT_PACKAGES = 'swift swift-proxy swift-account swift-container swift-object';

const SCRIPT = fileURLToPath(new URL('./swift-s3.sh', import.meta.url));
const SERVERS = ['account', 'container', 'object', 'proxy'] as const;
const BINARIES = ['swift-ring-builder', 'swift-proxy-server', 'swift-account-server', 'swift-container-server', 'swift-object-server', 'curl', 'python3'];

export interface Swift {
  /** S3 endpoint, e.g. http://127.0.0.1:41234 (path-style). */
  readonly endpoint: string;
  readonly pids: readonly number[];
  /** The proxy's log so far (memcached warnings, tracebacks). */
  proxyLog(): Promise<string>;
  stop(): Promise<void>;
}

/** Whether a missing emulator must fail instead of skip. */
export function emulatorsRequired(): boolean {
  return process.env.CI === 'true' || process.env.UPGRANT_REQUIRE_EMULATORS === '1';
}

/** Why Swift cannot run here, or undefined when it can. */
export function swiftMissing(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  const missing = BINARIES.filter((bin) => !dirs.some((dir) => existsSync(path.join(dir, bin))));
  if (missing.length === 0) return undefined;
  return `OpenStack Swift is not installed (${missing.join(', ')} not on PATH); install it with: apt-get install -y --no-install-recommends ${SWIFT_PACKAGES}`;
}


function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

export async function startSwift(): Promise<Swift> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'upgrant-swift-'));
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const [s3, account, container, object, memcache] = ports as [number, number, number, number, number];
  const pids: number[] = [];
  const readPids = async () => {
    for (const server of SERVERS) {
      const text = await readFile(path.join(base, 'run', `${server}.pid`), 'utf8').catch(() => '');
      const pid = Number.parseInt(text, 10);
      if (Number.isInteger(pid) && pid > 0 && !pids.includes(pid)) pids.push(pid);
    }
  };
  const stop = async () => {
    await Promise.all(pids.map(stopPid));
    await rm(base, { recursive: true, force: true });
  };
  try {
    await promisify(execFile)('bash', [SCRIPT], {
      env: {
        ...process.env,
        SWIFT_BASE: base,
        SWIFT_S3_PORT: String(s3),
        SWIFT_ACCOUNT_PORT: String(account),
        SWIFT_CONTAINER_PORT: String(container),
        SWIFT_OBJECT_PORT: String(object),
        SWIFT_MEMCACHE: `127.0.0.1:${memcache}`,
      },
      timeout: 120_000,
    });
    await readPids();
  } catch (error) {
    await readPids();
    await stop();
    const e = error as { message: string; stderr?: string };
    throw new Error(`Swift failed to start: ${e.message} ${e.stderr ?? ''}`);
  }
  return {
    endpoint: `http://127.0.0.1:${s3}`,
    pids,
    proxyLog: () => readFile(path.join(base, 'run', 'proxy.log'), 'utf8').catch(() => ''),
    stop,
  };
}
