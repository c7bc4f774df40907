// The receiver's half of local multipart uploads: one PUT per part to a URL signed by
// multipart.ts. Each part is checked (signature, expiry, the upload still open, the exact size),
// streamed to a temporary file in the upload's directory and renamed into place, so a part sent
// again replaces the earlier one whole (last write wins until completion). The answer carries the
// part's ETag: its MD5 in hex, quoted, as S3 answers UploadPart.
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { ReceiverError } from './http-answers.js';
import { PART_PARAM, PartSigner, partPath, readManifest, uploadDir } from './multipart.js';
import type { BodyGuard } from './stream-body.js';

/** Whether a request is for a part of a multipart upload (and not a single-upload grant). */
export function isPartRequest(query: URLSearchParams): boolean {
  return query.has(PART_PARAM.uploadId);
}

export async function receivePart(
  req: IncomingMessage,
  res: ServerResponse,
  body: BodyGuard,
  options: { root: string; signer: PartSigner; now: Date; bucket: string; key: string; query: URLSearchParams },
): Promise<void> {
  const claim = options.signer.verify(options.bucket, options.key, options.query);
  if (!claim) throw new ReceiverError(403, 'forbidden', 'signature does not match this part URL');
  if (claim.expires * 1000 < options.now.getTime()) {
    throw new ReceiverError(403, 'expired', `part URL expired at ${new Date(claim.expires * 1000).toISOString()}`);
  }
  if (req.method !== 'PUT') throw new ReceiverError(403, 'forbidden', `part URLs take PUT, not ${req.method}`);
  const dir = uploadDir(options.root, claim.uploadId);
  const manifest = await readManifest(dir);
  if (!manifest || manifest.bucket !== claim.bucket || manifest.key !== claim.key) {
    throw new ReceiverError(404, 'not-found', 'no such upload: it was completed or aborted');
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const length = Number(declared);
    if (length > claim.size) throw new ReceiverError(413, 'too-large', `Content-Length ${length} is over the part's ${claim.size} bytes`);
    if (length < claim.size) throw new ReceiverError(400, 'too-small', `Content-Length ${length} is under the part's ${claim.size} bytes`);
  }

  body.check(); // the client may have gone while we read the manifest: then no file is made
  const tmp = `${partPath(dir, claim.part)}.${randomBytes(6).toString('hex')}.tmp`;
  const meter = new PartMeter(claim.size);
  try {
    await body.streamTo(meter, await open(tmp, 'wx'));
    if (meter.bytes !== claim.size) throw new ReceiverError(400, 'too-small', `part is ${meter.bytes} bytes, granted ${claim.size}`);
    await rename(tmp, partPath(dir, claim.part));
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ReceiverError(409, 'conflict', 'the upload was completed or aborted while this part was sent');
    throw error;
  }
  const etag = `"${meter.md5()}"`;
  res.writeHead(200, { 'content-type': 'application/json', etag });
  res.end(JSON.stringify({ part: claim.part, size: meter.bytes, etag }));
}

/** Counts and MD5-hashes a part as it streams; fails past the part's size. */
class PartMeter extends Transform {
  bytes = 0;
  readonly #hash = createHash('md5');

  constructor(readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      done(new ReceiverError(413, 'too-large', `part is over its granted ${this.limit} bytes`));
      return;
    }
    this.#hash.update(chunk);
    done(null, chunk);
  }

  md5(): string {
    return this.#hash.digest('hex');
  }
}
