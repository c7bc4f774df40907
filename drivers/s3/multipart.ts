// S3 multipart uploads. The server starts the upload (CreateMultipartUpload, with the granted
// Content-Type bound there), each part gets a presigned UploadPart URL from the driver's own
// SigV4 signer that signs the part's exact Content-Length, and the server completes the upload
// (CompleteMultipartUpload, with `If-None-Match: *` where the store has conditional writes) or
// aborts it (AbortMultipartUpload, which discards every part sent so far).
//
// Enforcement: content type and size are the storage's (set server-side; each part's length is
// signed and the part URLs cover the file exactly). S3 keeps no whole-object SHA-256 or MD5 for a
// multipart object (its ETag is the MD5 of the part MD5s), so a declared checksum is 'verify':
// verifyUpload streams the object. Create-only is the storage's where the profile says
// CompleteMultipartUpload honours If-None-Match (AWS, R2); Ceph RGW ignores it there.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
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
import type { CredentialCache } from './credentials.js';
import { recordMetadata } from './record.js';
import type { S3Endpoint } from './endpoint.js';
import { DriverError } from '../error-codes.js';
import { errorCode, isNotFound, statusOf } from './errors.js';
import type { SigV4Signer } from './sigv4.js';

const MIB = 1024 * 1024;

export interface S3MultipartDeps {
  readonly bucket: string;
  readonly client: S3Client;
  readonly endpoint: S3Endpoint;
  readonly signer: SigV4Signer;
  readonly credentials: CredentialCache;
  /** CompleteMultipartUpload honours `If-None-Match: *` (the profile's createOnlyComplete). */
  readonly createOnlyComplete: boolean;
}

export class S3Multipart implements MultipartDriver {
  /** S3's documented multipart limits (parts of 5 MiB to 5 GiB, the last smaller; 10,000 parts). */
  readonly limits: MultipartLimits = { minPartSize: 5 * MIB, maxPartSize: 5 * 1024 * MIB, maxParts: 10_000, maxObjectSize: 5 * 1024 ** 4 };
  readonly #s3: S3MultipartDeps;

  constructor(deps: S3MultipartDeps) {
    this.#s3 = deps;
  }

  /** Implements MultipartDriver.enforcement. */
  enforcement(_constraints: GrantConstraints): DriverEnforcement {
    return { createOnly: this.#s3.createOnlyComplete ? 'storage' : 'none', contentType: 'storage', size: 'storage', checksum: 'verify' };
  }

  /** Implements MultipartDriver.start. */
  async start(request: StartMultipartRequest): Promise<StartedMultipart> {
    const { bucket, client, endpoint, signer } = this.#s3;
    const credentials = await this.#s3.credentials.get();
    const out = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: request.key,
        ContentType: request.constraints.contentType,
        ...(request.record !== undefined ? { Metadata: recordMetadata(request.record) } : {}),
      }),
    );
    const uploadId = out.UploadId;
    if (!uploadId) throw new Error('CreateMultipartUpload answered without an UploadId');
    const path = endpoint.objectPath(request.key);
    const parts = request.partSizes.map((size, i) => {
      const headers = { 'content-length': String(size) };
      const signed = signer.presign({
        method: 'PUT',
        host: endpoint.host,
        path,
        query: [
          ['partNumber', String(i + 1)],
          ['uploadId', uploadId],
        ],
        headers,
        expiresIn: request.expiresIn,
        now: request.now,
        credentials,
      });
      return { url: `${endpoint.url(path)}?${signed.query}`, headers };
    });
    return { uploadId, parts };
  }

  /** Implements MultipartDriver.complete. */
  async complete(request: CompleteMultipartRequest): Promise<{ etag?: string }> {
    const { bucket, client, createOnlyComplete: conditional } = this.#s3;
    const missing = request.parts.findIndex((p) => !p.etag);
    if (missing >= 0) throw new DriverError('invalid-parts', 'S3 needs the ETag each part upload answered', { field: `parts[${missing}].etag` });
    const createOnly = request.constraints.createOnly;
    // Without conditional writes this is only a courtesy check (a race can still overwrite): the
    // grant says so with createOnly 'none'.
    if (createOnly && !conditional && (await this.#exists(request.key))) {
      throw new DriverError('precondition-failed', `an object already exists at "${request.key}" (create-only grant)`, { field: 'key' });
    }
    try {
      const out = await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: request.key,
          UploadId: request.uploadId,
          MultipartUpload: { Parts: request.parts.map((p) => ({ PartNumber: p.number, ETag: p.etag })) },
          ...(createOnly && conditional ? { IfNoneMatch: '*' } : {}),
        }),
      );
      const etag = out.ETag?.replace(/^"|"$/g, '');
      return etag ? { etag } : {};
    } catch (error) {
      switch (errorCode(error)) {
        case 'InvalidPart':
        case 'InvalidPartOrder':
        case 'EntityTooSmall':
          throw new DriverError('invalid-parts', `S3 refused the part list (${errorCode(error)}): a part is missing, or its ETag is not the one S3 answered`, { field: 'parts', cause: error });
        case 'NoSuchUpload':
          throw noSuchUpload(error);
        case 'PreconditionFailed':
          throw new DriverError('precondition-failed', `an object already exists at "${request.key}" (create-only grant)`, { field: 'key', cause: error });
        default:
          // Ceph RGW answers 500 ("completion is already in progress") for an aborted upload
          // where AWS says 404 NoSuchUpload: ask whether the upload still exists.
          if ((statusOf(error) ?? 0) >= 500 && (await this.#gone(request))) throw noSuchUpload(error);
          throw error;
      }
    }
  }

  /** Implements MultipartDriver.abort: discards every part; an unknown upload is fine. */
  async abort(session: MultipartSession): Promise<void> {
    const { bucket, client } = this.#s3;
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: session.key, UploadId: session.uploadId }));
    } catch (error) {
      if (errorCode(error) === 'NoSuchUpload' || isNotFound(error)) return;
      throw error;
    }
  }

  /** Whether the storage no longer knows this upload (ListParts: NoSuchUpload / 404). */
  async #gone(session: MultipartSession): Promise<boolean> {
    try {
      await this.#s3.client.send(new ListPartsCommand({ Bucket: this.#s3.bucket, Key: session.key, UploadId: session.uploadId, MaxParts: 1 }));
      return false;
    } catch (error) {
      return errorCode(error) === 'NoSuchUpload' || isNotFound(error);
    }
  }

  /** Implements MultipartDriver.listParts: ListParts, page by page (1,000 parts a page). */
  async listParts(session: MultipartSession): Promise<readonly StoredPart[]> {
    const { bucket, client } = this.#s3;
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    try {
      for (let page = 0; page < 20; page++) {
        const out = await client.send(new ListPartsCommand({ Bucket: bucket, Key: session.key, UploadId: session.uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }));
        for (const p of out.Parts ?? []) {
          if (p.PartNumber !== undefined && p.Size !== undefined) parts.push({ number: p.PartNumber, size: p.Size, ...(p.ETag ? { etag: p.ETag } : {}) });
        }
        if (!out.IsTruncated || !out.NextPartNumberMarker) break;
        marker = out.NextPartNumberMarker;
      }
    } catch (error) {
      if (errorCode(error) === 'NoSuchUpload') throw noSuchUpload(error);
      throw error;
    }
    return parts;
  }

  async #exists(key: string): Promise<boolean> {
    try {
      await this.#s3.client.send(new HeadObjectCommand({ Bucket: this.#s3.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

/** The upload the token names is gone: the caller's token is stale. */
function noSuchUpload(cause: unknown): DriverError {
  return new DriverError('not-found', 'no such upload on S3: it was completed or aborted already', { field: 'token', cause });
}
