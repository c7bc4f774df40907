// Ceph RADOS Gateway for the tests (test/support/ceph-rgw.sh): a throwaway one-node cluster with
// the in-memory object store, cephx off, on loopback ports from freePort (the OSD's window below
// the ephemeral range, where freePort never lands), state in a temp directory, stopped by PID.
// Starting one takes a few seconds (tens on a loaded machine), so test files share ONE cluster per
// mocha run (test/support/shared.ts): sharedCeph() starts it when the first Ceph test asks, and it
// is stopped when the run ends, or by a watchdog should the run be killed (test/support/daemons.ts).
// Each file uses its own buckets.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { endDir, guardDir, pidsIn, retryOnPortClash } from './daemons.js';
import { freePort } from './ports.js';
import { registerShared, useShared } from './shared.js';
import {  } from './swift.js';
import { skipOrFail } from './required.js';

export const CEPH_ACCESS_KEY = 'UPGRANTCEPHTEST00001';
export const CEPH_SECRET = 'upgrant-ceph-test-secret-key-000000000001';
export const CEPH_REGION = 'us-east-1';
export const CEPH_PACKAGES = 'ceph-mon ceph-osd radosgw ceph-common';
export const CEPH_CREDENTIALS = { accessKeyId: CEPH_ACCESS_KEY, secretAccessKey: CEPH_SECRET };

const SCRIPT = fileURLToPath(new URL('./ceph-rgw.sh', import.meta.url));
type Daemon = 'radosgw' | 'osd.0' | 'mon.a';
const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'ceph-authtool', 'monmaptool', 'curl'];

export interface Ceph {
  /** S3 endpoint, e.g. http://127.0.0.1:41234 (path-style, any region). */
  readonly endpoint: string;
  readonly pids: readonly number[];
  /** The cluster's throwaway directory (config, state, logs, pid files). */
  readonly dir: string;
  /** A daemon's log so far. */
  log(daemon: Daemon): Promise<string>;
  stop(): Promise<void>;
}

/** Why Ceph cannot run here, or undefined when it can. */
export function cephMissing(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  const missing = BINARIES.filter((bin) => !dirs.some((dir) => existsSync(path.join(dir, bin))));
  if (missing.length === 0) return undefined;
  return `Ceph is not installed (${missing.join(', ')} not on PATH); install it with: apt-get install -y --no-install-recommends ${CEPH_PACKAGES}`;
}

/**
 * The run's shared cluster, started on first use; undefined (after saying why) when Ceph is not
 * installed and that is allowed. Under CI / UPGRANT_REQUIRE_EMULATORS=1 a missing Ceph throws.
 */
export async function useCeph(what: string): Promise<Ceph | undefined> {
  const missing = cephMissing();
  if (missing) {
    skipOrFail(`Ceph`, missing, `${what}`);
    return undefined;
  }
  return sharedCeph();
}

interface CephWire {
  endpoint: string;
  pids: number[];
  dir: string;
}

function revive(wire: CephWire, stop: () => Promise<void>): Ceph {
  return {
    ...wire,
    log: (daemon) => readFile(path.join(wire.dir, 'log', `${daemon}.log`), 'utf8').catch(() => ''),
    stop,
  };
}

registerShared('ceph', async () => {
  const ceph = await startCeph();
  return { wire: { endpoint: ceph.endpoint, pids: [...ceph.pids], dir: ceph.dir }, stop: () => ceph.stop() };
});

/** The run's cluster (test/support/shared.ts); its stop() is a no-op, the run stops it at its end. */
export async function sharedCeph(): Promise<Ceph> {
  return revive(await useShared<CephWire>('ceph'), async () => undefined);
}

/** A window of 30 ports below the OS's ephemeral range, so freePort (port 0) never hands one out. */
function osdPortWindow(): string {
  let low = 32768;
  try {
    low = Number.parseInt(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0] ?? '', 10) || low;
  } catch {
    // not Linux: keep the IANA default
  }
  const top = Math.max(low - 40, 10_030);
  const start = 10_000 + Math.floor(Math.random() * (top - 10_000));
  return `${start}-${start + 29}`;
}

async function startOnce(): Promise<Ceph> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'upgrant-ceph-'));
  // From here on every daemon the script starts dies with this process, whatever the start does.
  guardDir(base);
  // Memstore keeps nothing worth a clean shutdown: SIGKILL.
  const stop = () => endDir(base, 'SIGKILL');
  const [monV2, monV1, rgw] = (await Promise.all([freePort(), freePort(), freePort()])) as [number, number, number];
  try {
    await promisify(execFile)('bash', [SCRIPT], {
      env: {
        ...process.env,
        CEPH_BASE: base,
        CEPH_MON_V2_PORT: String(monV2),
        CEPH_MON_V1_PORT: String(monV1),
        CEPH_OSD_PORTS: osdPortWindow(),
        CEPH_RGW_PORT: String(rgw),
        CEPH_FSID: randomUUID(),
        CEPH_OSD_UUID: randomUUID(),
        CEPH_ACCESS_KEY,
        CEPH_SECRET_KEY: CEPH_SECRET,
      },
      timeout: 180_000,
    });
  } catch (error) {
    await stop();
    const e = error as { message: string; stderr?: string };
    throw new Error(`Ceph RGW failed to start: ${e.message} ${e.stderr ?? ''}`);
  }
  return revive({ endpoint: `http://127.0.0.1:${rgw}`, pids: await pidsIn(base), dir: base }, stop);
}

/** A cluster of its own (most tests want sharedCeph()); retried on fresh ports if one was taken. */
export function startCeph(): Promise<Ceph> {
  return retryOnPortClash(startOnce);
}
