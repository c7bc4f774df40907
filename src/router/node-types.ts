// The node:http request and response as the router's public types name them: only the members the
// adapter uses, so `upgrant` and `upgrant/client` type-check in projects without @types/node (a
// browser app importing the typed client). node:http's IncomingMessage and ServerResponse, and the
// objects Express, Fastify (raw) and Koa hand over, fit these shapes.

export interface NodeRequest extends AsyncIterable<unknown> {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: { readonly [name: string]: string | string[] | undefined };
}

export interface NodeResponse {
  setHeader(name: string, value: string): unknown;
  writeHead(status: number, headers?: Record<string, string>): unknown;
  end(body?: string | Uint8Array): unknown;
}

/** Express/Koa's next: called for paths outside the router's base path. */
export type NextFunction = (error?: unknown) => unknown;
