// Serves the router test pages from an origin of their own: `/?entry=<name>` loads
// test/e2e/router-page/<name>.ts bundled with esbuild (upgrant/client from the sources, Uppy from
// node_modules, as an app's bundler would take the packages).
import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface PageServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** Each entry is bundled once per process, whichever describe serves it. */
const bundles = new Map<string, Promise<string>>();

function bundle(entry: string): Promise<string> {
  let text = bundles.get(entry);
  if (!text) {
    text = build({
      entryPoints: [path.resolve('test/e2e/router-page', `${entry}.ts`)],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    }).then((bundled) => bundled.outputFiles[0]!.text);
    bundles.set(entry, text);
  }
  return text;
}

export async function servePage(entries: readonly string[]): Promise<PageServer> {
  const scripts = new Map<string, string>(await Promise.all(entries.map(async (entry) => [`/${entry}.js`, await bundle(entry)] as const)));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://page');
    const script = scripts.get(url.pathname);
    const entry = url.searchParams.get('entry') ?? entries[0]!;
    const body = script ?? `<!doctype html><meta charset="utf-8"><title>upgrant router test</title><body><script type="module" src="/${encodeURIComponent(entry)}.js"></script></body>`;
    res.writeHead(200, { 'content-type': script ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8', 'cache-control': 'no-store' });
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
