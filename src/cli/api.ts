// The demo server's JSON API. Stable: the page, the docs and outside checks rely on these shapes.
//   POST /api/grants          { filename, contentType, size | maxSize [, minSize] [, sha256 | md5] [, expiresIn] } -> 201 UploadGrant
//                             (400 with field contentType for active content: HTML, SVG, XML, JavaScript, unless allowed)
//                             with `multipart: true`, or an exact size above the multipart threshold (and no
//                             `multipart: false`): [, partSize] -> 201 MultipartUploadGrant ({ kind: 'multipart', parts, ... });
//                             the request's Origin header becomes the grant's origin (GCS sessions answer CORS for it)
//   POST /api/uploads/complete { token, parts: [{ number, etag }] } -> 200 { completed } (then verify as usual)
//   POST /api/uploads/abort   { token } -> 200 { aborted: true }
//   POST /api/uploads/verify  { token } -> 200 { object } | 422 { error: { code: 'rejected', violations } }
//   POST /api/downloads       { key, expiresIn? } -> 200 { url, expiresAt }
//   GET  /api/info            -> { provider, bucket }
// Errors: { error: { code, message, field? } } with 400 (bad input), 404, 410 (token past its grant's
// expiry + verify grace), 413, 421 (Host not allowed), 422, 502 (storage failed: detail only in the log).
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ConfigError,
  GrantExpiredError,
  InvalidRequestError,
  ObjectNotFoundError,
  ProviderError,
  UnsupportedConstraintError,
  UploadRejectedError,
} from '../errors.js';
import type { ChecksumInput, MultipartUploadGrant, MultipartUploadGrantRequest, Presigner, UploadedPart, UploadGrant, UploadGrantRequest } from '../types.js';
import { isActiveContentType } from '../content-check.js';
import { validateOrigin } from '../validate.js';

const MAX_JSON_BYTES = 16 * 1024;
/** A completion lists up to 10,000 parts with their ETags. */
const MAX_COMPLETE_JSON_BYTES = 1024 * 1024;
/** Exact sizes above this get a multipart grant unless the client says `multipart: false`. */
export const DEFAULT_MULTIPART_THRESHOLD = 64 * 1024 * 1024;

export interface ApiOptions {
  /** Bytes; default DEFAULT_MULTIPART_THRESHOLD. */
  multipartThreshold?: number;
  /** Grant active content (HTML, SVG, XML, JavaScript): refused by default, a browser could run it. */
  allowActiveContent?: boolean;
}
/** Keys the demo hands out, and the only ones it will sign downloads for. */
export const DEMO_PREFIX = 'uploads';

type Json = Record<string, unknown>;

export async function handleApi(presigner: Presigner, req: IncomingMessage, res: ServerResponse, pathname: string, options: ApiOptions = {}): Promise<void> {
  try {
    if (req.method === 'GET' && pathname === '/api/info') return send(res, 200, { provider: presigner.provider, bucket: presigner.bucket });
    if (req.method !== 'POST') return send(res, 405, { error: { code: 'method-not-allowed', message: `${req.method} is not allowed here` } });
    const body = await readJson(req, pathname === '/api/uploads/complete' ? MAX_COMPLETE_JSON_BYTES : MAX_JSON_BYTES);
    switch (pathname) {
      case '/api/grants':
        if (!options.allowActiveContent) refuseActiveContent(body['contentType']);
        return send(res, 201, await createGrant(presigner, body, options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD, pageOrigin(req)));
      case '/api/uploads/complete':
        return send(res, 200, { completed: await presigner.completeMultipartUpload(body['token'] as string, body['parts'] as UploadedPart[]) });
      case '/api/uploads/abort':
        await presigner.abortMultipartUpload(body['token'] as string);
        return send(res, 200, { aborted: true });
      case '/api/uploads/verify':
        return send(res, 200, { object: await presigner.verifyUpload(body['token'] as string) });
      case '/api/downloads':
        return send(res, 200, await existingDownload(presigner, downloadRequest(body)));
      default:
        return send(res, 404, { error: { code: 'not-found', message: `no API route ${pathname}` } });
    }
  } catch (error) {
    const [status, payload] = errorAnswer(error);
    send(res, status, payload);
  }
}

/**
 * A multipart grant when asked for, or for an exact size over the threshold; a driver without
 * multipart then falls back to a single grant unless multipart was asked for explicitly.
 */
async function createGrant(presigner: Presigner, body: Json, threshold: number, origin: string | undefined): Promise<UploadGrant | MultipartUploadGrant> {
  const asked = body['multipart'];
  if (asked !== undefined && typeof asked !== 'boolean') throw new InvalidRequestError('multipart', 'must be true or false');
  const size = body['size'];
  const large = typeof size === 'number' && size > threshold && body['maxSize'] === undefined;
  if (asked === true || (asked === undefined && large)) {
    const request = grantRequest(body);
    if (request.maxSize !== undefined || request.minSize !== undefined) throw new InvalidRequestError('maxSize', 'a multipart grant needs the exact size');
    const multipart = {
      ...request,
      size: request.size,
      ...(body['partSize'] === undefined ? {} : { partSize: body['partSize'] }),
      ...(origin ? { origin } : {}),
    } as MultipartUploadGrantRequest;
    try {
      return await presigner.createMultipartUploadGrant(multipart);
    } catch (error) {
      if (asked === true || !(error instanceof UnsupportedConstraintError) || error.constraint !== 'multipart') throw error;
    }
  }
  if (body['partSize'] !== undefined) throw new InvalidRequestError('partSize', 'goes with multipart grants only');
  return presigner.createUploadGrant(grantRequest(body));
}

/** The demo hands out no grant for a type a browser may run as a page or script, unless configured to. */
function refuseActiveContent(contentType: unknown): void {
  if (typeof contentType === 'string' && isActiveContentType(contentType)) {
    throw new InvalidRequestError('contentType', `${contentType.split(';', 1)[0]!.trim().toLowerCase()} is active content (a browser may run it) and this server does not accept it`);
  }
}

/**
 * The Origin the browser sent with this request: the page that will upload the parts (a GCS
 * session answers CORS for that origin only). Absent or "null" (a file:// page, a sandbox): none.
 */
function pageOrigin(req: IncomingMessage): string | undefined {
  try {
    return validateOrigin(req.headers.origin);
  } catch {
    return undefined;
  }
}

/** Map the client's body to a request; the key is always made here, never taken from the client. */
function grantRequest(body: Json): UploadGrantRequest {
  if (typeof body['filename'] !== 'string') throw new InvalidRequestError('filename', 'is required: the original file name');
  if (body['sha256'] !== undefined && body['md5'] !== undefined) throw new InvalidRequestError('checksum', 'give sha256 or md5, not both');
  const checksum = body['sha256'] !== undefined ? { sha256: body['sha256'] } : body['md5'] !== undefined ? { md5: body['md5'] } : undefined;
  const pick = (name: string) => (body[name] === undefined || body[name] === null ? {} : { [name]: body[name] });
  return {
    filename: body['filename'],
    prefix: DEMO_PREFIX,
    contentType: body['contentType'] as string,
    ...pick('size'),
    ...pick('maxSize'),
    ...pick('minSize'),
    ...pick('expiresIn'),
    ...pick('method'),
    ...(checksum ? { checksum: checksum as ChecksumInput } : {}),
  } as UploadGrantRequest;
}

/**
 * A download grant only for an object that is there: a staged upload is not at its key until it
 * was verified and promoted, so until then the answer is 404. Asked of the storage with the signed
 * URL itself (one byte), as any client would.
 */
async function existingDownload(presigner: Presigner, request: ReturnType<typeof downloadRequest>) {
  const download = await presigner.createDownloadGrant(request);
  const probe = await fetch(download.url, { headers: { ...download.headers, range: 'bytes=0-0' }, signal: AbortSignal.timeout(10_000) });
  await probe.arrayBuffer().catch(() => undefined);
  if (probe.status === 404) throw new ObjectNotFoundError(presigner.bucket, request.key);
  return download;
}

function downloadRequest(body: Json) {
  const key = body['key'];
  if (typeof key !== 'string' || !key.startsWith(`${DEMO_PREFIX}/`)) {
    throw new InvalidRequestError('key', `must be a key the demo issued (under "${DEMO_PREFIX}/")`);
  }
  return { key, filename: key.split('/').pop() ?? 'download', ...(body['expiresIn'] === undefined ? {} : { expiresIn: body['expiresIn'] as number }) };
}

async function readJson(req: IncomingMessage, limit: number): Promise<Json> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new InvalidRequestError('body', 'send JSON with Content-Type: application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new InvalidRequestError('body', `is over ${limit} bytes`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new InvalidRequestError('body', 'is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidRequestError('body', 'must be a JSON object');
  return parsed as Json;
}

export function errorAnswer(error: unknown): [number, Json] {
  if (error instanceof InvalidRequestError) return [400, { error: { code: error.code, message: error.message, field: error.field } }];
  if (error instanceof UnsupportedConstraintError) return [400, { error: { code: error.code, message: error.message, field: error.constraint } }];
  if (error instanceof UploadRejectedError) return [422, { error: { code: 'rejected', message: error.message, violations: error.violations } }];
  if (error instanceof ObjectNotFoundError) return [404, { error: { code: error.code, message: error.message } }];
  if (error instanceof ProviderError) {
    // The SDK's or file system's message may hold server paths or internals: log it, answer less.
    console.error(`upgrant demo server: ${error.message}`, error.cause);
    return [502, { error: { code: 'provider', message: `the storage failed to ${error.operation}${error.key === undefined ? '' : ` "${error.key}"`}; the server log has the detail` } }];
  }
  if (error instanceof GrantExpiredError) return [410, { error: { code: error.code, message: error.message } }];
  if (error instanceof ConfigError) return [500, { error: { code: error.code, message: error.message } }];
  console.error('upgrant demo server: unexpected error', error);
  return [500, { error: { code: 'internal', message: 'internal error' } }];
}

export function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
