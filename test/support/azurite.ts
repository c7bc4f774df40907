// Start and stop Azurite's blob service for a test file: a free loopback port from the OS,
// in-memory persistence, a throwaway location under os.tmpdir(), telemetry always off.
// Optionally HTTPS with a self-signed certificate made here with openssl, and `--oauth basic`
// (needed for user delegation SAS).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

export { freePort };

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

/** Whether a missing emulator must fail instead of skip. */
export function emulatorsRequired(): boolean {
  return process.env.CI === 'true' || process.env.UPGRANT_REQUIRE_EMULATORS === '1';
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

function waitForPort(port: number, child: ChildProcess, output: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let exited = false;
    child.once('exit', (code, signal) => {
      exited = true;
      reject(new Error(`azurite-blob exited during start (code ${code}, signal ${signal}): ${output()}`));
    });
    const attempt = () => {
      if (exited) return;
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`azurite-blob did not listen on port ${port} within ${timeoutMs} ms: ${output()}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** Start Azurite; throws a clear error when it cannot start. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const location = await mkdtemp(path.join(os.tmpdir(), 'upgrant-azurite-'));
  const port = await freePort();
  const args = ['--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--disableTelemetry', '--silent'];
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
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await rm(location, { recursive: true, force: true });
  };
  try {
    if (child.pid === undefined) throw new Error(`could not spawn ${BIN}`);
    await waitForPort(port, child, () => output);
  } catch (error) {
    await stop();
    throw new Error(`Azurite failed to start: ${(error as Error).message}`);
  }
  const scheme = options.https ? 'https' : 'http';
  const endpoint = `${scheme}://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    endpoint,
    connectionString: `DefaultEndpointsProtocol=${scheme};AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
    pid: child.pid as number,
    ...(ca ? { ca } : {}),
    stop,
  };
}
