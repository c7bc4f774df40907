// The server under load, in its own process so autocannon does not share its event loop.
// argv: "demo" ROOT: the demo server (its upload route + local receiver), as `upgrant serve` builds it;
//       "router" ROOT: an upload router (one route, authorize answering a context) on node:http, local provider;
//       "peer" -: @better-upload/server's handler on node:http (its node adapter), one route the
//       same as the router's, S3 client config on a loopback address that is never contacted
//       (a single PUT grant is only signed); outgoing connections are counted and sent on stop;
//       "bare" BYTES: node:http answering every request with a 201 JSON body of BYTES bytes.
// Sends { url } over IPC once listening; stops on { stop: true } (answering { connections }).
import { RejectUpload, route, type Router } from '@better-upload/server';
import { toNodeHandler } from '@better-upload/server/adapters/node';
import { custom } from '@better-upload/server/clients';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localRequestHandler } from '../drivers/local/receiver.js';
import { startDemoServer } from '../src/cli/server.js';
import { LOCAL_MOUNT_PATH } from '../src/cli/serve-settings.js';
import { createPresigner } from '../src/create-presigner.js';
import { createUploadRouter, uploadRoute } from '../src/router/index.js';
import { installNetworkGuard } from './network-guard.js';

export const BENCH_SECRET = 'bench-endpoint-secret-0123456789abcdef';

async function demo(root: string): Promise<{ url: string; close(): Promise<void> }> {
  // The same wiring as `upgrant serve` on the local provider (src/cli/serve.ts).
  const presigner = await createPresigner({ provider: 'local', secret: BENCH_SECRET, root, baseUrl: `http://127.0.0.1:8787${LOCAL_MOUNT_PATH}` });
  const localHandler = localRequestHandler({ root, secret: BENCH_SECRET, basePath: LOCAL_MOUNT_PATH });
  const server = await startDemoServer({ presigner, localHandler });
  return { url: server.url, close: () => server.close() };
}

async function router(root: string): Promise<{ url: string; close(): Promise<void> }> {
  const presigner = await createPresigner({ provider: 'local', secret: BENCH_SECRET, root, baseUrl: `http://127.0.0.1:8787${LOCAL_MOUNT_PATH}` });
  const uploads = createUploadRouter({
    presigner,
    routes: { image: uploadRoute({ contentTypes: ['image/*'], maxSize: 5 * 1024 * 1024 }) },
    authorize: (request) => (request.headers.get('authorization') === 'Bearer bench' ? { userId: 'bench' } : null),
  });
  return listen((req, res) => void uploads.node(req, res));
}

async function peer(): Promise<{ url: string; close(): Promise<void> }> {
  // Port 9 (discard) on loopback: nothing listens, and a single PUT grant never connects.
  const client = custom({ host: '127.0.0.1:9', accessKeyId: 'BENCHPEERACCESSKEY01', secretAccessKey: 'bench-peer-secret-key-0123456789abcdef0123', region: 'us-east-1', secure: false, forcePathStyle: true });
  const router: Router = {
    client,
    bucketName: 'bench',
    routes: {
      image: route({
        fileTypes: ['image/*'],
        maxFileSize: 5 * 1024 * 1024,
        // The router's authorize, in the peer's hook: the same header read, the same refusal.
        onBeforeUpload: ({ req }) => {
          if (req.headers.get('authorization') !== 'Bearer bench') throw new RejectUpload('unauthorized');
          return { objectInfo: { key: `image/bench/${crypto.randomUUID()}/holiday-photo.jpg` } };
        },
      }),
    },
  };
  const handler = toNodeHandler(router) as unknown as RequestListener;
  return listen((req, res) => void handler(req, res));
}

async function listen(handler: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function bare(bytes: number): Promise<{ url: string; close(): Promise<void> }> {
  // A JSON body of the grant's size (a string of "x" in a JSON object), headers as the demo sends.
  const body = JSON.stringify({ padding: 'x'.repeat(Math.max(0, bytes - '{"padding":""}'.length)) });
  const server = createServer((req, res) => {
    // Read the request body as the demo does, then answer.
    req.resume();
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  const [mode, arg] = process.argv.slice(2);
  if (!process.send || !arg || (mode !== 'demo' && mode !== 'router' && mode !== 'peer' && mode !== 'bare')) throw new Error('usage: forked with demo ROOT | router ROOT | peer - | bare BYTES');
  // Installed before any server exists: every outgoing connection of this process is counted.
  const guard = installNetworkGuard();
  const server = mode === 'demo' ? await demo(arg) : mode === 'router' ? await router(arg) : mode === 'peer' ? await peer() : await bare(Number(arg));
  process.on('message', (message: { stop?: boolean }) => {
    if (message.stop) void server.close().then(() => process.send!({ connections: guard.connections, targets: guard.targets.slice(0, 5) }, () => process.disconnect()));
  });
  process.send({ url: server.url });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
