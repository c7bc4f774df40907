// Local multipart uploads, driver side. start() writes a manifest under
// `<root>/.upgrant-tmp/mp-<uploadId>/` and signs one URL per part (bucket, key, upload id, part
// number, exact part size, expiry); the receiver (part-receiver.ts) streams each part into that
// directory. complete() claims the directory, concatenates the parts in order into a temporary
// file while checking each part's size and ETag (its MD5) and the declared checksum, and publishes
// it with the same atomic create-only commit as single uploads. abort() removes the directory:
// nothing is visible before completion and nothing is left after an abort.
//
// A grant costs the same however many uploads are open: start() reads no other upload's manifest.
// Uploads nobody completed or aborted are removed by the receiver's periodic sweep (sweep.ts).
import { createHash, createHmac, randomBytes, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DriverError } from '../error-codes.js';
import { deriveKeys, sameMac } from '../../src/token.js';
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
import { canonicalInteger, canonicalQuery } from './signature.js';
import { checkSegments, ObjectExistsError, type LocalStore, type StoredMeta } from './store.js';
import { ReceiverError } from './http-answers.js';

export const PART_PARAM = {
  uploadId: 'X-Upgrant-Upload-Id',
  part: 'X-Upgrant-Part',
  size: 'X-Upgrant-Part-Size',
  expires: 'X-Upgrant-Expires',
  signature: 'X-Upgrant-Signature',
} as const;

const TMP_DIR = '.upgrant-tmp';
const UPLOAD_ID = /^[0-9a-f]{32}$/;
const PART_PARAMS: ReadonlySet<string> = new Set(Object.values(PART_PARAM));

/** Manifest reads since the process started (a test checks that a grant reads none). */
export const manifestReads = { count: 0 };
const ALL_STORAGE: DriverEnforcement = { createOnly: 'storage', contentType: 'storage', size: 'storage', checksum: 'storage' };

/** What start() records, and what the receiver and complete() check against. */
export interface Manifest {
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly partSizes: readonly number[];
  /** Unix seconds. */
  readonly expires: number;
  /** The grant record the assembled object carries. */
  readonly record?: string;
}

/** One part URL's claims, as both sides sign them. */
export interface PartClaim {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly part: number;
  readonly size: number;
  readonly expires: number;
}

/** Signs and checks part URLs, with a key of its own (a part URL can never pass as an object grant). */
export class PartSigner {
  /** The current secret's key first (it signs), then the previous secrets' (they only verify). */
  readonly #keys: readonly KeyObject[];

  constructor(secret: string, previousSecrets?: readonly string[]) {
    this.#keys = deriveKeys(secret, previousSecrets, 'local-part/v1');
  }

  sign(claim: PartClaim): string {
    const query = new URLSearchParams();
    query.set(PART_PARAM.uploadId, claim.uploadId);
    query.set(PART_PARAM.part, String(claim.part));
    query.set(PART_PARAM.size, String(claim.size));
    query.set(PART_PARAM.expires, String(claim.expires));
    query.set(PART_PARAM.signature, this.#mac(this.#keys[0]!, claim));
    return query.toString();
  }

  /**
   * The authenticated claim of a request: undefined when the signature matches no accepted
   * secret; a 400 ReceiverError when the query is not in its one canonical spelling.
   */
  verify(bucket: string, key: string, query: URLSearchParams): PartClaim | undefined {
    const params = canonicalQuery(query, PART_PARAMS);
    const uploadId = params.get(PART_PARAM.uploadId) ?? '';
    if (!UPLOAD_ID.test(uploadId)) throw new ReceiverError(400, 'bad-request', `${PART_PARAM.uploadId} is malformed`);
    const part = canonicalInteger(params, PART_PARAM.part);
    const size = canonicalInteger(params, PART_PARAM.size);
    const expires = canonicalInteger(params, PART_PARAM.expires);
    const given = params.get(PART_PARAM.signature);
    if (given === undefined) throw new ReceiverError(400, 'bad-request', `the URL has no ${PART_PARAM.signature}`);
    const claim = { bucket, key, uploadId, part, size, expires };
    return this.#keys.some((k) => sameMac(this.#mac(k, claim), given)) ? claim : undefined;
  }

  #mac(key: KeyObject, c: PartClaim): string {
    const canonical = ['PART', c.bucket, c.key, c.uploadId, c.part, c.size, c.expires].join('\n');
    return createHmac('sha256', key).update(canonical).digest('base64url');
  }
}

/** Where an upload's parts live, under the store's root. */
export function uploadDir(root: string, uploadId: string): string {
  return path.join(root, TMP_DIR, `mp-${uploadId}`);
}

export function partPath(dir: string, part: number): string {
  return path.join(dir, `part-${part}`);
}

export async function readManifest(dir: string): Promise<Manifest | undefined> {
  manifestReads.count += 1;
  try {
    return JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

export interface LocalMultipartOptions {
  readonly store: LocalStore;
  readonly bucket: string;
  readonly secret: string;
  readonly previousSecrets?: readonly string[];
  /** The object's URL without a query. */
  readonly objectUrl: (key: string) => string;
}

export class LocalMultipart implements MultipartDriver {
  readonly limits: MultipartLimits = { minPartSize: 1, maxPartSize: 5 * 1024 ** 3, maxParts: 10_000, maxObjectSize: 5 * 1024 ** 4 };
  readonly #options: LocalMultipartOptions;
  readonly #signer: PartSigner;

  constructor(options: LocalMultipartOptions) {
    this.#options = options;
    this.#signer = new PartSigner(options.secret, options.previousSecrets);
  }

  /** Implements MultipartDriver.enforcement: the receiver checks every part, complete() the whole. */
  enforcement(_constraints: GrantConstraints): DriverEnforcement {
    return ALL_STORAGE;
  }

  /** Implements MultipartDriver.start. */
  async start(request: StartMultipartRequest): Promise<StartedMultipart> {
    const { store, bucket } = this.#options;
    checkSegments(request.key);
    const uploadId = randomBytes(16).toString('hex');
    const expires = Math.floor(request.now.getTime() / 1000) + request.expiresIn;
    const dir = uploadDir(store.root, uploadId);
    await mkdir(dir, { recursive: true });
    const manifest: Manifest = {
      bucket,
      key: request.key,
      contentType: request.constraints.contentType,
      partSizes: request.partSizes,
      expires,
      ...(request.record !== undefined ? { record: request.record } : {}),
    };
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest), { flag: 'wx' });
    const url = this.#options.objectUrl(request.key);
    const parts = request.partSizes.map((size, i) => ({
      url: `${url}?${this.#signer.sign({ bucket, key: request.key, uploadId, part: i + 1, size, expires })}`,
      headers: { 'content-length': String(size) },
    }));
    return { uploadId, parts };
  }

  /** Implements MultipartDriver.complete. */
  async complete(request: CompleteMultipartRequest): Promise<{ etag?: string }> {
    const { store, bucket } = this.#options;
    const dir = uploadDir(store.root, checkUploadId(request.uploadId));
    // Claim the upload: a concurrent complete or abort, and parts still arriving, find it gone.
    const claimed = `${dir}.completing-${randomBytes(4).toString('hex')}`;
    try {
      await rename(dir, claimed);
    } catch (error) {
      throw noSuchUpload(error);
    }
    let publish = false;
    try {
      const manifest = await readManifest(claimed);
      if (!manifest || manifest.bucket !== bucket || manifest.key !== request.key) throw new DriverError('invalid-argument', 'does not match this upload', { field: 'token' });
      const tmp = await store.tempPath();
      let digest: string | undefined;
      try {
        digest = await concatenate(claimed, request, tmp);
        const declared = request.constraints.checksum;
        if (declared && digest !== declared.value) {
          publish = true; // the parts are all there and wrong together: this upload cannot succeed
          const violations = [{ constraint: 'checksum' as const, expected: `${declared.algorithm} ${declared.value}`, actual: `${declared.algorithm} ${digest}` }];
          throw new DriverError('invalid-parts', 'the assembled parts do not have the declared checksum', { violations });
        }
        const meta: StoredMeta = {
          contentType: request.constraints.contentType,
          ...(declared ? { [declared.algorithm]: digest } : {}),
          ...(manifest.record !== undefined ? { record: manifest.record } : {}),
        };
        publish = true;
        await store.commit(tmp, bucket, request.key, meta, request.constraints.createOnly);
      } catch (error) {
        await unlink(tmp).catch(() => undefined);
        if (error instanceof ObjectExistsError) throw new DriverError('precondition-failed', `an object already exists at "${request.key}" (create-only grant)`, { field: 'key', cause: error });
        throw error;
      }
      const info = await store.head(bucket, request.key);
      return info?.etag ? { etag: info.etag } : {};
    } finally {
      // After a publish attempt the upload is over; before it (a missing or wrong part) the client
      // may still fix the part and complete again, so the directory goes back in place.
      if (publish) await rm(claimed, { recursive: true, force: true });
      else await rename(claimed, dir).catch(() => rm(claimed, { recursive: true, force: true }));
    }
  }

  /** Implements MultipartDriver.abort. */
  async abort(session: MultipartSession): Promise<void> {
    const dir = uploadDir(this.#options.store.root, checkUploadId(session.uploadId));
    // Claim the upload first, as complete() does: a part still arriving then finds its directory
    // gone and cleans up after itself, instead of racing the removal (rm saw ENOTEMPTY).
    const claimed = `${dir}.aborting-${randomBytes(4).toString('hex')}`;
    try {
      await rename(dir, claimed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // completed or aborted already
      throw error;
    }
    await rm(claimed, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  }

  /** Remove uploads to keys under `prefix` that `isStale` names; returns how many. */
  async abortStale(prefix: string, isStale: (key: string) => boolean): Promise<number> {
    const tmp = path.join(this.#options.store.root, TMP_DIR);
    const entries = await readdir(tmp).catch(() => [] as string[]);
    let aborted = 0;
    for (const name of entries) {
      if (!/^mp-[0-9a-f]{32}$/.test(name)) continue;
      const manifest = await readManifest(path.join(tmp, name));
      if (!manifest || manifest.bucket !== this.#options.bucket || !manifest.key.startsWith(prefix) || !isStale(manifest.key)) continue;
      await this.abort({ key: manifest.key, uploadId: name.slice(3), constraints: { contentType: manifest.contentType, minSize: 0, maxSize: 0, createOnly: true }, partSizes: manifest.partSizes });
      aborted += 1;
    }
    return aborted;
  }

  /** Implements MultipartDriver.listParts: the part files the receiver renamed into place (whole parts only). */
  async listParts(session: MultipartSession): Promise<readonly StoredPart[]> {
    const dir = uploadDir(this.#options.store.root, checkUploadId(session.uploadId));
    const names = await readdir(dir).catch(() => undefined);
    if (!names) throw noSuchUpload(undefined);
    const parts: StoredPart[] = [];
    for (const name of names) {
      const match = /^part-(\d+)$/.exec(name);
      if (!match) continue;
      const size = await stat(path.join(dir, name)).then((s) => s.size, () => undefined);
      if (size !== undefined) parts.push({ number: Number(match[1]), size });
    }
    return parts;
  }
}

function checkUploadId(uploadId: string): string {
  if (!UPLOAD_ID.test(uploadId)) throw new DriverError('invalid-argument', 'carries a malformed local upload id', { field: 'token' });
  return uploadId;
}

/** The upload the token names is gone: the caller's token is stale. */
function noSuchUpload(cause: unknown): DriverError {
  return new DriverError('not-found', 'no such upload here: it was completed or aborted already', { field: 'token', ...(cause === undefined ? {} : { cause }) });
}

/** Parts in order into `tmp`, each checked for size and ETag; returns the declared algorithm's digest. */
async function concatenate(dir: string, request: CompleteMultipartRequest, tmp: string): Promise<string | undefined> {
  const algorithm = request.constraints.checksum?.algorithm;
  const whole = algorithm ? createHash(algorithm) : undefined;
  const out = createWriteStream(tmp, { flags: 'wx' });
  try {
    for (const [i, part] of request.parts.entries()) {
      const file = partPath(dir, part.number);
      const size = await stat(file).then((s) => s.size, () => undefined);
      if (size === undefined) throw new DriverError('invalid-parts', `part ${part.number} was never uploaded`, { field: 'parts' });
      if (size !== request.partSizes[i]) throw new DriverError('invalid-parts', `part ${part.number} is ${size} bytes, granted ${request.partSizes[i]}`, { field: 'parts' });
      const md5 = createHash('md5');
      await pipeline(createReadStream(file), async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          md5.update(chunk);
          whole?.update(chunk);
          yield chunk;
        }
      }, out, { end: false });
      const etag = md5.digest('hex');
      if (part.etag && part.etag.replace(/^(W\/)?"|"$/g, '') !== etag) {
        throw new DriverError('invalid-parts', `part ${part.number} holds other bytes than the ETag given (a newer send replaced it?)`, { field: `parts[${i}].etag` });
      }
    }
  } catch (error) {
    out.destroy();
    throw error;
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return whole?.digest('base64');
}
