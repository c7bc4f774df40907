// The GCS stand-in's resumable uploads (JSON API), for tests only: like the rest of the stand-in
// this is NOT Google's service, it follows what GCS documents for resumable sessions:
// - POST /upload/storage/v1/b/<bucket>/o?uploadType=resumable&name=<key>[&ifGenerationMatch=0]
//   with X-Upload-Content-Type, X-Upload-Content-Length, an optional Origin and JSON metadata
//   (md5Hash) starts a session and answers its URI in Location.
// - PUT <session URI> with `Content-Range: bytes a-b/total` sends a chunk; the answer is 308 with
//   `Range: bytes=0-<last persisted byte>` until the chunk that ends at `total`, which creates the
//   object (checking the generation precondition, 412, and the declared MD5, 400) and answers
//   200 with its metadata. Chunks but the last must be multiples of 256 KiB; of a chunk that is
//   not, or that is cut off mid-body, only the 256 KiB-aligned prefix is persisted, as GCS does.
//   `Content-Range: bytes */total` with no body asks for the state (308 or 200).
// - DELETE <session URI> cancels (499); later requests get 404.
// - CORS: a session answers Access-Control-Allow-Origin only for the Origin it was started with.
// What it does not claim: GCS refusing a total that differs from X-Upload-Content-Length (GCS does
// not document it), so the stand-in accepts it and upgrant's completion check has to catch it.
// A chunk must start exactly at the persisted offset (400 otherwise): upgrant's client asks for
// the state after any failure rather than relying on GCS ignoring overlapping bytes.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const CHUNK = 256 * 1024;
const MAX_SESSION_BYTES = 256 * 1024 * 1024;

export interface ResumableStore {
  /** Create the object (throws an error with `status` 412 when the precondition fails). */
  store(bucket: string, key: string, data: Buffer, contentType: string, ifGenerationMatch: string | undefined, metadata?: Readonly<Record<string, string>>): { generation: number; md5: string };
  hasBucket(bucket: string): boolean;
  endpoint(): string;
}

interface Session {
  readonly bucket: string;
  readonly name: string;
  readonly contentType: string;
  readonly declaredLength: number | undefined;
  readonly ifGenerationMatch: string | undefined;
  readonly md5: string | undefined;
  /** Custom metadata (the JSON resource's `metadata`). */
  readonly metadata: Readonly<Record<string, string>> | undefined;
  readonly origin: string | undefined;
  readonly chunks: Buffer[];
  persisted: number;
  finished?: Record<string, unknown>;
  cancelled: boolean;
}

export interface ResumableSessions {
  /** Handles the request when it belongs to resumable uploads; false when it does not. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  /** Sessions neither finished nor cancelled, for the tests' listings. */
  open(bucket: string): { name: string; persisted: number }[];
}

export function resumableSessions(backend: ResumableStore): ResumableSessions {
  const sessions = new Map<string, Session>();

  function reply(res: ServerResponse, session: Session | undefined, req: IncomingMessage, status: number, headers: Record<string, string>, body = ''): void {
    const origin = req.headers.origin;
    const cors: Record<string, string> =
      session?.origin !== undefined && origin !== undefined && (session.origin === origin || session.origin === '*')
        ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'range, etag, x-guploader-uploadid', vary: 'Origin' }
        : {};
    if (!res.headersSent) res.writeHead(status, { ...cors, ...headers }).end(body);
  }

  function error(res: ServerResponse, session: Session | undefined, req: IncomingMessage, status: number, message: string): void {
    reply(res, session, req, status, { 'content-type': 'application/json' }, JSON.stringify({ error: { code: status, message, errors: [{ message }] } }));
  }

  function start(req: IncomingMessage, res: ServerResponse, url: URL, bucket: string): void {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      if (!backend.hasBucket(bucket)) return error(res, undefined, req, 404, `No such bucket: ${bucket}`);
      const name = url.searchParams.get('name');
      if (!name) return error(res, undefined, req, 400, 'Required parameter: name');
      const text = Buffer.concat(parts).toString('utf8');
      const metadata = (text ? JSON.parse(text) : {}) as { md5Hash?: string; contentType?: string; metadata?: Record<string, string> };
      const length = req.headers['x-upload-content-length'];
      const id = randomBytes(24).toString('base64url');
      sessions.set(id, {
        bucket,
        name,
        contentType: String(req.headers['x-upload-content-type'] ?? metadata.contentType ?? 'application/octet-stream'),
        declaredLength: length === undefined ? undefined : Number(length),
        ifGenerationMatch: url.searchParams.get('ifGenerationMatch') ?? undefined,
        md5: metadata.md5Hash,
        metadata: metadata.metadata,
        origin: req.headers.origin,
        chunks: [],
        persisted: 0,
        cancelled: false,
      });
      const location = `${backend.endpoint()}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
      reply(res, undefined, req, 200, { location, 'x-guploader-uploadid': id });
    });
  }

  function rangeHeader(session: Session): Record<string, string> {
    return session.persisted > 0 ? { range: `bytes=0-${session.persisted - 1}` } : {};
  }

  function finish(session: Session, res: ServerResponse, req: IncomingMessage): void {
    const data = Buffer.concat(session.chunks);
    if (session.md5 !== undefined) {
      const actual = createHash('md5').update(data).digest('base64');
      if (actual !== session.md5) {
        session.cancelled = true;
        return error(res, session, req, 400, `Provided MD5 hash "${session.md5}" doesn't match calculated MD5 hash "${actual}".`);
      }
    }
    let object: { generation: number; md5: string };
    try {
      object = backend.store(session.bucket, session.name, data, session.contentType, session.ifGenerationMatch, session.metadata);
    } catch (e) {
      const status = (e as { status?: number }).status ?? 500;
      session.cancelled = true;
      return error(res, session, req, status, (e as Error).message);
    }
    session.chunks.length = 0;
    session.finished = {
      kind: 'storage#object',
      bucket: session.bucket,
      name: session.name,
      size: String(data.length),
      contentType: session.contentType,
      md5Hash: object.md5,
      generation: String(object.generation),
      etag: `standin-${object.generation}`,
      ...(session.metadata ? { metadata: session.metadata } : {}),
    };
    reply(res, session, req, 200, { 'content-type': 'application/json', etag: `"standin-${object.generation}"` }, JSON.stringify(session.finished));
  }

  function chunk(req: IncomingMessage, res: ServerResponse, session: Session): void {
    const header = String(req.headers['content-range'] ?? '');
    const status = /^bytes \*\/(\d+|\*)$/.exec(header);
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header);
    const received: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (piece: Buffer) => {
      size += piece.length;
      if (session.persisted + size > MAX_SESSION_BYTES) tooLarge = true;
      else received.push(piece);
    });
    // A chunk cut off mid-body: keep the aligned prefix of what arrived, as GCS may.
    req.on('close', () => {
      if (!req.complete && range && Number(range[1]) === session.persisted && !session.finished) keep(session, Buffer.concat(received), false);
    });
    req.on('end', () => {
      if (session.finished) return reply(res, session, req, 200, { 'content-type': 'application/json' }, JSON.stringify(session.finished));
      if (tooLarge) return error(res, session, req, 413, 'stand-in session limit');
      if (status) {
        if (size !== 0) return error(res, session, req, 400, 'a status request has no body');
        return reply(res, session, req, 308, rangeHeader(session));
      }
      if (!range) return error(res, session, req, 400, `Failed to parse Content-Range header: "${header}"`);
      const first = Number(range[1]);
      const last = Number(range[2]);
      const total = range[3] === '*' ? undefined : Number(range[3]);
      if (last < first || size !== last - first + 1) return error(res, session, req, 400, `Invalid request. There were ${size} byte(s) in the request body. There should have been ${last - first + 1} byte(s) (starting at offset ${first} and ending at offset ${last}) according to the Content-Range header.`);
      if (first !== session.persisted) return error(res, session, req, 400, `stand-in: the chunk starts at ${first}; the session holds ${session.persisted} bytes`);
      const final = total !== undefined && last + 1 === total;
      keep(session, Buffer.concat(received), final);
      if (final) return finish(session, res, req);
      reply(res, session, req, 308, rangeHeader(session));
    });
  }

  function keep(session: Session, data: Buffer, final: boolean): void {
    const kept = final ? data.length : data.length - (data.length % CHUNK);
    if (kept > 0) session.chunks.push(data.subarray(0, kept));
    session.persisted += kept;
  }

  return {
    handle(req, res, url) {
      const startMatch = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
      if (!startMatch) return false;
      const id = url.searchParams.get('upload_id');
      if (id === null) {
        if (req.method !== 'POST' || url.searchParams.get('uploadType') !== 'resumable') return false;
        start(req, res, url, decodeURIComponent(startMatch[1]!));
        return true;
      }
      const session = sessions.get(id);
      const live = session && !session.cancelled ? session : undefined;
      if (req.method === 'OPTIONS') {
        const allowed = live?.origin !== undefined && (live.origin === req.headers.origin || live.origin === '*');
        if (!allowed) reply(res, undefined, req, 403, {});
        else {
          reply(res, live, req, 200, {
            'access-control-allow-methods': 'PUT, DELETE',
            'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? 'content-range, content-type'),
            'access-control-max-age': '3600',
          });
        }
        return true;
      }
      if (!live) {
        req.resume();
        req.on('end', () => error(res, undefined, req, 404, 'No such upload session'));
        return true;
      }
      if (req.method === 'DELETE') {
        req.resume();
        req.on('end', () => {
          if (!live.finished) live.cancelled = true;
          reply(res, live, req, live.finished ? 200 : 499, {});
        });
        return true;
      }
      if (req.method !== 'PUT') return false;
      chunk(req, res, live);
      return true;
    },
    open(bucket) {
      return [...sessions.values()].filter((s) => s.bucket === bucket && !s.finished && !s.cancelled).map((s) => ({ name: s.name, persisted: s.persisted }));
    },
  };
}
