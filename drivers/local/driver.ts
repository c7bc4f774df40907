// LocalDriver: objects are files under `root/<bucket>/`, uploads go through the embedded receiver
// (receiver.ts), which enforces every constraint itself, so every promise is 'storage' here.
//
// Config keys: root (UPGRANT_LOCAL_ROOT), baseUrl (UPGRANT_PUBLIC_URL), secret (UPGRANT_SECRET),
// bucket (UPGRANT_BUCKET, default "local").
// Key escaping: each "/"-separated key segment is percent-encoded in the URL path and is one path
// segment on disk, so a segment over 255 bytes is refused at grant time (an InvalidRequestError 'key' once src/ wraps it);
// validated keys cannot contain "..", backslashes or control characters, and the store checks every
// path (symlinks resolved) against the bucket directory, so a key never leaves it.
// Relies on: what drivers/driver.ts guarantees (keys, content types, sizes, checksums, expiry
// validated by src/), plain options (the bucket passed localBucketName's rule in config.ts, the
// secret src/http-values.ts's check), and `now` on every request for the signing time.
// Native types exposed: none.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { collectBytes } from '../../src/bytes.js';
import { ConfigError } from '../../src/errors.js';
import { DriverError, type DriverErrorCode } from '../error-codes.js';
import { codeOf } from './errors.js';
import { validateEndpointUrl, validateSecret } from '../../src/http-values.js';
import { checkBucketName } from '../../src/env-values.js';
import { MAX_GRANT_EXPIRY } from '../../src/validate.js';
import type { GrantConstraints, UploadMethod } from '../../src/types.js';
import type {
  Driver,
  DriverEnforcement,
  DriverLimits,
  ListedPage,
  ObjectInfo,
  StagingDriver,
  SignDownloadRequest,
  SignedDownload,
  SignedUpload,
  SignUploadRequest,
} from '../driver.js';
import { DEFAULT_LOCAL_BUCKET, localBucketName } from './config.js';
import { LocalMultipart } from './multipart.js';
import type { LocalDriverOptions } from './options.js';
import { LocalUrlSigner } from './signature.js';
import { checkSegments, LocalStore } from './store.js';

export const DRIVER_NAME = 'local';

/** Characters encodeURIComponent leaves as they are, and the segment separator. */
const NOTHING_TO_ESCAPE = /^[A-Za-z0-9\-_.!~*'()/]*$/;

const ALL_STORAGE: DriverEnforcement = { createOnly: 'storage', contentType: 'storage', size: 'storage', checksum: 'storage' };

export class LocalDriver implements Driver {
  readonly name = DRIVER_NAME;
  readonly bucket: string;
  readonly limits: DriverLimits = { maxObjectSize: 5 * 1024 ** 4, maxExpiresIn: MAX_GRANT_EXPIRY };
  readonly #baseUrl: string;
  readonly #signer: LocalUrlSigner;
  readonly #store: LocalStore;
  /** Implements Driver.multipart: parts through the receiver, assembled here (multipart.ts). */
  readonly multipart: LocalMultipart;

  /** Implements Driver.clock: the options' clock, the signing time when the policy gives none. */
  readonly clock: (() => Date) | undefined;
  constructor(options: LocalDriverOptions) {
    this.clock = options.clock;
    if (!options.root) throw new ConfigError('UPGRANT_LOCAL_ROOT', 'the local driver needs a root directory');
    this.bucket = checkBucketName(localBucketName, options.bucket ?? DEFAULT_LOCAL_BUCKET);
    this.#baseUrl = validateEndpointUrl(options.baseUrl, 'UPGRANT_PUBLIC_URL');
    this.#signer = new LocalUrlSigner(validateSecret(options.secret), options.previousSecrets);
    this.#store = new LocalStore(options.root);
    // The bucket directory exists from the start, so a missing one later means a wrong root or
    // a removed bucket (a ConfigError), not "never uploaded".
    try {
      mkdirSync(path.join(this.#store.root, this.bucket), { recursive: true });
    } catch {
      // Not writable here: head and the receiver report it when it matters.
    }
    this.multipart = new LocalMultipart({
      store: this.#store,
      bucket: this.bucket,
      secret: options.secret,
      ...(options.previousSecrets ? { previousSecrets: options.previousSecrets } : {}),
      objectUrl: (key) => this.#objectUrl(key),
    });
  }

  /** Implements Driver.uploadMethods: the receiver takes PUT, for exact sizes and ranges. */
  uploadMethods(_constraints: GrantConstraints): readonly UploadMethod[] {
    return ['PUT'];
  }

  /** Implements Driver.enforcement: the receiver checks everything while streaming. */
  enforcement(_method: UploadMethod, _constraints: GrantConstraints): DriverEnforcement {
    return ALL_STORAGE;
  }

  /** Implements Driver.signUpload. */
  async signUpload(request: SignUploadRequest): Promise<SignedUpload> {
    const { constraints } = request;
    checkSegments(request.key);
    const query = this.#signer.sign({
      method: 'PUT',
      bucket: this.bucket,
      key: request.key,
      expires: expiresAt(request.now, request.expiresIn),
      contentType: constraints.contentType,
      minSize: constraints.minSize,
      maxSize: constraints.maxSize,
      createOnly: constraints.createOnly,
      ...(constraints.checksum ? { checksum: constraints.checksum } : {}),
      ...(request.record !== undefined ? { record: request.record } : {}),
    });
    const headers: Record<string, string> = { 'content-type': constraints.contentType };
    if (constraints.minSize === constraints.maxSize) headers['content-length'] = String(constraints.maxSize);
    return { url: `${this.#objectUrl(request.key)}?${query}`, headers };
  }

  /** Implements Driver.signDownload. */
  async signDownload(request: SignDownloadRequest): Promise<SignedDownload> {
    const query = this.#signer.sign({
      method: 'GET',
      bucket: this.bucket,
      key: request.key,
      expires: expiresAt(request.now, request.expiresIn),
      ...(request.contentDisposition ? { disposition: request.contentDisposition } : {}),
      ...(request.contentType ? { responseType: request.contentType } : {}),
    });
    return { url: `${this.#objectUrl(request.key)}?${query}`, headers: {} };
  }

  /** Implements Driver.head. */
  async head(key: string): Promise<ObjectInfo | undefined> {
    const info = await this.#store.head(this.bucket, key);
    if (!info) {
      if (!(await this.#store.hasBucket(this.bucket))) {
        throw new DriverError('bucket-not-found', `bucket directory "${this.bucket}" does not exist under UPGRANT_LOCAL_ROOT`);
      }
      return undefined;
    }
    const { mtimeMs: _mtime, ...rest } = info;
    return rest;
  }

  /** Implements Driver.read. */
  read(key: string): Promise<AsyncIterable<Uint8Array>> {
    return this.#store.open(this.bucket, key);
  }

  /** Implements Driver.readRange: a file read of exactly the range. */
  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const info = await this.#store.head(this.bucket, key);
    if (!info) throw Object.assign(new Error(`no object "${key}"`), { code: 'ENOENT' });
    if (offset >= info.size) return new Uint8Array(0);
    return collectBytes(await this.#store.open(this.bucket, key, { start: offset, end: Math.min(info.size, offset + length) - 1 }));
  }

  /** Implements Driver.delete. */
  delete(key: string): Promise<void> {
    return this.#store.delete(this.bucket, key);
  }

  /** Implements Driver.staging: promotion is a hard link of the same file (no copy), create-only by link(2). */
  readonly staging: StagingDriver = {
    createOnlyPromotion: true,
    checkKey: (key) => checkSegments(key),
    promote: (from, to, options) => this.#store.promote(this.bucket, from, to, options.createOnly),
    put: (key, body, options) => this.#store.put(this.bucket, key, body, { contentType: options.contentType }, options.createOnly),
    list: (prefix, options): Promise<ListedPage> => this.#store.list(this.bucket, prefix, options.cursor, options.limit),
    abortStaleMultipart: (prefix, isStale) => this.multipart.abortStale(prefix, isStale),
  };

  /** Implements Driver.errorCode (drivers/local/errors.ts). */
  errorCode(error: unknown): DriverErrorCode {
    return codeOf(error);
  }

  /** Implements Driver.close: nothing held open between calls. */
  async close(): Promise<void> {}

  #objectUrl(key: string): string {
    // Most keys (uploads/<hex id>/<safe name>) have nothing to escape: skip the split and map.
    const path = NOTHING_TO_ESCAPE.test(key) ? key : key.split('/').map(encodeURIComponent).join('/');
    return `${this.#baseUrl}/${encodeURIComponent(this.bucket)}/${path}`;
  }
}

function expiresAt(now: Date, expiresIn: number): number {
  return Math.floor(now.getTime() / 1000) + expiresIn;
}

