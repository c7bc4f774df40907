// The demo server: an app of the upload router (src/router/) with one route for the demo's
// uploads, the demo page with the built upgrant/client modules it imports, and (on the local
// provider) the receiver, under /storage or the path UPGRANT_PUBLIC_URL names, all on one port.
// Plain node:http: nothing here needs a framework, and the page needs no bundler (see page.ts).
//   GET  /                      the page
//   GET  /api/info              -> { provider, bucket [, maxUploadSize] }
//   POST /api/uploads[/complete|/verify|/abort|/parts|/download]   the router's wire protocol (docs/routes.md)
//   GET  /healthz               -> { ok: true }
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type RequestListener, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverTimeouts } from '../../drivers/local/listen.js';
import type { LocalRequestHandler } from '../../drivers/local/receiver.js';
import { createUploadRouter, uploadRoute, type UploadRouter } from '../router/index.js';
import type { Presigner } from '../types.js';
import { CLIENT_PATH, demoPage, HASH_WASM_PATH } from './page.js';
import { LOCAL_MOUNT_PATH } from './serve-settings.js';

/** The router's base path on the demo, and its one route: POST /api/uploads, /api/uploads/verify, ... */
export const DEMO_API_BASE = '/api';
export const DEMO_ROUTE = 'uploads';
/** Keys the demo hands out, and the only ones it will sign downloads for. */
export const DEMO_PREFIX = 'uploads';

/** How the demo listens and what policy it applies, whatever it serves. */
export interface DemoListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /**
   * Largest file the demo's route grants, in bytes: a bigger one is refused at grant time (413
   * too-large, field size), and /api/info advertises it so the page says so before asking.
   * (`upgrant serve --max-size` also gives it to the presigner as PolicyOptions.maxSize.)
   */
  maxUploadSize?: number;
  /** Sizes above this get multipart grants (default the router's, 64 MiB). */
  multipartThreshold?: number;
  /**
   * Host header values answered (host or host:port, any case); others get 421, so a page on
   * another name (DNS rebinding) cannot drive the demo. Always allowed: the bound address and,
   * for a loopback bind, localhost / 127.0.0.1 / [::1] on the port, plus `publicUrl`'s host.
   */
  allowedHosts?: readonly string[];
  /** The URL clients reach the storage by (UPGRANT_PUBLIC_URL); its host is allowed. */
  publicUrl?: string;
  /** Milliseconds a client has to send its request headers (default 20 000). */
  headersTimeoutMs?: number;
  /** Milliseconds a request (JSON or upload) body may stay silent before the connection is cut (default 60 000). */
  bodyIdleTimeoutMs?: number;
  /** Grant HTML, SVG, XML and JavaScript uploads (refused by default). */
  allowActiveContent?: boolean;
}

/** What the demo serves: the presigner behind its upload route, and on the local provider the receiver. */
export interface DemoBackend {
  presigner: Presigner;
  /** The local receiver, given the requests under `localPrefix`. */
  localHandler?: LocalRequestHandler;
  /** Path prefix of the receiver's requests, ending in "/" (default "/storage/"). */
  localPrefix?: string;
}

export interface DemoServerOptions extends DemoListenOptions, DemoBackend {}

export interface DemoServer {
  /** The server's own address, reachable from this machine (a wildcard host becomes loopback). */
  readonly url: string;
  close(): Promise<void>;
}

/** Paths the demo itself answers; a receiver prefix must stay clear of them. */
export const DEMO_PATHS: readonly string[] = ['/api/', '/assets/', '/healthz'];

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // 'self' for the client modules; 'wasm-unsafe-eval' for hash-wasm; connect-src * because the
  // page uploads straight to the storage's own origin.
  'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; connect-src *; img-src 'self' data:",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  return startDemoServerFor(options, async () => options);
}

/**
 * Listen first, then build what to serve from the address really bound (`--port 0` grants for
 * the port the system chose). A backend that fails closes the server again.
 */
export async function startDemoServerFor(options: DemoListenOptions, backend: (url: string) => Promise<DemoBackend>): Promise<DemoServer> {
  let handle: RequestListener | undefined;
  let served: DemoBackend | undefined;
  const hosts = new Set<string>();
  const server = createServer(serverTimeouts(options.headersTimeoutMs), (req, res) => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!hosts.has(host)) {
      res.setHeader('connection', 'close');
      send(res, 421, { error: { code: 'misdirected', message: 'this server does not answer for that Host; allow it with UPGRANT_ALLOWED_HOSTS' } });
      return;
    }
    if (handle) handle(req, res);
    else send(res, 503, { error: { code: 'starting', message: 'the demo is starting' } });
  });
  // Sockets silent this long are closed (the router's JSON bodies; the receiver sets its own per upload).
  server.timeout = options.bodyIdleTimeoutMs ?? DEFAULT_IDLE_MS;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  for (const allowed of defaultHosts(host, port, options.publicUrl)) hosts.add(allowed);
  for (const allowed of options.allowedHosts ?? []) hosts.add(allowed.toLowerCase());
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      served?.localHandler?.close();
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  const url = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  try {
    served = await backend(url);
    handle = demoHandler(options, served, hosts);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, close };
}

function demoHandler(options: DemoListenOptions, backend: DemoBackend, hosts: ReadonlySet<string>): RequestListener {
  const { localHandler, presigner } = backend;
  const localPrefix = backend.localPrefix ?? `${LOCAL_MOUNT_PATH}/`;
  const router = demoRouter(options, presigner, hosts);
  const page = demoPage();
  const assets = new Assets();
  const info = { provider: presigner.provider, bucket: presigner.bucket, ...(options.maxUploadSize === undefined ? {} : { maxUploadSize: options.maxUploadSize }) };
  return (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://demo').pathname;
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (localHandler && (pathname.startsWith(localPrefix) || pathname === localPrefix.slice(0, -1))) {
      void localHandler(req, res);
    } else if (pathname === '/api/info' && req.method === 'GET') {
      send(res, 200, info);
    } else if (pathname.startsWith(`${DEMO_API_BASE}/`)) {
      void router.node(req, res);
    } else if (pathname === '/' && read) {
      res.writeHead(200, PAGE_HEADERS);
      res.end(req.method === 'HEAD' ? undefined : page);
    } else if (read && (pathname.startsWith(CLIENT_PATH) || pathname === HASH_WASM_PATH)) {
      void assets.serve(pathname, res, req.method === 'HEAD');
    } else if (pathname === '/healthz') {
      send(res, 200, { ok: true });
    } else {
      send(res, 404, { error: { code: 'not-found', message: `nothing at ${pathname}` } });
    }
  };
}

/**
 * The demo's one upload route. Its policy: the demo's size limit, any valid type but active
 * content (unless allowActiveContent), keys under DEMO_PREFIX, staging as the presigner is
 * configured (UPGRANT_STAGING), multipart above the threshold.
 */
function demoRouter(options: DemoListenOptions, presigner: Presigner, hosts: ReadonlySet<string>): UploadRouter {
  const uploads = uploadRoute({
    key: `${DEMO_PREFIX}/{id}/{filename}`,
    ...(options.maxUploadSize === undefined ? {} : { maxSize: options.maxUploadSize }),
    ...(options.multipartThreshold === undefined ? {} : { multipartThreshold: options.multipartThreshold }),
    ...(options.allowActiveContent ? { allowActiveContent: true } : {}),
    // The demo has no users: whoever reaches it may read back what it stored, as the page does.
    download: ({ key }) => key.startsWith(`${DEMO_PREFIX}/`),
  });
  return createUploadRouter({
    presigner,
    basePath: DEMO_API_BASE,
    routes: { [DEMO_ROUTE]: uploads },
    // The demo has no users, so there is nobody to sign in: every request the Host allow-list let
    // through is allowed, except one a page on another origin sends (no CORS is answered either,
    // so such a page could not read the grant; refusing it also stops it from spending grants).
    authorize: (request) => (sameOrigin(request.headers.get('origin'), hosts) ? {} : false),
    onError: (error) => console.error('upgrant demo server:', error),
  });
}

/** No Origin (curl, a script) or the demo's own (its page): the Host allow-list decides the rest. */
function sameOrigin(origin: string | null, hosts: ReadonlySet<string>): boolean {
  if (origin === null) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && hosts.has(url.host.toLowerCase());
  } catch {
    return false;
  }
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const DEFAULT_IDLE_MS = 60_000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1', '0.0.0.0', '::']);

/**
 * Host header values for the bound address (the loopback names when bound to loopback or to every
 * interface, where other names must be listed in allowedHosts) and the public URL.
 */
function defaultHosts(host: string, port: number, publicUrl: string | undefined): string[] {
  const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);
  const names = LOOPBACK.has(host) ? ['127.0.0.1', 'localhost', '[::1]'] : [bracket(host.toLowerCase())];
  const out = names.map((name) => `${name}:${port}`);
  // A client on the default port may leave it out.
  if (port === 80) out.push(...names);
  if (publicUrl) {
    const url = new URL(publicUrl);
    out.push(url.host.toLowerCase());
  }
  return out;
}

/**
 * The browser modules: dist/src/client/*.js (found next to this file when it runs built, else in
 * the checkout's dist/ when it runs from source under tsx) and hash-wasm's ES module build.
 */
class Assets {
  readonly #clientDir: string | undefined;
  readonly #hashWasm: string | undefined;

  constructor() {
    const here = path.dirname(fileURLToPath(import.meta.url));
    this.#clientDir = [path.join(here, '../client'), path.join(here, '../../dist/src/client')].find((dir) => existsSync(path.join(dir, 'index.js')));
    try {
      const main = createRequire(import.meta.url).resolve('hash-wasm');
      const esm = path.join(path.dirname(main), 'index.esm.min.js');
      this.#hashWasm = existsSync(esm) ? esm : undefined;
    } catch {
      this.#hashWasm = undefined;
    }
  }

  async serve(pathname: string, res: ServerResponse, headOnly: boolean): Promise<void> {
    let file: string | undefined;
    if (pathname === HASH_WASM_PATH) {
      file = this.#hashWasm;
      if (!file) return send(res, 404, { error: { code: 'not-found', message: 'hash-wasm is not installed (npm install hash-wasm): MD5 and streamed SHA-256 need it' } });
    } else {
      const name = pathname.slice(CLIENT_PATH.length);
      // A flat allow-list of names: no path can climb out of the directory.
      if (!/^[a-z][a-z0-9-]*\.js(\.map)?$/.test(name)) return send(res, 404, { error: { code: 'not-found', message: `nothing at ${pathname}` } });
      if (!this.#clientDir) return send(res, 404, { error: { code: 'not-found', message: 'upgrant/client is not built: run npm run build' } });
      file = path.join(this.#clientDir, name);
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return send(res, 404, { error: { code: 'not-found', message: `nothing at ${pathname}` } });
    }
    res.writeHead(200, {
      'content-type': file.endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(headOnly ? undefined : body);
  }
}
