// A Ceph RGW of this test file's own, started with the shared emulator script
// (../shared/emulators/ceph-rgw.sh) on free loopback ports in a temp directory, stopped by PID.
// Stand-in until the project's own test/support Ceph starter lands: same shape (useCeph(what) ->
// { endpoint, stop } or undefined when Ceph is missing and that is allowed).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../support/ports.js';
import { emulatorsRequired } from '../support/swift.js';

export const CEPH_CREDENTIALS = { accessKeyId: 'TESTACCESSKEY0000001', secretAccessKey: 'testsecretkey00000000000000000000000001' };
const SCRIPT = fileURLToPath(new URL('../../../shared/emulators/ceph-rgw.sh', import.meta.url));
const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'ceph-authtool', 'monmaptool', 'curl'];

export interface Ceph {
  readonly endpoint: string;
  /** The cluster's ceph.conf, for radosgw-admin (CEPH_CONF). */
  readonly conf: string;
  stop(): Promise<void>;
}

function missing(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  const absent = BINARIES.filter((bin) => !dirs.some((dir) => existsSync(path.join(dir, bin))));
  if (absent.length > 0) return `Ceph is not installed (${absent.join(', ')} not on PATH)`;
  if (!existsSync(SCRIPT)) return `the Ceph start script ${SCRIPT} is not here`;
  return undefined;
}

export async function useCeph(what: string): Promise<Ceph | undefined> {
  const why = missing();
  if (why) {
    if (emulatorsRequired()) throw new Error(`Ceph is required here (CI / UPGRANT_REQUIRE_EMULATORS): ${why}`);
    console.warn(`  skipping ${what}: ${why}`);
    return undefined;
  }
  return startCeph();
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** 30 consecutive free ports for the OSD, below the ephemeral range freePort draws from. */
async function osdWindow(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const start = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all(Array.from({ length: 30 }, (_, i) => portFree(start + i)));
    if (free.every(Boolean)) return start;
  }
  throw new Error('no window of 30 free ports for the Ceph OSD');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startCeph(): Promise<Ceph> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'upgrant-events-ceph-'));
  const [mon, rgw] = (await Promise.all([freePort(), freePort()])) as [number, number];
  const pids = async () => {
    const found: number[] = [];
    for (const daemon of ['radosgw', 'osd.0', 'mon.a']) {
      const pid = Number.parseInt(await readFile(path.join(base, 'rgw', 'run', `${daemon}.pid`), 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && pid > 0) found.push(pid);
    }
    return found;
  };
  const stop = async () => {
    for (const pid of await pids()) {
      if (!alive(pid)) continue;
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await rm(base, { recursive: true, force: true });
  };
  try {
    // The script's monitor takes MON (v2) and MON+1 (v1): ask for a port whose successor is free too.
    const monPort = (await portFree(mon + 1)) ? mon : await freePort();
    await promisify(execFile)('bash', [SCRIPT, '--fresh'], {
      env: { ...process.env, RGW_BASE: path.join(base, 'rgw'), RGW_PORT: String(rgw), RGW_MON_PORT: String(monPort), RGW_OSD_PORT_MIN: String(await osdWindow()) },
      timeout: 180_000,
    });
  } catch (error) {
    await stop();
    const e = error as { message: string; stderr?: string };
    throw new Error(`Ceph RGW failed to start: ${e.message} ${e.stderr ?? ''}`);
  }
  return { endpoint: `http://127.0.0.1:${rgw}`, conf: path.join(base, 'rgw', 'ceph.conf'), stop };
}
