// The router's wire protocol: request and answer shapes (shared with upgrant/client as types) and
// how every error becomes `{ error: { code, message, field? } }` with the code also in the
// X-Upgrant-Error header, readable cross-origin. No stack trace or server path ever leaves here.
import {
  ConfigError,
  GrantExpiredError,
  InvalidRequestError,
  ObjectNotFoundError,
  ProviderError,
  UnsupportedConstraintError,
  UploadRejectedError,
} from '../errors.js';
import type { MultipartUploadGrant, UploadGrant, VerifiedObject, Violation } from '../types.js';

/** What a client asks for, per file. */
export interface WireFile {
  /** The original file name (made safe by the router; never trusted as a key). */
  readonly name: string;
  /** Content type. */
  readonly type: string;
  /** Exact size in bytes. */
  readonly size: number;
  /** Base64 SHA-256 or MD5 of the file. */
  readonly sha256?: string;
  readonly md5?: string;
}

/** `POST {basePath}/{route}`: one file (the fields of WireFile) or a batch (`files`). */
export type WireGrantRequest = (WireFile & { readonly metadata?: unknown }) | { readonly files: readonly WireFile[]; readonly metadata?: unknown };

/** A single-upload grant as the router hands it out: `headers` holds only headers a browser may set; the exact size is `contentLength`. */
export type WireSingleGrant = UploadGrant & {
  readonly route: string;
  /** The exact size the body must have (the storage checks the Content-Length the client sets from it). */
  readonly contentLength?: number;
};
export type WireMultipartGrant = MultipartUploadGrant & { readonly route: string };
export type WireGrant = WireSingleGrant | WireMultipartGrant;

export interface WireGrantAnswer {
  readonly grant: WireGrant;
}
export interface WireBatchAnswer {
  readonly grants: readonly WireGrant[];
}
export interface WireObjectAnswer {
  readonly object: VerifiedObject;
}
export interface WirePartsAnswer {
  readonly parts: readonly { readonly number: number; readonly size: number; readonly etag?: string }[];
}

/** Error codes the router itself answers with, besides the library's (invalid-request, upload-rejected, ...). */
export type RouterErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'unsupported-media-type'
  | 'payload-too-large'
  | 'content-type-not-allowed'
  | 'active-content-not-allowed'
  | 'too-large'
  | 'too-small'
  | 'checksum-required'
  | 'too-many-files'
  | 'wrong-route';

export class RouterError extends Error {
  constructor(
    readonly status: number,
    readonly code: RouterErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RouterError';
  }
}

export interface WireError {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string; readonly violations?: readonly Violation[] };
}

export const ERROR_HEADER = 'x-upgrant-error';

/** Status and body for anything a handler threw. `onUnexpected` sees what is not ours (for logs). */
export function errorAnswer(error: unknown, onUnexpected: (error: unknown) => void): [number, WireError] {
  const answer = (status: number, code: string, message: string, extra: Partial<WireError['error']> = {}): [number, WireError] => [status, { error: { code, message, ...extra } }];
  if (error instanceof RouterError) return answer(error.status, error.code, error.message, error.field ? { field: error.field } : {});
  if (error instanceof InvalidRequestError) return answer(400, error.code, error.message, { field: error.field });
  if (error instanceof UnsupportedConstraintError) return answer(400, error.code, error.message, { field: error.constraint });
  if (error instanceof UploadRejectedError) return answer(422, error.code, error.message, { violations: error.violations });
  if (error instanceof GrantExpiredError) return answer(410, error.code, error.message);
  if (error instanceof ObjectNotFoundError) return answer(404, error.code, error.message);
  // The provider's message can name hosts and buckets; the app's logs get the cause, the client a code.
  if (error instanceof ProviderError) {
    onUnexpected(error);
    return answer(502, 'provider', 'the storage did not answer as expected');
  }
  if (error instanceof ConfigError) {
    onUnexpected(error);
    return answer(500, error.code, 'the upload service is misconfigured');
  }
  onUnexpected(error);
  return answer(500, 'internal', 'internal error');
}

const FORBIDDEN_REQUEST_HEADERS = new Set(['content-length', 'host', 'connection', 'expect', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** The grant a client gets: headers a browser may set, the exact size as `contentLength`. */
export function toWireGrant(route: string, grant: UploadGrant | MultipartUploadGrant): WireGrant {
  if ('kind' in grant) {
    const parts = grant.parts.map((p) => ({ ...p, headers: browserHeaders(p.headers).headers }));
    return { ...grant, parts, route };
  }
  const { headers, contentLength } = browserHeaders(grant.headers);
  return { ...grant, headers, route, ...(contentLength !== undefined ? { contentLength } : {}) };
}

function browserHeaders(all: Readonly<Record<string, string>>): { headers: Record<string, string>; contentLength?: number } {
  const headers: Record<string, string> = {};
  let contentLength: number | undefined;
  for (const [name, value] of Object.entries(all)) {
    const lower = name.toLowerCase();
    if (lower === 'content-length') contentLength = Number(value);
    else if (!FORBIDDEN_REQUEST_HEADERS.has(lower)) headers[name] = value;
  }
  return contentLength === undefined ? { headers } : { headers, contentLength };
}
