// The Google Cloud Storage driver: V4 signed PUT URLs (and POST policies for HTML forms) that bind
// the grant's constraints, and head/read/delete through the JSON API for verifyUpload.
//
// Config keys (GcsDriverOptions): bucket; credentials | keyFilename (GOOGLE_APPLICATION_CREDENTIALS)
// | signerEmail (UPGRANT_GCS_SIGNER_EMAIL, keyless IAM signBlob) | hmacKey (UPGRANT_GCS_HMAC_ACCESS_ID,
// UPGRANT_GCS_HMAC_SECRET); apiEndpoint (STORAGE_EMULATOR_HOST) for the JSON API and the signed URLs'
// host; projectId; authClient; iamEndpoint; virtualHostedStyle.
//
// What each grant binds (PUT): content-type, x-goog-content-length-range "min,max" (n,n for an exact
// size), x-goog-if-generation-match: 0 (create-only) and content-md5 are signed headers, so GCS itself
// refuses an upload that differs. GCS validates only MD5 and CRC32C on upload, so a declared SHA-256
// is checked by verifyUpload, which streams the object. POST policies bind key, bucket, content-type
// (exact-match condition) and content-length-range; GCS documents no generation precondition and no
// checksum for form uploads, so there create-only is 'none' and a checksum is 'verify'.
// Multipart grants are resumable upload sessions (multipart.ts).
//
// Key escaping: object names are percent-encoded per RFC 3986 in URL paths with "/" kept, exactly
// as Google's clients do (see sign.ts); keys are never rewritten.
//
// Relies on: what drivers/driver.ts guarantees (keys, content types, sizes, checksums, expiry
// validated by src/), plain options (src/config.ts read the environment; the bucket passed
// gcsBucketName's rule in config.ts), and `now` on every request for the signing time.
//
// Native types exposed: none through Driver; `createDriver` callers can reach the SDK through
// their own @google-cloud/storage client.
import type { Bucket } from '@google-cloud/storage';
import type {
  Driver,
  DriverEnforcement,
  DriverLimits,
  HeadOptions,
  ObjectInfo,
  SignDownloadRequest,
  SignUploadRequest,
  SignedDownload,
  SignedUpload,
} from '../driver.js';
import { collectBytes } from '../../src/bytes.js';
import type { GrantConstraints, UploadMethod } from '../../src/types.js';
import { DriverError, type DriverErrorCode } from '../error-codes.js';
import { codeOf, isNotFound } from './errors.js';
import { GcsMultipart } from './multipart.js';
import { GcsStaging, RECORD_METADATA } from './staging.js';
import { GcsLifecycle } from './lifecycle.js';
import { signPostPolicyV4, signUrlV4, type GcsEndpointInput } from './sign.js';
import type { GcsSigner } from './signers.js';

export const DRIVER_NAME = 'gcs' as const;

const TIB = 1024 ** 4;

export class GcsDriver implements Driver {
  readonly name = DRIVER_NAME;
  readonly bucket: string;
  /** GCS objects go up to 5 TiB; V4 signatures last at most 7 days. */
  readonly limits: DriverLimits = { maxObjectSize: 5 * TIB, maxExpiresIn: 7 * 24 * 3600 };
  readonly #signer: GcsSigner;
  readonly #endpoint: GcsEndpointInput;
  readonly #objects: Bucket;
  /** Resumable upload sessions (drivers/gcs/multipart.ts). */
  readonly multipart: GcsMultipart;
  /** Rewrite, insert and list for staged uploads (drivers/gcs/staging.ts). */
  readonly staging: GcsStaging;

  /** Implements Driver.clock: the options' clock, the signing time when the policy gives none. */
  readonly clock: (() => Date) | undefined;

  constructor(bucket: string, signer: GcsSigner, endpoint: GcsEndpointInput, objects: Bucket, clock?: () => Date) {
    this.bucket = bucket;
    this.clock = clock;
    this.#signer = signer;
    this.#endpoint = endpoint;
    this.#objects = objects;
    this.multipart = new GcsMultipart(objects);
    this.staging = new GcsStaging(objects);
  }

  /** Implements Driver.lifecycle: bucket rules for the staging prefix (lifecycle.ts). */
  get lifecycle(): GcsLifecycle {
    return new GcsLifecycle(this.#objects);
  }

  /** Implements Driver.uploadMethods: a signed PUT binds exact sizes and ranges alike; POST is for forms. */
  uploadMethods(_constraints: GrantConstraints): readonly UploadMethod[] {
    return ['PUT', 'POST'];
  }

  /** Implements Driver.enforcement. */
  enforcement(method: UploadMethod, constraints: GrantConstraints): DriverEnforcement {
    if (method === 'POST') return { createOnly: 'none', contentType: 'storage', size: 'storage', checksum: 'verify' };
    return {
      createOnly: 'storage',
      contentType: 'storage',
      size: 'storage',
      checksum: constraints.checksum?.algorithm === 'md5' ? 'storage' : 'verify',
    };
  }

  /** Implements Driver.signUpload. */
  async signUpload(request: SignUploadRequest): Promise<SignedUpload> {
    const { key, constraints, expiresIn, now } = request;
    if (request.method === 'POST') {
      const { url, fields } = await signPostPolicyV4({
        ...this.#endpoint,
        signer: this.#signer,
        bucket: this.bucket,
        object: key,
        expiration: expiresIn,
        timestamp: now,
        fields: { 'content-type': constraints.contentType, ...(request.record !== undefined ? { [`x-goog-meta-${RECORD_METADATA}`]: request.record } : {}) },
        conditions: { contentLengthRange: [constraints.minSize, constraints.maxSize] },
      });
      return { url, headers: {}, fields };
    }
    const headers = uploadHeaders(constraints);
    // Signed: GCS refuses the upload when the record is changed or left out.
    if (request.record !== undefined) headers[`x-goog-meta-${RECORD_METADATA}`] = request.record;
    const url = await signUrlV4({
      ...this.#endpoint,
      signer: this.#signer,
      bucket: this.bucket,
      object: key,
      method: 'PUT',
      expiration: expiresIn,
      timestamp: now,
      headers,
    });
    return { url, headers };
  }

  /** Implements Driver.signDownload: response overrides travel as signed query parameters. */
  async signDownload(request: SignDownloadRequest): Promise<SignedDownload> {
    const queryParameters: Record<string, string> = {};
    if (request.contentDisposition !== undefined) queryParameters['response-content-disposition'] = request.contentDisposition;
    if (request.contentType !== undefined) queryParameters['response-content-type'] = request.contentType;
    const url = await signUrlV4({
      ...this.#endpoint,
      signer: this.#signer,
      bucket: this.bucket,
      object: request.key,
      method: 'GET',
      expiration: request.expiresIn,
      timestamp: request.now,
      queryParameters,
    });
    return { url, headers: {} };
  }

  /** Implements Driver.head through the JSON API (size, contentType, md5Hash). */
  async head(key: string, options: HeadOptions = {}): Promise<ObjectInfo | undefined> {
    try {
      const [metadata] = await this.#objects.file(key).getMetadata();
      return {
        size: Number(metadata.size ?? 0),
        contentType: metadata.contentType ?? '',
        ...(metadata.md5Hash ? { md5: metadata.md5Hash } : {}),
        ...(metadata.etag ? { etag: metadata.etag } : {}),
        ...(typeof metadata.metadata?.[RECORD_METADATA] === 'string' ? { record: metadata.metadata[RECORD_METADATA] } : {}),
      };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    // A 404 for the object or for its bucket: name the bucket when it is the one missing.
    if (options.bucketSeen) return undefined;
    const [bucketExists] = await this.#objects.exists();
    if (!bucketExists) throw new DriverError('bucket-not-found', `bucket "${this.bucket}" does not exist`);
    return undefined;
  }

  /** Implements Driver.read: the stored bytes, as GCS serves them (no transcoding checks needed here). */
  async read(key: string): Promise<AsyncIterable<Uint8Array>> {
    return this.#objects.file(key).createReadStream({ validation: false });
  }

  /** Implements Driver.readRange: a media download with a Range header (start and end inclusive). */
  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    try {
      return await collectBytes(this.#objects.file(key).createReadStream({ validation: false, start: offset, end: offset + length - 1 }));
    } catch (error) {
      // 416: the range starts past the end (an empty object).
      if ((error as { code?: unknown }).code === 416) return new Uint8Array(0);
      throw error;
    }
  }

  /** Implements Driver.delete. */
  async delete(key: string): Promise<void> {
    await this.#objects.file(key).delete({ ignoreNotFound: true });
  }

  /** Implements Driver.errorCode (drivers/gcs/errors.ts). */
  errorCode(error: unknown): DriverErrorCode {
    return codeOf(error);
  }

  /** Implements Driver.close: the JSON API client keeps no sockets or timers of its own to release. */
  async close(): Promise<void> {}
}

/** The signed headers of a PUT grant: exactly what the client must send. */
export function uploadHeaders(constraints: GrantConstraints): Record<string, string> {
  return {
    'content-type': constraints.contentType,
    'x-goog-content-length-range': `${constraints.minSize},${constraints.maxSize}`,
    ...(constraints.createOnly ? { 'x-goog-if-generation-match': '0' } : {}),
    ...(constraints.checksum?.algorithm === 'md5' ? { 'content-md5': constraints.checksum.value } : {}),
  };
}
