// The Fetch API adapter: a Request in, a Response out (Hono, Next.js route handlers, Bun, Deno,
// Workers). A path outside the base path gets a JSON 404: a Fetch handler has no "next".
import { collect } from './body.js';
import type { CoreRequest, CoreResponse } from './router.js';

export function fetchHandler(handle: (input: CoreRequest) => Promise<CoreResponse | undefined>): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const declared = request.headers.get('content-length');
    const answer = await handle({
      method: request.method,
      pathname: url.pathname,
      origin: request.headers.get('origin'),
      contentType: request.headers.get('content-type'),
      readBody: (limit) => collect((request.body as AsyncIterable<Uint8Array> | null) ?? emptyBody(), limit, declared === null ? undefined : Number(declared)),
      request: () => request,
      native: {},
    });
    if (!answer) return Response.json({ error: { code: 'not-found', message: 'no upload route here' } }, { status: 404 });
    return new Response(answer.status === 204 ? null : answer.body, { status: answer.status, headers: answer.headers });
  };
}

async function* emptyBody(): AsyncIterable<Uint8Array> {}
