// The node:http adapter, also for frameworks built on it:
// - Express: `app.use(router.node)` or `app.use('/api/upload', router.node)`; Express strips the
//   mount path from req.url and keeps the full one in req.originalUrl, which is what we route on;
//   a body parsed by express.json() is used as it is.
// - Fastify: `fastify.all('/api/upload/*', (req, reply) => { reply.hijack(); return router.node(req.raw, reply.raw); })`.
// - Koa: `app.use((ctx, next) => { ctx.respond = false; return router.node(ctx.req, ctx.res, next); })`.
// Paths outside the base path go to `next` when given, else get a JSON 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readNodeBody, type NodeBodyStream } from './body.js';
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
        readBody: (limit) => readNodeBody(req as unknown as NodeBodyStream, limit, declared === undefined ? undefined : Number(declared)),
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
    if (answer.status === 204) {
      res.writeHead(204, answer.headers);
      res.end();
      return;
    }
    // Encoded once: its length is the header, the same bytes are sent.
    const body = Buffer.from(answer.body, 'utf8');
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.byteLength) });
    res.end(body);
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
  // The Request copies its init's headers into its own Headers: hand it node's record (or pairs,
  // where a header came as a list) rather than fill a Headers object that is then copied again.
  const headers = headersInit(req.headers);
  const method = req.method ?? 'GET';
  // An origin-form target resolves against the host by concatenation: one URL parse (the
  // Request's own) instead of two. Anything else, or a host the parse refuses, takes the long way.
  if (target.startsWith('/') && !target.startsWith('//')) {
    try {
      return new Request(`http://${req.headers.host ?? 'localhost'}${target}`, { method, headers });
    } catch {
      // fall through: the same resolution as before, with its fallback
    }
  }
  let url: URL;
  try {
    url = new URL(target, `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    url = new URL(target.startsWith('/') ? target : '/', 'http://localhost');
  }
  return new Request(url, { method, headers });
}

function headersInit(incoming: IncomingMessage['headers']): Record<string, string> | [string, string][] {
  let list = false;
  for (const name in incoming) {
    if (typeof incoming[name] !== 'string') {
      list = true;
      break;
    }
  }
  if (!list) return incoming as Record<string, string>;
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([name, v]);
  }
  return pairs;
}
