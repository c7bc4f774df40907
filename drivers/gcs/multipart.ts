// GCS multipart grants are resumable upload sessions. The server starts the session through the
// JSON API (the SDK's createResumableUpload) with the grant's constraints: the content type
// (X-Upload-Content-Type), the length (X-Upload-Content-Length), `ifGenerationMatch=0` for a
// create-only grant, a declared MD5 in the object metadata (GCS checks it when the upload
// finalizes), and the browser's Origin, because GCS answers CORS on a session only for the origin
// it was started with. Every part is a PUT of the next chunk to the session URI with its
// Content-Range; GCS answers 308 until the last chunk, which creates the object. So parts go up
// in order, one at a time (`sequential`), and every part but the last is a multiple of 256 KiB.
//
// Enforcement: content type is fixed by the session (chunk requests cannot change it), create-only
// is GCS's generation precondition, checked when the object is created, and a declared MD5 is
// checked by GCS then too. GCS documents X-Upload-Content-Length as the object's size but not
// that a different total is refused, so size is 'verify': completion checks the finalized object
// and deletes it when its size or type differs from the grant.
//
// The session URI is itself the credential and GCS keeps a session for a week, whatever the
// grant's expiresIn, so expiry is 'none'; abort cancels it (DELETE on the session URI, answered 499).
import type { Bucket } from '@google-cloud/storage';
import { DriverError, httpStatusCode } from '../error-codes.js';
import { RECORD_METADATA } from './staging.js';
import type { GrantConstraints } from '../../src/types.js';
import type {
  CompleteMultipartRequest,
  DriverEnforcement,
  MultipartDriver,
  MultipartLimits,
  MultipartSession,
  StartedMultipart,
  StartMultipartRequest,
  StoredPart,
} from '../driver.js';

const KIB = 1024;
const MIB = 1024 * KIB;
/** GCS: every chunk of a resumable upload but the last is a multiple of 256 KiB. */
const CHUNK_MULTIPLE = 256 * KIB;
/** How long one status or cancel request to the session may take. */
const REQUEST_TIMEOUT_MS = 30_000;

/** What GCS answers about a session: bytes it holds, the finished object, or nothing (gone). */
type SessionState =
  | { readonly state: 'open'; readonly persisted: number }
  | { readonly state: 'finished'; readonly object: FinishedObject }
  | { readonly state: 'gone'; readonly status: number };

interface FinishedObject {
  readonly size: number;
  readonly contentType: string;
  readonly generation?: string;
  readonly etag?: string;
}

export class GcsMultipart implements MultipartDriver {
  /**
   * Chunks of 256 KiB multiples; GCS sets no chunk count or chunk size limit of its own, so the
   * 10,000 parts of 5 GiB at most are upgrant's, to keep a grant's part list bounded.
   */
  readonly limits: MultipartLimits = { minPartSize: CHUNK_MULTIPLE, partSizeMultiple: CHUNK_MULTIPLE, maxPartSize: 5 * 1024 * MIB, maxParts: 10_000, maxObjectSize: 5 * 1024 ** 4 };
  readonly sequential = true;
  readonly #objects: Bucket;

  constructor(objects: Bucket) {
    this.#objects = objects;
  }

  /** Implements MultipartDriver.enforcement (see the header: size is checked at completion, the session outlives expiresIn). */
  enforcement(constraints: GrantConstraints): DriverEnforcement {
    return { expiry: 'none', createOnly: 'storage', contentType: 'storage', size: 'verify', checksum: constraints.checksum?.algorithm === 'md5' ? 'storage' : 'verify' };
  }

  /** Implements MultipartDriver.start: one resumable session; one Content-Range per part. */
  async start(request: StartMultipartRequest): Promise<StartedMultipart> {
    const { key, constraints, partSizes } = request;
    const size = constraints.maxSize;
    const [uri] = await this.#objects.file(key).createResumableUpload({
      metadata: {
        contentType: constraints.contentType,
        contentLength: size,
        ...(constraints.checksum?.algorithm === 'md5' ? { md5Hash: constraints.checksum.value } : {}),
        ...(request.record !== undefined ? { metadata: { [RECORD_METADATA]: request.record } } : {}),
      },
      ...(constraints.createOnly ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
      ...(request.origin ? { origin: request.origin } : {}),
    });
    checkSessionUri(uri);
    let offset = 0;
    const parts = partSizes.map((partSize) => {
      const range = `bytes ${offset}-${offset + partSize - 1}/${size}`;
      offset += partSize;
      return { url: uri, headers: { 'content-range': range } };
    });
    return { uploadId: uri, parts };
  }

  /** Implements MultipartDriver.complete: the session must have finished; the object must match the grant. */
  async complete(request: CompleteMultipartRequest): Promise<{ etag?: string }> {
    const size = request.constraints.maxSize;
    const session = await sessionState(checkSessionUri(request.uploadId), size);
    if (session.state === 'open') {
      throw new DriverError('invalid-parts', `GCS holds ${session.persisted} of the ${size} bytes of this upload: send the rest (from byte ${session.persisted}), then complete`, { field: 'parts' });
    }
    if (session.state === 'gone') {
      throw new DriverError('invalid-parts', `the GCS upload session is gone (${session.status}): it was aborted, or it expired a week after it started`, { field: 'parts' });
    }
    const { object } = session;
    const problem =
      object.size !== size
        ? `is ${object.size} bytes, granted ${size}`
        : object.contentType !== request.constraints.contentType
          ? `has type "${object.contentType}", granted "${request.constraints.contentType}"`
          : undefined;
    if (problem) {
      // Only the object this session made: a newer one at the key is not ours to delete.
      await this.#objects
        .file(request.key)
        .delete({ ignoreNotFound: true, ...(object.generation ? { ifGenerationMatch: object.generation } : {}) })
        .catch((error: unknown) => {
          if ((error as { code?: unknown }).code !== 412) throw error;
        });
      throw new DriverError('invalid-parts', `the object GCS finalized ${problem}; it was deleted`, { field: 'parts' });
    }
    return object.etag ? { etag: object.etag } : {};
  }

  /** Implements MultipartDriver.listParts: the whole parts within the bytes the session has persisted (a finished session holds them all). */
  async listParts(session: MultipartSession): Promise<readonly StoredPart[]> {
    const total = session.partSizes.reduce((a, b) => a + b, 0);
    const state = await sessionState(checkSessionUri(session.uploadId), total);
    if (state.state === 'gone') throw new DriverError('not-found', 'the upload session is gone: it was cancelled or expired', { field: 'token' });
    const persisted = state.state === 'finished' ? total : state.persisted;
    const parts: StoredPart[] = [];
    let end = 0;
    for (const [i, size] of session.partSizes.entries()) {
      end += size;
      if (end > persisted) break;
      parts.push({ number: i + 1, size });
    }
    return parts;
  }

  /** Implements MultipartDriver.abort: cancel the session; a finished or unknown one is left as it is. */
  async abort(session: MultipartSession): Promise<void> {
    const response = await fetch(checkSessionUri(session.uploadId), { method: 'DELETE', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await response.arrayBuffer();
    // 499: cancelled now; 404/410: no such session (cancelled before, or expired).
    if (response.ok || [404, 410, 499].includes(response.status)) return;
    throw new DriverError(httpStatusCode(response.status) ?? 'unknown', `GCS answered ${response.status} to cancelling the upload session`);
  }
}

/** Ask the session how far it got: PUT with `Content-Range: bytes *\/<size>` and no body. */
async function sessionState(uri: string, size: number): Promise<SessionState> {
  const response = await fetch(uri, {
    method: 'PUT',
    headers: { 'content-range': `bytes */${size}` },
    body: new Uint8Array(0),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  if (response.status === 308) return { state: 'open', persisted: persistedBytes(response.headers.get('range')) };
  if (response.status === 200 || response.status === 201) {
    const meta = JSON.parse(text) as { size?: string; contentType?: string; generation?: string; etag?: string };
    return {
      state: 'finished',
      object: {
        size: Number(meta.size ?? NaN),
        contentType: meta.contentType ?? '',
        ...(meta.generation ? { generation: meta.generation } : {}),
        ...(meta.etag ? { etag: meta.etag } : {}),
      },
    };
  }
  if ([404, 410, 499].includes(response.status)) return { state: 'gone', status: response.status };
  throw new DriverError(httpStatusCode(response.status) ?? 'unknown', `GCS answered ${response.status} to a status request on the upload session: ${text.slice(0, 200)}`);
}

/** The `Range: bytes=0-<last>` of a 308 answer, as a byte count (no header: nothing persisted yet). */
function persistedBytes(range: string | null): number {
  if (range === null) return 0;
  const match = /^bytes=0-(\d+)$/.exec(range.trim());
  if (!match) throw new Error(`GCS answered an unreadable Range header "${range}"`);
  return Number(match[1]) + 1;
}

/** A session URI as GCS hands it out; the token that carries it is sealed, this guards the driver's own calls. */
function checkSessionUri(uri: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof uri === 'string' ? new URL(uri) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.searchParams.get('upload_id')) {
    throw new DriverError('invalid-argument', 'does not carry a GCS upload session URI', { field: 'token' });
  }
  return uri as string;
}
