// The embedded receiver: the local stand-in for a storage service. It accepts an upload only with
// a valid grant and enforces every promise of the grant itself (create-only, type, size, checksum,
// expiry, key, bucket), streaming the body to a temporary file that becomes the object atomically.
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sameContentType } from '../../src/presigner.js';
import { validateBucketName, validateKey } from '../../src/validate.js';
import { ReceiverError, sendError } from './errors.js';
import { PartSigner } from './multipart.js';
import { isPartRequest, receivePart } from './part-receiver.js';
import { LocalUrlSigner, type LocalGrant } from './signature.js';
import { KeyConflictError, LocalStore, ObjectExistsError, PathEscapeError, type StoredMeta } from './store.js';
import { streamBody } from './stream-body.js';

export interface LocalReceiverOptions {
  /** Directory that holds one sub-directory per bucket. */
  root: string;
  /** The same secret the local driver signs with. */
  secret: string;
  /** Path prefix the receiver is mounted under, e.g. "/storage" (default: ""). */
  basePath?: string;
  /** Origins allowed to upload from a browser on another origin (default: any). */
  corsOrigins?: readonly string[];
  clock?: () => Date;
}

/** A Node request handler; answers every request it is given. */
export type LocalRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Mount the receiver in any Node HTTP server (route requests under `basePath` to it). */
export function localRequestHandler(options: LocalReceiverOptions): LocalRequestHandler {
  const store = new LocalStore(options.root);
  const signer = new LocalUrlSigner(options.secret);
  const partSigner = new PartSigner(options.secret);
  const clock = options.clock ?? (() => new Date());
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const origins = options.corsOrigins ?? ['*'];

  return async (req, res) => {
    try {
      applyCors(req, res, origins);
      if (req.method === 'OPTIONS') {
        res.writeHead(204).end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://receiver');
      const { bucket, key } = parseObjectPath(url.pathname, basePath);
      if (isPartRequest(url.searchParams)) {
        return await receivePart(req, res, { root: store.root, signer: partSigner, now: clock(), bucket, key, query: url.searchParams });
      }
      const grant = signer.verify(bucket, key, url.searchParams);
      if (!grant) throw new ReceiverError(403, 'forbidden', 'signature does not match this URL');
      if (grant.expires * 1000 < clock().getTime()) {
        throw new ReceiverError(403, 'expired', `grant expired at ${new Date(grant.expires * 1000).toISOString()}`);
      }
      if (req.method === 'PUT' && grant.method === 'PUT') return await receiveUpload(req, res, store, grant);
      if ((req.method === 'GET' || req.method === 'HEAD') && grant.method === 'GET') return await serveDownload(req, res, store, grant);
      throw new ReceiverError(403, 'forbidden', `this grant is for ${grant.method}, not ${req.method}`);
    } catch (error) {
      sendError(req, res, toReceiverError(error));
    }
  };
}

function parseObjectPath(pathname: string, basePath: string): { bucket: string; key: string } {
  if (basePath && !pathname.startsWith(`${basePath}/`)) throw new ReceiverError(404, 'not-found', 'no such path');
  const parts = pathname.slice(basePath.length + 1).split('/');
  const [bucket = '', ...keyParts] = parts.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw new ReceiverError(400, 'bad-request', 'malformed percent-encoding in the path');
    }
  });
  try {
    return { bucket: validateBucketName(bucket, 'bucket'), key: validateKey(keyParts.join('/')) };
  } catch (error) {
    throw new ReceiverError(400, 'bad-request', (error as Error).message);
  }
}

async function receiveUpload(req: IncomingMessage, res: ServerResponse, store: LocalStore, grant: LocalGrant): Promise<void> {
  const { minSize = 0, maxSize = 0, contentType = '', createOnly = true } = grant;
  const sentType = req.headers['content-type'] ?? '';
  if (!sameContentType(sentType, contentType)) {
    throw new ReceiverError(415, 'type-mismatch', `Content-Type "${sentType}" is not the granted "${contentType}"`);
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const length = Number(declared);
    if (length > maxSize) throw new ReceiverError(413, 'too-large', `Content-Length ${length} is over the granted ${maxSize} bytes`);
    if (length < minSize) throw new ReceiverError(400, 'too-small', `Content-Length ${length} is under the granted ${minSize} bytes`);
  }
  // Refuse early what would fail at commit anyway, before reading a byte.
  if (createOnly && (await store.exists(grant.bucket, grant.key))) {
    throw new ReceiverError(409, 'exists', `an object already exists at "${grant.key}"`);
  }

  const tmp = await store.tempPath();
  const meter = new UploadMeter(maxSize, grant.checksum?.algorithm);
  try {
    await streamBody(req, meter, createWriteStream(tmp, { flags: 'wx' }));
    if (meter.bytes < minSize) throw new ReceiverError(400, 'too-small', `body is ${meter.bytes} bytes, under the granted ${minSize}`);
    const digest = meter.digest();
    if (grant.checksum && digest !== grant.checksum.value) {
      throw new ReceiverError(400, 'checksum-mismatch', `body ${grant.checksum.algorithm} is ${digest}, granted ${grant.checksum.value}`);
    }
    const meta: StoredMeta = { contentType, ...(grant.checksum ? { [grant.checksum.algorithm]: digest } : {}) };
    await store.commit(tmp, grant.bucket, grant.key, meta, createOnly);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  const info = await store.head(grant.bucket, grant.key);
  res.writeHead(201, { 'content-type': 'application/json', ...(info?.etag ? { etag: info.etag } : {}) });
  res.end(JSON.stringify({ bucket: grant.bucket, key: grant.key, size: meter.bytes }));
}

/** Counts (and optionally hashes) the body as it streams; fails the pipeline past `limit` bytes. */
class UploadMeter extends Transform {
  bytes = 0;
  readonly #hash: Hash | undefined;

  constructor(
    readonly limit: number,
    algorithm: 'sha256' | 'md5' | undefined,
  ) {
    super();
    this.#hash = algorithm ? createHash(algorithm) : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      done(new ReceiverError(413, 'too-large', `body is over the granted ${this.limit} bytes`));
      return;
    }
    this.#hash?.update(chunk);
    done(null, chunk);
  }

  digest(): string | undefined {
    return this.#hash?.digest('base64');
  }
}

async function serveDownload(req: IncomingMessage, res: ServerResponse, store: LocalStore, grant: LocalGrant): Promise<void> {
  const info = await store.head(grant.bucket, grant.key);
  if (!info) throw new ReceiverError(404, 'not-found', `no object "${grant.key}"`);
  const headers: Record<string, string> = {
    'content-type': grant.responseType ?? (info.contentType || 'application/octet-stream'),
    'accept-ranges': 'bytes',
    'last-modified': new Date(info.mtimeMs).toUTCString(),
    // Every download: never sniffed into another type, and a document that would run script or
    // load anything is sandboxed into an opaque origin (active content also comes as an attachment).
    'x-content-type-options': 'nosniff',
    'content-security-policy': "sandbox; default-src 'none'",
    ...(info.etag ? { etag: info.etag } : {}),
    ...(grant.disposition ? { 'content-disposition': grant.disposition } : {}),
  };
  const range = parseRange(req.headers.range, info.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${info.size}` }).end();
    return;
  }
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${info.size}`;
    headers['content-length'] = String(range.end - range.start + 1);
  } else {
    headers['content-length'] = String(info.size);
  }
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || info.size === 0) {
    res.end();
    return;
  }
  await pipeline(await store.open(grant.bucket, grant.key, range ?? undefined), res);
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; anything else is served whole. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

function applyCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): void {
  const origin = req.headers.origin;
  if (!origin) return;
  const allowed = origins.includes('*') ? '*' : origins.includes(origin) ? origin : undefined;
  if (!allowed) return;
  res.setHeader('access-control-allow-origin', allowed);
  if (allowed !== '*') res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', 'ETag, Content-Length, Content-Range');
  if (req.method === 'OPTIONS') {
    res.setHeader('access-control-allow-methods', 'PUT, GET, HEAD');
    res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'content-type');
    res.setHeader('access-control-max-age', '600');
  }
}

function toReceiverError(error: unknown): ReceiverError {
  if (error instanceof ReceiverError) return error;
  if (error instanceof ObjectExistsError) return new ReceiverError(409, 'exists', error.message);
  if (error instanceof KeyConflictError) return new ReceiverError(409, 'conflict', error.message);
  if (error instanceof PathEscapeError) return new ReceiverError(403, 'forbidden', error.message);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') return new ReceiverError(400, 'aborted', 'upload aborted by the client');
  return new ReceiverError(500, 'internal', 'the receiver failed to store the upload');
}
