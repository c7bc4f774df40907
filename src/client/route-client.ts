// createUploadClient: the typed client of upload routes (src/router/). Route names and metadata
// are checked against the router's type: `createUploadClient<typeof router>(...)` makes a
// misspelled route a compile error. One call asks for a grant, sends the file (single or
// multipart, with uploadWithGrant's retries and abort), then completes/verifies it. A multipart
// upload is remembered (grant and parts done) in a Storage, localStorage by default, so after a
// page reload the same file resumes: the server lists the parts the storage already has.
import type { RouteMap, UploadRouter } from '../router/router.js';
import type { UploadRoute, UploadContext } from '../router/route.js';
import type { VerifiedObject } from '../types.js';
import { sha256Base64 } from './checksum.js';
import { isMultipartGrant, type DonePart, type MultipartClientGrant, type MultipartOptions } from './multipart.js';
import { uploadWithGrant, type ClientGrant, type UploadOptions } from './upload.js';

/** A router's route names. */
export type RouteNameOf<TRouter> = TRouter extends UploadRouter<infer TRoutes, UploadContext> ? keyof TRoutes & string : never;
/** The metadata a route takes (undefined when it takes none). */
export type RouteMetadataOf<TRouter, TName extends string> = TRouter extends UploadRouter<infer TRoutes extends RouteMap, UploadContext>
  ? TRoutes[TName] extends UploadRoute<never, infer M>
    ? M
    : undefined
  : never;

/** Where multipart uploads are remembered across reloads (localStorage fits). */
export interface ResumeStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface UploadClientOptions {
  /** The router's base URL, e.g. '/api/upload' or 'https://api.example/api/upload'. */
  url: string;
  /** Sent with every call to the router (e.g. authorization); a function is asked each time. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** For cookies on another origin: 'include'. */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** Default: localStorage where there is one; null: no resume across reloads. */
  resumeStore?: ResumeStore | null;
}

export type RouteUploadOptions<TMetadata> = Omit<UploadOptions, 'filename'> &
  Pick<MultipartOptions, 'concurrency'> & {
    /** Sealed with the grant, checked by the route's metadata parser. */
    metadata?: TMetadata;
    /** File name when the blob is not a File. */
    filename?: string;
  };

export interface RouteUploadResult {
  /** The stored object, verified by the server. */
  readonly object: VerifiedObject;
  readonly key: string;
  /** True when a multipart upload continued one started before (e.g. before a reload). */
  readonly resumed: boolean;
}

export interface UploadClient<TRouter> {
  upload<TName extends RouteNameOf<TRouter>>(route: TName, file: Blob, options?: RouteUploadOptions<RouteMetadataOf<TRouter, TName>>): Promise<RouteUploadResult>;
}

/** A refusal from the router: `code` and `field` as the wire protocol gives them (docs/routes.md). */
export class UploadRouteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'UploadRouteError';
  }
}

interface RouteGrant {
  readonly token: string;
  readonly key: string;
  readonly expiresAt: string;
}
type AnyGrant = RouteGrant & (ClientGrant | MultipartClientGrant);

interface Saved {
  readonly grant: RouteGrant & MultipartClientGrant;
  readonly done: readonly DonePart[];
}

export function createUploadClient<TRouter extends UploadRouter<RouteMap, UploadContext>>(options: UploadClientOptions): UploadClient<TRouter> {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const store = options.resumeStore === undefined ? defaultStore() : options.resumeStore;

  async function call<T>(route: string, action: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    const extra = typeof options.headers === 'function' ? await options.headers() : (options.headers ?? {});
    const response = await doFetch(`${base}/${encodeURIComponent(route)}${action ? `/${action}` : ''}`, {
      method: 'POST',
      headers: { ...extra, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
      throw new UploadRouteError(response.status, error?.code ?? response.headers.get('x-upgrant-error') ?? 'unknown', error?.message ?? `the upload service answered ${response.status}`, error?.field);
    }
    return parsed as T;
  }

  async function grantFor(route: string, file: Blob, name: string, metadata: unknown, signal: AbortSignal | undefined): Promise<AnyGrant> {
    const request = { name, type: file.type || 'application/octet-stream', size: file.size, ...(metadata !== undefined ? { metadata } : {}) };
    try {
      return (await call<{ grant: AnyGrant }>(route, '', request, signal)).grant;
    } catch (error) {
      // The route wants the file's digest: compute it only then (it reads the whole file).
      if (!(error instanceof UploadRouteError) || error.code !== 'checksum-required') throw error;
      const sha256 = await sha256Base64(file, signal ? { signal } : {});
      return (await call<{ grant: AnyGrant }>(route, '', { ...request, sha256 }, signal)).grant;
    }
  }

  return {
    async upload(route, file, uploadOptions = {}) {
      const { metadata, signal, ...sendOptions } = uploadOptions;
      const name = typeof File === 'function' && file instanceof File ? file.name : (uploadOptions.filename ?? 'upload');
      const resumeKey = `upgrant:${base}:${route}:${name}:${file.size}:${typeof File === 'function' && file instanceof File ? file.lastModified : 0}`;
      const saved = readSaved(store, resumeKey);
      const grant: AnyGrant = saved?.grant ?? (await grantFor(route, file, name, metadata, signal));
      if (!isMultipartGrant(grant)) {
        await uploadWithGrant(grant, file, { ...sendOptions, ...(signal ? { signal } : {}), filename: name });
        const { object } = await call<{ object: VerifiedObject }>(route, 'verify', { token: grant.token }, signal);
        return { object, key: object.key, resumed: false };
      }
      const save = (done: readonly DonePart[]) => store?.setItem(resumeKey, JSON.stringify({ grant, done } satisfies Saved));
      save(saved?.done ?? []);
      let done: readonly DonePart[] = [];
      if (saved) done = await storedParts(route, grant.token, saved.done, signal);
      const result = await uploadWithGrant(grant, file, {
        ...sendOptions,
        ...(signal ? { signal } : {}),
        done,
        onPartDone: (_part, all) => save(all),
        abortOnServer: async () => {
          store?.removeItem(resumeKey);
          await call(route, 'abort', { token: grant.token }, undefined);
        },
      });
      const { object } = await call<{ object: VerifiedObject }>(route, 'complete', { token: grant.token, parts: result.parts }, signal);
      store?.removeItem(resumeKey);
      return { object, key: object.key, resumed: saved !== undefined };
    },
  };

  /** The parts the storage has (the server asks it); what was saved locally where it cannot say. */
  async function storedParts(route: string, token: string, local: readonly DonePart[], signal: AbortSignal | undefined): Promise<readonly DonePart[]> {
    try {
      const { parts } = await call<{ parts: { number: number; etag?: string }[] }>(route, 'parts', { token }, signal);
      return parts.map((p) => ({ number: p.number, etag: p.etag ?? local.find((l) => l.number === p.number)?.etag ?? '' }));
    } catch (error) {
      if (error instanceof UploadRouteError && error.code === 'not-found') return local;
      throw error;
    }
  }
}

function readSaved(store: ResumeStore | null, key: string): Saved | undefined {
  const text = store?.getItem(key);
  if (!text) return undefined;
  try {
    const saved = JSON.parse(text) as Saved;
    // A minute of margin: parts sent with a URL about to expire would fail half-way.
    if (Date.parse(saved.grant.expiresAt) - Date.now() > 60_000 && isMultipartGrant(saved.grant)) return saved;
  } catch {
    // A corrupt entry is dropped below.
  }
  store?.removeItem(key);
  return undefined;
}

function defaultStore(): ResumeStore | null {
  try {
    const storage = (globalThis as { localStorage?: ResumeStore }).localStorage;
    return storage ?? null;
  } catch {
    return null;
  }
}
