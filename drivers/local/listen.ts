// listenLocal: the receiver on its own HTTP server, with a presigner that signs for it. The
// quickest way to get a working upload target in tests, scripts and the demo.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidRequestError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { PolicyOptions, Presigner } from '../../src/types.js';
import { LocalDriver } from './driver.js';
import { localRequestHandler, type LocalReceiverOptions } from './receiver.js';

/** Default milliseconds a client has to send its request headers. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 20_000;

export interface ListenLocalOptions extends Omit<PolicyOptions, 'secret'> {
  root: string;
  secret: string;
  /** Milliseconds a request body may stay silent (default 60 000). */
  bodyIdleTimeoutMs?: number;
  /** Milliseconds a client has to send its request headers (default 20 000). */
  headersTimeoutMs?: number;
  /** Milliseconds between sweeps of stale temporary files (default one hour). */
  sweepIntervalMs?: number;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  bucket?: string;
  corsOrigins?: readonly string[];
  /** The receiver's "object created" hook (see LocalReceiverOptions.onUpload). */
  onUpload?: LocalReceiverOptions['onUpload'];
}

export interface LocalReceiver {
  /** e.g. http://127.0.0.1:41234 */
  readonly baseUrl: string;
  readonly presigner: Presigner;
  readonly server: Server;
  close(): Promise<void>;
}

export async function listenLocal(options: ListenLocalOptions): Promise<LocalReceiver> {
  const host = options.host ?? '127.0.0.1';
  const handler = localRequestHandler(options);
  const server = createServer(serverTimeouts(options.headersTimeoutMs), (req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const driver = new LocalDriver({ ...options, baseUrl });
  const presigner = new PortablePresigner(driver, options);
  return {
    baseUrl,
    presigner,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        handler.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * Server options for a receiver: a headers timeout, and no limit on the whole request, since a
 * large upload may take hours; a silent body is cut by the receiver's idle timeout instead.
 * node:http looks for late headers only every connectionsCheckingInterval (30 s by default), so
 * it is a tenth of the timeout: a client is cut within 110% of the time it was given.
 */
export function serverTimeouts(headersTimeoutMs = DEFAULT_HEADERS_TIMEOUT_MS): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  if (!Number.isFinite(headersTimeoutMs) || headersTimeoutMs <= 0) throw new InvalidRequestError('headersTimeoutMs', 'must be a positive number of milliseconds');
  return { headersTimeout: headersTimeoutMs, requestTimeout: 0, connectionsCheckingInterval: Math.min(30_000, Math.max(5, Math.floor(headersTimeoutMs / 10))) };
}
