// Serves the router test page from an origin of its own: the HTML and the page script bundled
// with esbuild from test/e2e/router-page/<entry>.ts (upgrant/client from the sources, as an app's
// bundler would take the package).
import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface PageServer {
  readonly origin: string;
  close(): Promise<void>;
}

export async function servePage(entry: string): Promise<PageServer> {
  const bundled = await build({
    entryPoints: [path.resolve('test/e2e/router-page', entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const script = bundled.outputFiles[0]!.text;
  const html = '<!doctype html><meta charset="utf-8"><title>upgrant router test</title><body><script type="module" src="/page.js"></script></body>';
  const server: Server = createServer((req, res) => {
    const isScript = req.url === '/page.js';
    const body = isScript ? script : html;
    res.writeHead(200, { 'content-type': isScript ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
