// createUploadRouter: the server side of upload routes. One core handler speaks the wire protocol
// (wire.ts) over a small request shape; fetch.ts and node.ts adapt the Fetch API and node:http
// (Express, Fastify, Koa) to it. Every endpoint runs `authorize` first: nothing is granted,
// completed or signed for a request it refuses.
import { InvalidRequestError, UploadRejectedError } from '../errors.js';
import type { GrantContext, Presigner, UploadedPart, VerifiedObject } from '../types.js';
import { validateOrigin } from '../validate.js';
import { BODY_LIMITS, checkJsonType, parseJsonObject, type BodyReader, type Json } from './body.js';
import { makeCors, type CorsOptions } from './cors.js';
import { envelopeOf, peekRoute } from './envelope.js';
import { fetchHandler } from './fetch.js';
import { grantFiles } from './grant.js';
import { nodeHandler } from './node.js';
import type { NextFunction, NodeRequest, NodeResponse } from './node-types.js';
import { Once } from './once.js';
import type { UploadContext, UploadRoute } from './route.js';
import { ERROR_HEADER, errorAnswer, RouterError } from './wire.js';

/** Any route map; the exact type is kept as the router's type parameter for the typed client. */
export type RouteMap = { readonly [name: string]: { readonly kind: 'upgrant-route' } };

export type RouteAction = 'grant' | 'complete' | 'abort' | 'verify' | 'parts' | 'download';
const ACTIONS: ReadonlySet<string> = new Set(['complete', 'abort', 'verify', 'parts', 'download']);

/** The framework's own request, for authorize (Express's req.user, a Koa ctx's state, ...). */
export interface NativeRequest {
  readonly node?: NodeRequest;
}

export interface AuthorizeInfo<TRoutes extends RouteMap> {
  readonly route: keyof TRoutes & string;
  readonly action: RouteAction;
  readonly native: NativeRequest;
}

export interface UploadedEvent<TRoutes extends RouteMap, TContext extends UploadContext> {
  readonly route: keyof TRoutes & string;
  readonly object: VerifiedObject;
  readonly context: TContext;
  readonly metadata?: GrantContext;
}

export interface RejectedEvent<TRoutes extends RouteMap, TContext extends UploadContext> {
  readonly route: keyof TRoutes & string;
  readonly error: UploadRejectedError;
  readonly context: TContext;
}

export interface UploadRouterOptions<TRoutes extends RouteMap, TContext extends UploadContext> {
  presigner: Presigner;
  routes: TRoutes;
  /**
   * Who is asking: return the context sealed with the grant (and handed to onUploaded), or refuse:
   * null/undefined -> 401, false -> 403, throw -> 401 (throw refuse(403, ...) to choose).
   */
  authorize: (request: Request, info: AuthorizeInfo<TRoutes>) => TContext | null | undefined | false | Promise<TContext | null | undefined | false>;
  /** Once per verified object, on this instance, whoever reported it (client, sweep, storage event). */
  onUploaded?: (event: UploadedEvent<TRoutes, TContext>) => void | Promise<void>;
  /** An object that broke its grant (already deleted). */
  onRejected?: (event: RejectedEvent<TRoutes, TContext>) => void | Promise<void>;
  cors?: CorsOptions;
  /** Default '/api/upload'. */
  basePath?: string;
  /** Unexpected errors (storage failures, bugs) go here, never to the client; default console.error. */
  onError?: (error: unknown) => void;
}

export interface UploadRouter<TRoutes extends RouteMap = RouteMap, TContext extends UploadContext = UploadContext> {
  readonly basePath: string;
  readonly routes: TRoutes;
  /** Fetch API handler: Hono, Next.js route handlers, Bun, Deno, Workers. */
  fetch(request: Request): Promise<Response>;
  /** node:http handler; under Express, Fastify (reply.raw) and Koa (ctx.req/ctx.res) too. `next` is called for paths outside basePath. */
  node(req: NodeRequest, res: NodeResponse, next?: NextFunction): Promise<void>;
  /**
   * Run onUploaded for an object verified elsewhere (a sweep, a storage event), at most once per
   * object on this instance. True when it ran; false when the object is not a route's or already done.
   */
  handleVerified(object: VerifiedObject): Promise<boolean>;
  /** Phantom: the context type, for the typed client. */
  readonly contextType?: TContext;
}

/** What the adapters hand the core. */
export interface CoreRequest {
  readonly method: string;
  readonly pathname: string;
  readonly origin: string | null;
  readonly contentType: string | null;
  readonly readBody: BodyReader;
  /** A body a framework already parsed (express.json()). */
  readonly parsedBody?: unknown;
  /** The request as a Fetch Request, made only when authorize runs. */
  readonly request: () => Request;
  readonly native: NativeRequest;
}

export interface CoreResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Refuse from authorize with a chosen status. */
export function refuse(status: 401 | 403, message?: string): RouterError {
  return status === 401 ? new RouterError(401, 'unauthorized', message ?? 'sign in to upload') : new RouterError(403, 'forbidden', message ?? 'not allowed to upload here');
}

type AnyRoute = UploadRoute<UploadContext, GrantContext | undefined>;

export function createUploadRouter<TRoutes extends RouteMap, TContext extends UploadContext = UploadContext>(options: UploadRouterOptions<TRoutes, TContext>): UploadRouter<TRoutes, TContext> {
  const basePath = checkBasePath(options.basePath ?? '/api/upload');
  const cors = makeCors(options.cors);
  const routes = new Map<string, AnyRoute>();
  for (const [name, route] of Object.entries(options.routes)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name) || ACTIONS.has(name)) throw new InvalidRequestError(`routes.${name}`, 'a route name is 1-64 letters, digits, "-" or "_" and not an action name');
    if (route?.kind !== 'upgrant-route') throw new InvalidRequestError(`routes.${name}`, 'must be made with uploadRoute()');
    routes.set(name, route as unknown as AnyRoute);
  }
  const { presigner } = options;
  const onError = options.onError ?? ((error: unknown) => console.error('upgrant router:', error));
  const once = new Once();

  async function uploaded(object: VerifiedObject): Promise<boolean> {
    const sealed = envelopeOf(object);
    if (!sealed || !routes.has(sealed.upgrantRoute)) return false;
    return once.run(`${object.bucket}\u0000${object.key}`, async () => {
      await options.onUploaded?.({
        route: sealed.upgrantRoute,
        object,
        context: sealed.context as TContext,
        ...(sealed.metadata !== undefined ? { metadata: sealed.metadata } : {}),
      });
    });
  }

  async function verify(name: string, token: unknown, context: UploadContext): Promise<VerifiedObject> {
    try {
      const object = await presigner.verifyUpload(token as string);
      if (envelopeOf(object)?.upgrantRoute !== name) throw wrongRoute();
      await uploaded(object);
      return object;
    } catch (error) {
      if (error instanceof UploadRejectedError) await options.onRejected?.({ route: name, error, context: context as TContext });
      throw error;
    }
  }

  async function action(name: string, route: AnyRoute, act: RouteAction, body: Json, context: UploadContext, origin: string | null): Promise<[number, unknown]> {
    if (act === 'grant') return [201, await grantFiles({ presigner, name, route, context, body, origin: pageOrigin(origin) })];
    const token = body['token'];
    if (act === 'download' && token === undefined) {
      const key = body['key'];
      if (typeof key !== 'string') throw new InvalidRequestError('key', 'give the grant token, or a key this route lets you download');
      if (!(await route.options.download?.({ key, context }))) throw refuse(403, 'not allowed to download this object');
      return [200, await presigner.createDownloadGrant({ key, filename: key.split('/').pop() ?? 'download' })];
    }
    // Refuse another route's token before anything is done with it (verify may delete an object);
    // verify() checks the route again on the MAC-checked context.
    if (peekRoute(token) !== name) throw wrongRoute();
    switch (act) {
      case 'verify':
        return [200, { object: await verify(name, token, context) }];
      case 'complete':
        await presigner.completeMultipartUpload(token as string, body['parts'] as UploadedPart[]);
        return [200, { object: await verify(name, token, context) }];
      case 'abort':
        await presigner.abortMultipartUpload(token as string);
        return [200, { aborted: true }];
      case 'parts':
        return [200, { parts: await listParts(presigner, token as string) }];
      case 'download': {
        const object = await verify(name, token, context);
        return [200, await presigner.createDownloadGrant({ key: object.key, filename: object.key.split('/').pop() ?? 'download' })];
      }
    }
  }

  async function handle(input: CoreRequest): Promise<CoreResponse | undefined> {
    if (input.pathname !== basePath && !input.pathname.startsWith(`${basePath}/`)) return undefined;
    if (input.method === 'OPTIONS') return { status: 204, headers: cors.preflight(input.origin), body: '' };
    const headers = cors.headers(input.origin);
    try {
      const [name, act = 'grant', ...rest] = input.pathname.slice(basePath.length + 1).split('/');
      const route = name ? routes.get(name) : undefined;
      if (!name || !route || rest.length > 0 || (act !== 'grant' && !ACTIONS.has(act)) || act === 'grant' && input.pathname.endsWith('/grant')) {
        throw new RouterError(404, 'not-found', 'no upload route here');
      }
      if (input.method !== 'POST') {
        headers['allow'] = 'POST, OPTIONS';
        throw new RouterError(405, 'method-not-allowed', `${input.method} is not allowed here: POST`);
      }
      const context = await authorized(input, name as keyof TRoutes & string, act as RouteAction);
      const body = await readBody(input, act === 'grant' ? BODY_LIMITS.grant : act === 'complete' ? BODY_LIMITS.complete : BODY_LIMITS.other);
      const [status, payload] = await action(name, route, act as RouteAction, body, context, input.origin);
      return json(status, headers, payload);
    } catch (error) {
      const [status, payload] = errorAnswer(error, onError);
      return json(status, { ...headers, [ERROR_HEADER]: payload.error.code }, payload);
    }
  }

  async function authorized(input: CoreRequest, route: keyof TRoutes & string, act: RouteAction): Promise<UploadContext> {
    let context: TContext | null | undefined | false;
    try {
      context = await options.authorize(input.request(), { route, action: act, native: input.native });
    } catch (error) {
      if (error instanceof RouterError && (error.status === 401 || error.status === 403)) throw error;
      throw refuse(401);
    }
    if (context === false) throw refuse(403);
    if (context === null || context === undefined) throw refuse(401);
    if (typeof context !== 'object' || Array.isArray(context)) throw new TypeError('authorize must return a JSON object (the upload context), null or false');
    return context;
  }

  const router: UploadRouter<TRoutes, TContext> = {
    basePath,
    routes: options.routes,
    fetch: fetchHandler(handle),
    node: nodeHandler(handle),
    handleVerified: uploaded,
  };
  return router;
}

async function readBody(input: CoreRequest, limit: number): Promise<Json> {
  if (input.parsedBody !== undefined) {
    if (typeof input.parsedBody !== 'object' || input.parsedBody === null || Array.isArray(input.parsedBody)) throw new InvalidRequestError('body', 'must be a JSON object');
    return input.parsedBody as Json;
  }
  checkJsonType(input.contentType);
  return parseJsonObject(await input.readBody(limit));
}

async function listParts(presigner: Presigner, token: string): Promise<unknown> {
  const list = (presigner as Partial<{ listMultipartParts(token: string): Promise<unknown> }>).listMultipartParts;
  if (typeof list !== 'function') throw new RouterError(404, 'not-found', 'this presigner cannot list the parts of an upload');
  return list.call(presigner, token);
}

function wrongRoute(): RouterError {
  return new RouterError(400, 'wrong-route', 'this token was granted by another route', 'token');
}

function pageOrigin(origin: string | null): string | undefined {
  try {
    return validateOrigin(origin ?? undefined);
  } catch {
    return undefined;
  }
}

function json(status: number, headers: Record<string, string>, payload: unknown): CoreResponse {
  return {
    status,
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    body: JSON.stringify(payload),
  };
}

function checkBasePath(path: string): string {
  if (typeof path !== 'string' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(path)) throw new InvalidRequestError('basePath', 'must be a path such as /api/upload (no trailing slash)');
  return path;
}
