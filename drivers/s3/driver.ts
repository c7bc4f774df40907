// S3 driver: upload grants for AWS S3 and S3-compatible stores.
//
// # Config keys (S3DriverOptions; environment names in brackets)
// - bucket [UPGRANT_BUCKET], required.
// - region [AWS_REGION, AWS_DEFAULT_REGION], default us-east-1.
// - endpoint [AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL] and forcePathStyle [UPGRANT_S3_FORCE_PATH_STYLE]
//   for compatible stores; path style is the default for IP-address and localhost endpoints.
// - compat [UPGRANT_S3_COMPAT], default aws: the store's profile (compat.ts), which says what it
//   enforces; every enforcement map below is read from it. Single switches override it:
//   conditionalWrites [UPGRANT_S3_CONDITIONAL_WRITES] (sign the create-only header),
//   sha256Checksums [UPGRANT_S3_SHA256_CHECKSUMS] (the store validates `x-amz-checksum-sha256`;
//   otherwise verifyUpload checks a declared SHA-256), postUploads [UPGRANT_S3_POST_UPLOADS]
//   (browser POST uploads; without them PUT only, so no size range).
// - credentials, else the AWS SDK default chain; client, clock.
//
// # Grants
// PUT (exact size): a SigV4 presigned URL signing host, content-type, content-length, the
// checksum header (content-md5, or x-amz-checksum-sha256 kept as a header) and the profile's
// create-only header (if-none-match: *, or x-goog-if-generation-match: 0 on Cloud Storage).
// POST (size range, or asked for): a browser POST policy with the exact key, `eq $Content-Type`,
// content-length-range and Content-MD5. S3 documents conditional writes for PutObject,
// CompleteMultipartUpload and CopyObject only, so POST grants are never create-only ('none').
//
// # Escaping
// Keys are URI-encoded once per path segment ("/" kept), never normalised: what S3 signs.
//
// # Relies on
// What drivers/driver.ts guarantees (keys, content types, sizes, checksums, expiry validated and
// normalised by src/), options that are plain values (src/config.ts read the environment; the
// bucket passed s3BucketName's rule in config.ts), and `now` on every request for the signing time.
//
// # Native types
// The @aws-sdk/client-s3 S3Client (options.client, or one built from the options) serves
// head/read/delete; signing never touches it.
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { recordFrom, recordMetadata } from './record.js';
import { S3Staging } from './staging.js';
import type {
  ConfigProblem,
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
import type { GrantConstraints, UploadMethod } from '../../src/types.js';
import type { S3CompatProfile } from './compat.js';
import { CredentialCache } from './credentials.js';
import type { S3Endpoint } from './endpoint.js';
import { DriverError, type DriverErrorCode } from '../error-codes.js';
import { codeOf, configProblemOf, isNotFound } from './errors.js';
import { S3Lifecycle } from './lifecycle.js';
import { S3Multipart } from './multipart.js';
import type { S3DriverOptions } from './options.js';
import { signPostPolicy } from './post-policy.js';
import type { S3Settings } from './settings.js';
import { SigV4Signer } from './sigv4.js';

export const DRIVER_NAME = 's3';


/** A single PUT (and a POST form) uploads at most 5 GiB. */
const MAX_OBJECT_SIZE = 5 * 1024 ** 3;
/** SigV4 presigned URLs are valid for at most 7 days. */
const MAX_EXPIRES_IN = 7 * 24 * 3600;

const PUT_AND_POST: readonly UploadMethod[] = ['PUT', 'POST'];
const PUT_ONLY: readonly UploadMethod[] = ['PUT'];
const POST_ONLY: readonly UploadMethod[] = ['POST'];
const NONE: readonly UploadMethod[] = [];

export class S3Driver implements Driver {
  readonly name = DRIVER_NAME;
  readonly bucket: string;
  readonly limits: DriverLimits = { maxObjectSize: MAX_OBJECT_SIZE, maxExpiresIn: MAX_EXPIRES_IN };

  readonly #client: S3Client;
  readonly #ownsClient: boolean;
  readonly #endpoint: S3Endpoint;
  readonly #signer: SigV4Signer;
  readonly #credentials: CredentialCache;
  /** What this store enforces (the resolved UPGRANT_S3_COMPAT profile). */
  readonly compat: S3CompatProfile;
  /** Implements Driver.multipart: UploadPart URLs from the same signer (multipart.ts). */
  readonly multipart: S3Multipart;
  /** Implements Driver.staging: CopyObject, PutObject, ListObjectsV2 (staging.ts). */
  readonly staging: S3Staging;

  /** Implements Driver.clock: the options' clock, the signing time when the policy gives none. */
  readonly clock: (() => Date) | undefined;
  /** For use by createDriver, which resolves the settings and warms the credential cache. */
  constructor(settings: S3Settings, options: S3DriverOptions, credentials: CredentialCache) {
    this.bucket = settings.bucket;
    this.clock = options.clock;
    this.#client = settings.client;
    this.#ownsClient = settings.ownsClient;
    this.#endpoint = settings.endpoint;
    this.#signer = new SigV4Signer(settings.region, 's3');
    this.#credentials = credentials;
    this.compat = settings.compat;
    this.multipart = new S3Multipart({
      bucket: this.bucket,
      client: this.#client,
      endpoint: this.#endpoint,
      signer: this.#signer,
      credentials,
      createOnlyComplete: this.compat.createOnlyComplete,
    });
    this.staging = new S3Staging(this.bucket, this.#client, this.compat.copy.destinationIfNoneMatch, this.compat.createOnlyPut);
  }

  /** Implements Driver.lifecycle: rules for the staging prefix (lifecycle.ts). */
  get lifecycle(): S3Lifecycle {
    return new S3Lifecycle(this.#client, this.bucket);
  }

  /** Implements Driver.uploadMethods: a signed Content-Length needs the exact size; a range needs POST. */
  uploadMethods(constraints: GrantConstraints): readonly UploadMethod[] {
    const exact = constraints.minSize === constraints.maxSize;
    if (this.compat.postObject) return exact ? PUT_AND_POST : POST_ONLY;
    return exact ? PUT_ONLY : NONE;
  }

  /** Implements Driver.enforcement. */
  enforcement(method: UploadMethod, constraints: GrantConstraints): DriverEnforcement {
    const checksum = constraints.checksum?.algorithm;
    if (method === 'POST') {
      return {
        createOnly: 'none',
        contentType: 'storage',
        size: 'storage',
        // AWS checks the Content-MD5 form field (Ceph does not); no form field carries a SHA-256.
        checksum: checksum === 'md5' && this.compat.postMd5 ? 'storage' : 'verify',
      };
    }
    const validated = checksum === 'md5' ? this.compat.md5.validates : this.compat.sha256.validates;
    return {
      createOnly: this.compat.createOnlyPut ? 'storage' : 'none',
      contentType: 'storage',
      size: 'storage',
      checksum: validated ? 'storage' : 'verify',
    };
  }

  /** Implements Driver.signUpload. */
  async signUpload(request: SignUploadRequest): Promise<SignedUpload> {
    const credentials = await this.#credentials.get();
    const { constraints } = request;
    const checksum = constraints.checksum;
    if (request.method === 'POST') {
      return {
        url: this.#endpoint.postUrl,
        headers: {},
        fields: signPostPolicy(this.#signer, {
          bucket: this.bucket,
          key: request.key,
          contentType: constraints.contentType,
          minSize: constraints.minSize,
          maxSize: constraints.maxSize,
          ...(checksum?.algorithm === 'md5' ? { contentMd5: checksum.value } : {}),
          ...(request.record !== undefined ? { metadata: recordMetadata(request.record) } : {}),
          expiresIn: request.expiresIn,
          now: request.now,
          credentials,
        }),
      };
    }
    const headers: Record<string, string> = {
      'content-type': constraints.contentType,
      'content-length': String(constraints.maxSize),
    };
    if (checksum?.algorithm === 'md5') headers['content-md5'] = checksum.value;
    else if (checksum && this.compat.sha256.validates) headers['x-amz-checksum-sha256'] = checksum.value;
    const createOnly = this.compat.createOnlyPut;
    if (constraints.createOnly && createOnly) headers[createOnly.name] = createOnly.value;
    // Signed: the store refuses the upload when the record is changed or left out.
    if (request.record !== undefined) for (const [name, piece] of Object.entries(recordMetadata(request.record))) headers[`x-amz-meta-${name}`] = piece;

    const path = this.#endpoint.objectPath(request.key);
    const signed = this.#signer.presign({
      method: 'PUT',
      host: this.#endpoint.host,
      path,
      headers,
      expiresIn: request.expiresIn,
      now: request.now,
      credentials,
    });
    return { url: `${this.#endpoint.url(path)}?${signed.query}`, headers };
  }

  /** Implements Driver.signDownload: response-* overrides are signed query parameters. */
  async signDownload(request: SignDownloadRequest): Promise<SignedDownload> {
    const credentials = await this.#credentials.get();
    const query: [string, string][] = [];
    if (request.contentDisposition !== undefined) query.push(['response-content-disposition', request.contentDisposition]);
    if (request.contentType !== undefined) query.push(['response-content-type', request.contentType]);
    const path = this.#endpoint.objectPath(request.key);
    const signed = this.#signer.presign({
      method: 'GET',
      host: this.#endpoint.host,
      path,
      query,
      expiresIn: request.expiresIn,
      now: request.now,
      credentials,
    });
    return { url: `${this.#endpoint.url(path)}?${signed.query}`, headers: {} };
  }

  /** Implements Driver.head. */
  async head(key: string, options: HeadOptions = {}): Promise<ObjectInfo | undefined> {
    let out: HeadObjectCommandOutput;
    try {
      out = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }));
    } catch (error) {
      if (isNotFound(error)) {
        if (!options.bucketSeen) await this.#assertBucket();
        return undefined;
      }
      throw error;
    }
    const etag = out.ETag?.replace(/^"|"$/g, '');
    // Only digests the profile says the store reports: an ETag that merely looks like an MD5
    // would otherwise make verifyUpload reject a good upload.
    const md5 = this.compat.md5.reports ? etagMd5(etag, out) : undefined;
    const reported = this.compat.sha256.reports ? out.ChecksumSHA256 : undefined;
    const sha256 = reported && !reported.includes('-') && out.ChecksumType !== 'COMPOSITE' ? reported : undefined;
    return {
      size: out.ContentLength ?? 0,
      contentType: out.ContentType ?? '',
      ...(md5 ? { md5 } : {}),
      ...(sha256 ? { sha256 } : {}),
      ...(etag ? { etag } : {}),
      ...(recordFrom(out.Metadata) ? { record: recordFrom(out.Metadata)! } : {}),
    };
  }

  /**
   * A HEAD answer has no body, so a 404 cannot say whether the key or the bucket is missing:
   * ask the bucket, and name it when it is the one missing (only on a miss, never on a hit).
   * Asked twice before concluding: a store under load (Swift's proxy timing out on its container
   * servers) can answer one HeadBucket with a 404 or a 5xx for a bucket that is there, and a
   * missing bucket there would fail a verification that only needed "not found".
   */
  async #assertBucket(): Promise<void> {
    let missing: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
        return;
      } catch (error) {
        missing = isMissingBucket(error) && (attempt === 0 || missing !== undefined) ? error : undefined;
      }
    }
    // Anything but a missing bucket both times (e.g. no s3:ListBucket permission): the object is simply not there.
    if (missing !== undefined) {
      throw new DriverError('bucket-not-found', `bucket "${this.bucket}" does not exist on this endpoint`, { cause: missing });
    }
  }

  /** Implements Driver.read. */
  async read(key: string): Promise<AsyncIterable<Uint8Array>> {
    const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) throw new Error(`GetObject returned no body for "${key}"`);
    return out.Body as AsyncIterable<Uint8Array>;
  }

  /** Implements Driver.readRange: a GET with a Range header; S3 answers 416 for a range past the end. */
  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${offset}-${offset + length - 1}` }));
      if (!out.Body) return new Uint8Array(0);
      return (await out.Body.transformToByteArray()).subarray(0, length);
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) return new Uint8Array(0);
      throw error;
    }
  }

  /** Implements Driver.delete: S3 answers 204 for a missing key too; a 404 is not an error either. */
  async delete(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }

  /** Implements Driver.errorCode (drivers/s3/errors.ts). */
  errorCode(error: unknown): DriverErrorCode {
    return codeOf(error);
  }

  /** Implements Driver.configProblem (drivers/s3/errors.ts). */
  configProblem(error: unknown): ConfigProblem | undefined {
    return configProblemOf(error, this.bucket);
  }

  /** Implements Driver.close: destroys the SDK client only when the driver built it. */
  async close(): Promise<void> {
    if (this.#ownsClient) this.#client.destroy();
  }
}

/**
 * The ETag is the body's MD5 only for a single-part upload (plain 32 hex digits) stored without
 * SSE-KMS or SSE-C, which make it an opaque value.
 */
function etagMd5(etag: string | undefined, out: HeadObjectCommandOutput): string | undefined {
  if (!etag || !/^[0-9a-f]{32}$/i.test(etag)) return undefined;
  if (out.SSECustomerAlgorithm || (out.ServerSideEncryption && out.ServerSideEncryption.startsWith('aws:kms'))) return undefined;
  return Buffer.from(etag, 'hex').toString('base64');
}

/** HeadBucket's own answer that the bucket is not there: NoSuchBucket, or its bodyless 404. */
function isMissingBucket(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchBucket' || name === 'NotFound' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
}
