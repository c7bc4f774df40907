// Azurite's blob service for the tests: a loopback port the OS hands it (--blobPort 0; the port
// is read from the line it prints once it listens, never probed beforehand), in-memory persistence, a
// throwaway location under os.tmpdir(), telemetry always off. Optionally HTTPS with a self-signed
// certificate made here with openssl, and `--oauth basic` (needed for user delegation SAS).
// startAzurite() hands out the process's shared instance (test/support/shared.ts), started on first
// use: its stop() releases it (the last release wipes the account: containers and CORS rules), and
// the instance is stopped when the run ends. startOwnAzurite() starts one for the caller alone.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { endDir, guardDir } from './daemons.js';
import { registerShared, useShared } from './shared.js';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const BIN = path.resolve('node_modules/.bin/azurite-blob');

export interface Azurite {
  /** Blob endpoint, e.g. http://127.0.0.1:41234/devstoreaccount1 */
  readonly endpoint: string;
  readonly connectionString: string;
  readonly pid: number;
  /** PEM of the self-signed certificate (https only). */
  readonly ca?: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** HTTPS with a fresh self-signed certificate and `--oauth basic`. */
  https?: boolean;
}



/** Why Azurite cannot run here, or undefined when it can. */
export async function azuriteMissing(options: AzuriteOptions = {}): Promise<string | undefined> {
  if (!existsSync(BIN)) return `azurite is not installed (${BIN} missing; run npm install: azurite is a dev dependency)`;
  if (options.https) {
    try {
      await promisify(execFile)('openssl', ['version']);
    } catch {
      return 'openssl is not installed (needed to make the self-signed certificate for Azurite over HTTPS)';
    }
  }
  return undefined;
}

async function makeCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '1',
    '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ]);
  return { cert, key };
}

/**
 * The port Azurite bound, from the line it prints once it listens ("Azurite Blob service
 * successfully listens on http://127.0.0.1:PORT"); rejects as soon as the child exits.
 */
function listeningPort(child: ChildProcess, output: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let printed = '';
    const onExit = (code: number | null, signal: string | null) => {
      reject(new Error(`azurite-blob exited during start (code ${code}, signal ${signal}): ${output()}`));
    };
    const onData = (d: Buffer) => {
      printed += d.toString();
      const port = /successfully listens on https?:\/\/[^\s/]+:(\d+)/.exec(printed)?.[1];
      if (port === undefined) return;
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
      resolve(Number(port));
    };
    child.once('exit', onExit);
    child.stdout?.on('data', onData);
  });
}

interface AzuriteWire {
  endpoint: string;
  connectionString: string;
  pid: number;
  ca?: string;
}

async function startOnce(options: AzuriteOptions): Promise<AzuriteWire & { stop(): Promise<void> }> {
  const location = await mkdtemp(path.join(os.tmpdir(), 'upgrant-azurite-'));
  guardDir(location);
  const stop = () => endDir(location, 'SIGTERM');
  try {
    const args = ['--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--disableTelemetry', '--silent'];
    let ca: string | undefined;
    if (options.https) {
      const { cert, key } = await makeCertificate(location);
      ca = await readFile(cert, 'utf8');
      args.push('--cert', cert, '--key', key, '--oauth', 'basic');
    }
    // In-memory persistence refuses --location; run in the throwaway directory so nothing lands in the checkout.
    const child = spawn(BIN, args, { cwd: location, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)));
    child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)));
    if (child.pid === undefined) throw new Error(`could not spawn ${BIN}`);
    // Listening from the start, so the line cannot pass while the PID file is written.
    const listening = listeningPort(child, () => output);
    listening.catch(() => undefined); // awaited below; until then a failure is another step's to report
    await mkdir(path.join(location, 'run'), { recursive: true });
    await writeFile(path.join(location, 'run', 'azurite.pid'), String(child.pid));
    const port = await listening;
    // The shared instance outlives the test files: once it listens, neither it nor its pipes may keep the process alive.
    child.unref();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    const scheme = options.https ? 'https' : 'http';
    const endpoint = `${scheme}://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
    return {
      endpoint,
      connectionString: `DefaultEndpointsProtocol=${scheme};AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
      pid: child.pid,
      ...(ca ? { ca } : {}),
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`Azurite failed to start: ${(error as Error).message}`);
  }
}

/** An Azurite of the caller's own, stopped by its stop() (on a port the OS gave it: no clash to retry). */
export async function startOwnAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  return startOnce(options);
}

registerShared('azurite', async (options) => {
  const started = await startOwnAzurite({ https: options.https === 'true' });
  const { stop, ...wire } = started;
  return { wire, stop };
});

/** Whether each of the process's instances (per protocol, by slot) is handed out right now. */
const held = new Map<string, boolean[]>();

/** Back to a fresh account: no containers, no CORS rules (what the next test file expects). */
async function wipe(wire: AzuriteWire): Promise<void> {
  const tls = wire.ca ? ({ tlsOptions: { ca: wire.ca } } as StoragePipelineOptions) : undefined;
  const service = new BlobServiceClient(wire.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), tls);
  const names: string[] = [];
  for await (const container of service.listContainers()) names.push(container.name);
  await Promise.all(names.map((name) => service.deleteContainer(name)));
  await service.setProperties({ cors: [] });
}

/**
 * The process's shared Azurite (test/support/shared.ts); throws a clear error when it cannot start.
 * One caller holds an instance at a time, and its stop() hands it back wiped (no containers, no
 * CORS rules), so each test file finds it as a fresh instance would be, fixed container names
 * included. A caller asking while every instance is held (a file with two harnesses open) gets
 * another instance, started on first need and kept for the run.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const protocol = options.https ? 'https' : 'http';
  const slots = held.get(protocol) ?? [];
  held.set(protocol, slots);
  let slot = slots.indexOf(false);
  if (slot === -1) slot = slots.length;
  slots[slot] = true;
  let wire: AzuriteWire;
  try {
    // Per process: test files use fixed container names and set account-wide CORS rules.
    wire = await useShared<AzuriteWire>('azurite', { https: String(options.https === true), slot: String(slot) }, true);
  } catch (error) {
    slots[slot] = false;
    throw error;
  }
  let released = false;
  const stop = async () => {
    if (released) return;
    released = true;
    await wipe(wire);
    slots[slot] = false;
  };
  return { ...wire, stop };
}
