// The embedded receiver: the local stand-in for a storage service. It accepts an upload only with
// a valid grant and enforces every promise of the grant itself (create-only, type, size, checksum,
// expiry, key, bucket), streaming the body to a temporary file that becomes the object atomically.
//
// Under abuse: the body is owned from the first byte (stream-body.ts), a silent body is cut after
// an idle timeout, stale temporary files are swept at start and periodically (sweep.ts), and no
// answer carries a server path or an internal error message (those go to the log).
import { createHash, type Hash } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidRequestError } from '../../src/errors.js';
import { DriverError } from '../error-codes.js';
import { sameContentType } from '../../src/check-object.js';
import type { LocalUploadEvent } from '../../src/storage-events.js';
import { DEFAULT_VERIFY_GRACE } from '../../src/token.js';
import { MAX_GRANT_EXPIRY, validateKey } from '../../src/validate.js';
import { localBucketName } from './config.js';
import { ReceiverError, sendError } from './http-answers.js';
import { PartSigner } from './multipart.js';
import { isPartRequest, receivePart } from './part-receiver.js';
import { LocalUrlSigner, type LocalGrant } from './signature.js';
import { KeyConflictError, LocalStore, ObjectExistsError, PathEscapeError, type StoredMeta } from './store.js';
import { BodyGuard, DEFAULT_BODY_IDLE_TIMEOUT_MS } from './stream-body.js';
import { sweepStale } from './sweep.js';

/** How often stale temporary files are looked for, by default. */
export const DEFAULT_SWEEP_INTERVAL_MS = 3600_000;

export interface LocalReceiverOptions {
  /** Directory that holds one sub-directory per bucket. */
  root: string;
  /** The same secret the local driver signs with. */
  secret: string;
  /** Secrets of before a rotation: URLs they signed are still accepted (UPGRANT_PREVIOUS_SECRETS). */
  previousSecrets?: readonly string[];
  /** Path prefix the receiver is mounted under, e.g. "/storage" (default: ""). */
  basePath?: string;
  /** Origins allowed to upload from a browser on another origin (default: any). */
  corsOrigins?: readonly string[];
  clock?: () => Date;
  /** Milliseconds a request body may stay silent before the upload is cut with 408 (default 60 000). */
  bodyIdleTimeoutMs?: number;
  /** Seconds: the longest grant made for this receiver; older temporary files are stale (default 7 days). */
  maxExpiresIn?: number;
  /** Seconds after expiry a multipart token may still complete (default one day, as the presigner's). */
  verifyGrace?: number;
  /** Milliseconds between sweeps of stale temporary files (default one hour; 0: only at start). */
  sweepIntervalMs?: number;
  /**
   * Called after each upload is stored, before the client gets its answer: the local receiver's
   * own "object created" event. Hand it to `presigner.handleStorageEvent(event)` to promote staged
   * uploads the moment they arrive. A hook that throws does not fail the upload.
   */
  onUpload?: (event: LocalUploadEvent) => void | Promise<void>;
}

/** A Node request handler; answers every request it is given. close() stops its sweep timer. */
export type LocalRequestHandler = ((req: IncomingMessage, res: ServerResponse) => Promise<void>) & {
  /** Remove stale temporary files now (also done at start and every sweepIntervalMs). */
  sweep(): Promise<number>;
  close(): void;
};

/** Mount the receiver in any Node HTTP server (route requests under `basePath` to it). */
export function localRequestHandler(options: LocalReceiverOptions): LocalRequestHandler {
  const store = new LocalStore(options.root);
  const signer = new LocalUrlSigner(options.secret, options.previousSecrets);
  const partSigner = new PartSigner(options.secret, options.previousSecrets);
  const clock = options.clock ?? (() => new Date());
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const origins = options.corsOrigins ?? ['*'];
  const idleMs = positive(options.bodyIdleTimeoutMs, 'bodyIdleTimeoutMs') ?? DEFAULT_BODY_IDLE_TIMEOUT_MS;
  const sweepOptions = () => ({
    now: clock(),
    maxGrantAge: Math.min(options.maxExpiresIn ?? MAX_GRANT_EXPIRY, MAX_GRANT_EXPIRY),
    verifyGrace: options.verifyGrace ?? DEFAULT_VERIFY_GRACE,
  });
  const sweep = () =>
    sweepStale(store.root, sweepOptions()).catch((error: unknown) => {
      console.error('upgrant local receiver: sweeping stale temporary files failed', error);
      return 0;
    });
  void sweep();
  const interval = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const timer = interval > 0 ? setInterval(() => void sweep(), interval) : undefined;
  timer?.unref();

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Before anything else, and before any await: the body is ours from its first byte.
    const body = new BodyGuard(req, res, idleMs);
    try {
      applyCors(req, res, origins);
      if (req.method === 'OPTIONS') {
        res.writeHead(204).end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://receiver');
      const { bucket, key } = parseObjectPath(url.pathname, basePath);
      if (isPartRequest(url.searchParams)) {
        return await receivePart(req, res, body, { root: store.root, signer: partSigner, now: clock(), bucket, key, query: url.searchParams });
      }
      const grant = signer.verify(bucket, key, url.searchParams);
      if (!grant) throw new ReceiverError(403, 'forbidden', 'signature does not match this URL');
      if (grant.expires * 1000 < clock().getTime()) {
        throw new ReceiverError(403, 'expired', `grant expired at ${new Date(grant.expires * 1000).toISOString()}`);
      }
      if (req.method === 'PUT' && grant.method === 'PUT') return await receiveUpload(req, res, body, store, grant, options.onUpload);
      if ((req.method === 'GET' || req.method === 'HEAD') && grant.method === 'GET') return await serveDownload(req, res, store, grant);
      throw new ReceiverError(403, 'forbidden', `this grant is for ${grant.method}, not ${req.method}`);
    } catch (error) {
      sendError(req, res, toReceiverError(error));
    }
  };
  return Object.assign(handler, { sweep, close: () => clearInterval(timer) });
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value !== undefined && (!Number.isFinite(value) || value <= 0)) throw new InvalidRequestError(name, 'must be a positive number of milliseconds');
  return value;
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
    const problem = localBucketName(bucket);
    if (problem !== undefined) throw new InvalidRequestError('bucket', problem);
    return { bucket, key: validateKey(keyParts.join('/')) };
  } catch (error) {
    throw new ReceiverError(400, 'bad-request', (error as Error).message);
  }
}

async function receiveUpload(
  req: IncomingMessage,
  res: ServerResponse,
  body: BodyGuard,
  store: LocalStore,
  grant: LocalGrant,
  onUpload: LocalReceiverOptions['onUpload'],
): Promise<void> {
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
  if (await store.conflicts(grant.bucket, grant.key)) throw new KeyConflictError(grant.key);

  body.check(); // the client may have gone while we looked: then no file is ever made
  const tmp = await store.tempPath();
  const meter = new UploadMeter(maxSize, grant.checksum?.algorithm);
  try {
    await body.streamTo(meter, await open(tmp, 'wx'));
    if (meter.bytes < minSize) throw new ReceiverError(400, 'too-small', `body is ${meter.bytes} bytes, under the granted ${minSize}`);
    const digest = meter.digest();
    if (grant.checksum && digest !== grant.checksum.value) {
      throw new ReceiverError(400, 'checksum-mismatch', `body ${grant.checksum.algorithm} is ${digest}, granted ${grant.checksum.value}`);
    }
    const meta: StoredMeta = { contentType, ...(grant.checksum ? { [grant.checksum.algorithm]: digest } : {}), ...(grant.record ? { record: grant.record } : {}) };
    await store.commit(tmp, grant.bucket, grant.key, meta, createOnly);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  const info = await store.head(grant.bucket, grant.key);
  if (onUpload) {
    // Exactly the shape parseStorageEvent accepts as the local receiver's event.
    const event: LocalUploadEvent = { source: 'upgrant-local', bucket: grant.bucket, key: grant.key, size: meter.bytes, ...(info?.etag ? { etag: info.etag } : {}) };
    await Promise.resolve()
      .then(() => onUpload(event))
      .catch(() => undefined);
  }
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

/** Our own refusals as they are; anything else a generic 500 whose detail (paths, errno) is only logged. */
function toReceiverError(error: unknown): ReceiverError {
  if (error instanceof ReceiverError) return error;
  if (error instanceof ObjectExistsError) return new ReceiverError(409, 'exists', error.message);
  if (error instanceof KeyConflictError) return new ReceiverError(409, 'conflict', error.message);
  if (error instanceof PathEscapeError) return new ReceiverError(403, 'forbidden', error.message);
  if (error instanceof InvalidRequestError) return new ReceiverError(400, 'bad-request', error.message);
  if (error instanceof DriverError && error.field !== undefined) return new ReceiverError(400, 'bad-request', `${error.field}: ${error.message}`);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') return new ReceiverError(400, 'aborted', 'upload aborted by the client');
  console.error('upgrant local receiver: unexpected error', error);
  return new ReceiverError(500, 'internal', 'the receiver failed to store the upload');
}
