// What staged uploads need from S3: CopyObject to promote (create-only at the destination with the
// header the store's compat profile names, where it has one: `If-None-Match: *` on AWS, none on
// Ceph RGW, which overwrites whatever header is sent; metadata is copied with the object),
// PutObject for markers, ListObjectsV2 for the staging prefix, and ListMultipartUploads +
// AbortMultipartUpload for uploads nobody completed. CopyObject copies up to 5 GiB in one call,
// the largest single upload a grant allows; a multipart upload larger than that would need
// UploadPartCopy, which this driver does not do yet (its promotion fails and the staged object stays).
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ListedPage, StagingDriver } from '../driver.js';
import type { ConditionalHeader } from './compat.js';
import { errorCode, isNotFound } from './errors.js';
import { uriEncode } from './sigv4.js';

export class S3Staging implements StagingDriver {
  readonly createOnlyPromotion: boolean;
  readonly #bucket: string;
  readonly #client: S3Client;
  readonly #createOnlyCopy: ConditionalHeader | undefined;
  readonly #createOnlyPut: ConditionalHeader | undefined;

  /**
   * `createOnlyCopy`: the header that makes CopyObject create-only at the destination (the
   * profile's copy.destinationIfNoneMatch); without one a promotion is not create-only by the
   * storage, and the portable layer's check before the copy is all there is (createOnly 'none').
   */
  constructor(bucket: string, client: S3Client, createOnlyCopy: ConditionalHeader | undefined, createOnlyPut: ConditionalHeader | undefined) {
    this.#bucket = bucket;
    this.#client = client;
    this.#createOnlyCopy = createOnlyCopy;
    this.#createOnlyPut = createOnlyPut;
    this.createOnlyPromotion = createOnlyCopy !== undefined;
  }

  /** Implements StagingDriver.promote. */
  async promote(from: string, to: string, options: { readonly createOnly: boolean }): Promise<'promoted' | 'exists' | 'missing'> {
    try {
      const copy = new CopyObjectCommand({
        Bucket: this.#bucket,
        Key: to,
        CopySource: `${this.#bucket}/${from.split('/').map((s) => uriEncode(s)).join('/')}`,
        MetadataDirective: 'COPY',
      });
      const header = options.createOnly ? this.#createOnlyCopy : undefined;
      if (header) copy.middlewareStack.add((next) => (args) => next(withHeader(args, header)), ADD_HEADER);
      await this.#client.send(copy);
      return 'promoted';
    } catch (error) {
      const code = errorCode(error);
      if (code === 'PreconditionFailed' || code === 'ConditionalRequestConflict') return 'exists';
      if (code === 'NoSuchKey' || isNotFound(error)) return 'missing';
      // Swift's s3api names a missing copy source NoSuchBucket (its PUT reads any 404 so): the
      // bucket answering HeadBucket means it is the staged object that is gone.
      if (code === 'NoSuchBucket' && (await this.#bucketThere())) return 'missing';
      throw error;
    }
  }

  async #bucketThere(): Promise<boolean> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }));
      return true;
    } catch {
      return false;
    }
  }

  /** Implements StagingDriver.put. */
  async put(key: string, body: Uint8Array, options: { readonly createOnly: boolean; readonly contentType: string }): Promise<'written' | 'exists'> {
    try {
      const put = new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentType: options.contentType });
      const header = options.createOnly ? this.#createOnlyPut : undefined;
      if (header) put.middlewareStack.add((next) => (args) => next(withHeader(args, header)), ADD_HEADER);
      await this.#client.send(put);
      return 'written';
    } catch (error) {
      if (errorCode(error) === 'PreconditionFailed') return 'exists';
      throw error;
    }
  }

  /** Implements StagingDriver.list. */
  async list(prefix: string, options: { readonly cursor?: string; readonly limit: number }): Promise<ListedPage> {
    const out = await this.#client.send(
      new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, MaxKeys: options.limit, ...(options.cursor ? { ContinuationToken: options.cursor } : {}) }),
    );
    const objects = (out.Contents ?? []).flatMap((o) => (o.Key ? [{ key: o.Key, ...(o.LastModified ? { lastModified: o.LastModified } : {}) }] : []));
    return { objects, ...(out.IsTruncated && out.NextContinuationToken ? { cursor: out.NextContinuationToken } : {}) };
  }

  /** Implements StagingDriver.abortStaleMultipart (ListMultipartUploads under the prefix). */
  async abortStaleMultipart(prefix: string, isStale: (key: string) => boolean): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (let page = 0; page < 100; page++) {
      const out = await this.#client.send(
        new ListMultipartUploadsCommand({ Bucket: this.#bucket, Prefix: prefix, ...(keyMarker ? { KeyMarker: keyMarker } : {}), ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}) }),
      );
      for (const upload of out.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || !isStale(upload.Key)) continue;
        await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: upload.Key, UploadId: upload.UploadId })).catch((error: unknown) => {
          if (errorCode(error) !== 'NoSuchUpload') throw error;
        });
        aborted += 1;
      }
      if (!out.IsTruncated) break;
      keyMarker = out.NextKeyMarker;
      uploadIdMarker = out.NextUploadIdMarker;
    }
    return aborted;
  }
}

// The profiles name headers the SDK has no field for (R2's cf-copy-destination-if-none-match,
// GCS XML's x-goog-if-generation-match): added to the request as it is built, before signing.
const ADD_HEADER = { step: 'build', name: 'upgrantConditionalHeader' } as const;

function withHeader<A extends { readonly request: unknown }>(args: A, header: ConditionalHeader): A {
  const request = args.request as { headers?: Record<string, string> };
  if (request.headers) request.headers[header.name] = header.value;
  return args;
}
