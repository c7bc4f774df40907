// listenLocal: the receiver on its own HTTP server, with a presigner that signs for it. The
// quickest way to get a working upload target in tests, scripts and the demo.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PortablePresigner } from '../../src/presigner.js';
import type { PolicyOptions, Presigner } from '../../src/types.js';
import { LocalDriver } from './driver.js';
import { localRequestHandler, type LocalReceiverOptions } from './receiver.js';

export interface ListenLocalOptions extends Omit<PolicyOptions, 'secret'> {
  root: string;
  secret: string;
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
  const server = createServer((req, res) => void handler(req, res));
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
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
