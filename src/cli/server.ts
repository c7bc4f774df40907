// The demo server: the JSON API, the demo page, and (on the local provider) the receiver mounted
// under /storage, all on one port. Plain node:http: nothing here needs a framework.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalRequestHandler } from '../../drivers/local/receiver.js';
import { LOCAL_MOUNT_PATH } from '../config.js';
import type { Presigner } from '../types.js';
import { handleApi, send } from './api.js';
import { demoPage } from './page.js';

export interface DemoServerOptions {
  presigner: Presigner;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** The local receiver, mounted under /storage when the provider is local. */
  localHandler?: LocalRequestHandler;
}

export interface DemoServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const { presigner, localHandler } = options;
  const page = demoPage();
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://demo').pathname;
    if (localHandler && (pathname === LOCAL_MOUNT_PATH || pathname.startsWith(`${LOCAL_MOUNT_PATH}/`))) {
      void localHandler(req, res);
    } else if (pathname.startsWith('/api/')) {
      void handleApi(presigner, req, res, pathname);
    } else if (pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src *; img-src 'self' data:",
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : page);
    } else if (pathname === '/healthz') {
      send(res, 200, { ok: true });
    } else {
      send(res, 404, { error: { code: 'not-found', message: `nothing at ${pathname}` } });
    }
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
