// Ceph RADOS Gateway for the tests (test/support/ceph-rgw.sh): a throwaway one-node cluster with
// the in-memory object store, cephx off, on loopback ports from freePort (the OSD's window below
// the ephemeral range, where freePort never lands), state in a temp directory, stopped by PID.
// Starting one takes a few seconds (tens on a loaded machine), so test files share ONE cluster per
// mocha run: sharedCeph() starts it when the first Ceph test asks, and it is stopped when the run
// ends (process exit), or by a watchdog should the run be killed. Each file uses its own buckets.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { emulatorsRequired } from './swift.js';

export const CEPH_ACCESS_KEY = 'UPGRANTCEPHTEST00001';
export const CEPH_SECRET = 'upgrant-ceph-test-secret-key-000000000001';
export const CEPH_REGION = 'us-east-1';
export const CEPH_PACKAGES = 'ceph-mon ceph-osd radosgw ceph-common';
export const CEPH_CREDENTIALS = { accessKeyId: CEPH_ACCESS_KEY, secretAccessKey: CEPH_SECRET };

const SCRIPT = fileURLToPath(new URL('./ceph-rgw.sh', import.meta.url));
const DAEMONS = ['radosgw', 'osd.0', 'mon.a'] as const;
const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'ceph-authtool', 'monmaptool', 'curl'];

export interface Ceph {
  /** S3 endpoint, e.g. http://127.0.0.1:41234 (path-style, any region). */
  readonly endpoint: string;
  readonly pids: readonly number[];
  /** The cluster's throwaway directory (config, state, logs, pid files). */
  readonly dir: string;
  /** A daemon's log so far. */
  log(daemon: (typeof DAEMONS)[number]): Promise<string>;
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
    if (emulatorsRequired()) throw new Error(`Ceph is required here (CI / UPGRANT_REQUIRE_EMULATORS): ${missing}`);
    console.warn(`  skipping ${what}: ${missing}`);
    return undefined;
  }
  return sharedCeph();
}

let shared: Promise<Ceph> | undefined;

/** One cluster per process; a failed start is retried by the next caller. */
export function sharedCeph(): Promise<Ceph> {
  shared ??= startCeph().then(
    (ceph) => {
      stopAtExit(ceph);
      return ceph;
    },
    (error: unknown) => {
      shared = undefined;
      throw error;
    },
  );
  return shared;
}

/** Running, not a zombie: the daemons are reparented, so a killed one may wait to be reaped. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true;
  }
}

/** Memstore keeps nothing worth a clean shutdown: SIGKILL, then wait until the PID is gone. */
async function killPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
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

/** A cluster of its own (most tests want sharedCeph()). */
export async function startCeph(): Promise<Ceph> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'upgrant-ceph-'));
  const [monV2, monV1, rgw] = (await Promise.all([freePort(), freePort(), freePort()])) as [number, number, number];
  const pids: number[] = [];
  const readPids = async () => {
    for (const daemon of DAEMONS) {
      const text = await readFile(path.join(base, 'run', `${daemon}.pid`), 'utf8').catch(() => '');
      const pid = Number.parseInt(text, 10);
      if (Number.isInteger(pid) && pid > 0 && !pids.includes(pid)) pids.push(pid);
    }
  };
  const stop = async () => {
    await Promise.all(pids.map(killPid));
    await rm(base, { recursive: true, force: true });
  };
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
    await readPids();
  } catch (error) {
    await readPids();
    await stop();
    const e = error as { message: string; stderr?: string };
    throw new Error(`Ceph RGW failed to start: ${e.message} ${e.stderr ?? ''}`);
  }
  return {
    endpoint: `http://127.0.0.1:${rgw}`,
    pids,
    dir: base,
    log: (daemon) => readFile(path.join(base, 'log', `${daemon}.log`), 'utf8').catch(() => ''),
    stop,
  };
}

/**
 * The shared cluster outlives every test file: kill it when this process exits (synchronously,
 * the only kind of work an exit handler may do), and leave a watchdog that does the same if the
 * process is killed without running its handlers. Memstore keeps nothing, so SIGKILL loses nothing.
 */
function stopAtExit(ceph: Ceph): void {
  const pids = [...ceph.pids];
  process.once('exit', () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(ceph.dir, { recursive: true, force: true });
  });
  // `tail --pid` returns when this process is gone (it polls once a second; no test waits on it).
  const script = 'tail --pid="$1" -f /dev/null; dir=$2; shift 2; kill -KILL "$@" 2>/dev/null; rm -rf "$dir"';
  const watchdog = spawn('bash', ['-c', script, 'ceph-watchdog', String(process.pid), ceph.dir, ...pids.map(String)], { detached: true, stdio: 'ignore' });
  watchdog.unref();
}
