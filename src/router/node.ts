// The node:http adapter, also for frameworks built on it:
// - Express: `app.use(router.node)` or `app.use('/api/upload', router.node)`; Express strips the
//   mount path from req.url and keeps the full one in req.originalUrl, which is what we route on;
//   a body parsed by express.json() is used as it is.
// - Fastify: `fastify.all('/api/upload/*', (req, reply) => { reply.hijack(); return router.node(req.raw, reply.raw); })`.
// - Koa: `app.use((ctx, next) => { ctx.respond = false; return router.node(ctx.req, ctx.res, next); })`.
// Paths outside the base path go to `next` when given, else get a JSON 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collect } from './body.js';
import type { CoreRequest, CoreResponse } from './router.js';

import type { NextFunction } from './node-types.js';

export type { NextFunction };

type FrameworkRequest = IncomingMessage & { originalUrl?: string; body?: unknown };

export function nodeHandler(handle: (input: CoreRequest) => Promise<CoreResponse | undefined>): (req: IncomingMessage, res: ServerResponse, next?: NextFunction) => Promise<void> {
  return async (req: FrameworkRequest, res, next) => {
    const target = req.originalUrl ?? req.url ?? '/';
    const query = target.indexOf('?');
    const pathname = query === -1 ? target : target.slice(0, query);
    const declared = req.headers['content-length'];
    let answer: CoreResponse | undefined;
    try {
      answer = await handle({
        method: req.method ?? 'GET',
        pathname,
        origin: header(req, 'origin'),
        contentType: header(req, 'content-type'),
        readBody: (limit) => collect(req as AsyncIterable<Uint8Array>, limit, declared === undefined ? undefined : Number(declared)),
        ...(isParsed(req.body) ? { parsedBody: req.body } : {}),
        request: () => toRequest(req, target),
        native: { node: req },
      });
    } catch (error) {
      if (next) {
        next(error);
        return;
      }
      throw error;
    }
    if (!answer) {
      if (next) {
        next();
        return;
      }
      answer = { status: 404, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ error: { code: 'not-found', message: 'no upload route here' } }) };
    }
    // A refused body may be left unread: close the connection rather than read what we refused.
    if (answer.status === 413) res.setHeader('connection', 'close');
    res.writeHead(answer.status, { ...answer.headers, ...(answer.status === 204 ? {} : { 'content-length': String(Buffer.byteLength(answer.body)) }) });
    res.end(answer.status === 204 ? undefined : answer.body);
  };
}

/** Body parsers leave `{}` for requests they did not parse (wrong type): only a non-empty object counts. */
function isParsed(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && Object.keys(body).length > 0;
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

function toRequest(req: IncomingMessage, target: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  let url: URL;
  try {
    url = new URL(target, `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    url = new URL(target.startsWith('/') ? target : '/', 'http://localhost');
  }
  return new Request(url, { method: req.method ?? 'GET', headers });
}
