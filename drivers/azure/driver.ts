// The Azure Blob Storage driver: upload grants are blob service SAS for exactly one blob.
//
// # Config keys (AzureDriverOptions)
// - bucket: the container (UPGRANT_BUCKET).
// - connectionString (AZURE_STORAGE_CONNECTION_STRING): AccountName + AccountKey [+ BlobEndpoint],
//   or Azurite's `UseDevelopmentStorage=true`; signs with the account key.
// - accountName (AZURE_STORAGE_ACCOUNT) + accountKey (AZURE_STORAGE_KEY): signs with the account key.
// - accountName alone: Entra ID (credential, default DefaultAzureCredential from the optional peer
//   @azure/identity) and user delegation SAS; the delegation key is kept and renewed ahead of expiry.
// - endpoint (default https://<account>.blob.core.windows.net), httpsOnly (spr=https; default on
//   except for http or loopback endpoints), client (an existing BlobServiceClient for service calls).
//
// # What a grant binds, and what it cannot
// A SAS binds the blob, the permissions, the time window and the protocol. Permission `c` without
// `w` makes the grant create-only: the service refuses to replace an existing blob. A SAS cannot
// bind the uploaded content type or size (rsct/rscl only override download responses), so those
// are 'verify'. A declared MD5 travels as Content-MD5, which the service checks; a declared
// SHA-256 has no service-side check and verifyUpload streams the blob to hash it.
//
// # Escaping
// Keys are used as blob names unchanged; in URLs each "/"-separated segment is percent-encoded
// with encodeURIComponent (as the SDK does), and the SAS signs the unencoded name.
//
// # Relies on
// What drivers/driver.ts guarantees (keys, content types, sizes, checksums, expiry validated and
// normalised by src/), options that are plain values (src/config.ts read the environment; the
// bucket passed azureContainerName's rule in config.ts), and `now` on every request for the signing time.
//
// # Native types exposed
// None in grants. `options.client` accepts a BlobServiceClient from @azure/storage-blob. The SDK is
// loaded on the first service call (sdk.ts): signing is hand-written (sas.ts) and needs none.
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { KeyObject } from 'node:crypto';
import type {
  ConfigProblem,
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
import { collectBytes } from '../../src/bytes.js';
import type { GrantConstraints, UploadMethod } from '../../src/types.js';
import { DelegationKeyCache, MAX_DELEGATED_GRANT_S } from './delegation.js';
import type { DriverErrorCode } from '../error-codes.js';
import { codeOf, configProblemOf, isConflict, isMissingContainer, isNotFound } from './errors.js';
import { AzureLifecycle } from './lifecycle.js';
import { AzureMultipart } from './multipart.js';
import { BlobSasTemplate, SAS_VERSION, type PreparedDelegation } from './sas.js';
import { once } from './sdk.js';

export const DRIVER_NAME = 'azure' as const;

/**
 * The metadata name of the grant record (x-ms-meta-upgrant_record). A SAS cannot bind metadata, so
 * a client may change it: the portable layer accepts a record only when it names this very blob.
 */
export const RECORD_METADATA = 'upgrant_record';

/** Single Put Blob limit for service versions >= 2019-12-12: 5000 MiB. */
export const MAX_PUT_BLOB_BYTES = 5000 * 1024 * 1024;
/** Longest account-key grant upgrant issues (the portable 7-day ceiling). */
const MAX_SHARED_KEY_GRANT_S = 7 * 24 * 3600;
/** How long a promotion waits for an asynchronous Copy Blob (same-account copies finish at once). */
const COPY_TIMEOUT_MS = 10 * 60 * 1000;
/** Start times are back-dated so a client or server clock a little behind still accepts the SAS. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** How grants get their signature: the account key, or a kept user delegation key. */
export type SasSigningKey =
  | { readonly kind: 'sharedKey'; readonly key: KeyObject }
  | { readonly kind: 'userDelegation'; readonly cache: DelegationKeyCache };

export interface AzureDriverDeps {
  readonly container: string;
  readonly accountName: string;
  /** Blob service URL without a trailing slash (for Azurite it ends with the account name). */
  readonly endpoint: string;
  readonly httpsOnly: boolean;
  readonly signing: SasSigningKey;
  /** The client for service calls, made (and the SDK loaded) on the first call: grants need neither. */
  readonly service: () => Promise<BlobServiceClient>;
  /** AzureDriverOptions.clock: the signing time when the policy gives none. */
  readonly clock?: () => Date;
}

interface SasRequest {
  readonly key: string;
  readonly permissions: string;
  readonly now: Date;
  readonly expiresIn: number;
  readonly contentDisposition?: string;
  readonly contentType?: string;
}

export class AzureDriver implements Driver {
  readonly name = DRIVER_NAME;
  readonly bucket: string;
  /** Implements Driver.clock. */
  readonly clock: (() => Date) | undefined;
  readonly limits: DriverLimits;
  readonly #blobUrlPrefix: string;
  readonly #template: BlobSasTemplate;
  readonly #signing: SasSigningKey;
  /** The kept delegation key's precomputed SAS parts (recomputed only when the key changes). */
  #prepared: PreparedDelegation | undefined;
  /** Every SDK call goes through it: `(await this.#container()).getBlobClient(key)`. */
  readonly #container: () => Promise<ContainerClient>;
  /** Implements Driver.multipart: Put Block under one SAS, Put Block List from the server (multipart.ts). */
  readonly multipart: AzureMultipart;
  /** Implements Driver.lifecycle: the management policy to apply by hand (lifecycle.ts). */
  readonly lifecycle: AzureLifecycle;

  constructor(deps: AzureDriverDeps) {
    this.clock = deps.clock;
    this.bucket = deps.container;
    this.#blobUrlPrefix = `${deps.endpoint}/${encodeURIComponent(deps.container)}/`;
    this.#template = new BlobSasTemplate({
      version: SAS_VERSION,
      accountName: deps.accountName,
      containerName: deps.container,
      ...(deps.httpsOnly ? { protocol: 'https' } : {}),
    });
    this.#signing = deps.signing;
    this.#container = once(async () => (await deps.service()).getContainerClient(deps.container));
    this.multipart = new AzureMultipart({
      container: this.#container,
      blobUrl: (key) => this.#blobUrl(key),
      sas: (key, permissions, now, expiresIn) => this.#sas({ key, permissions, now, expiresIn }),
    });
    this.lifecycle = new AzureLifecycle(deps.accountName, deps.container);
    this.limits = {
      maxObjectSize: MAX_PUT_BLOB_BYTES,
      maxExpiresIn: deps.signing.kind === 'sharedKey' ? MAX_SHARED_KEY_GRANT_S : MAX_DELEGATED_GRANT_S,
    };
  }

  /** Implements Driver.uploadMethods: one Put Blob, for exact sizes and ranges alike. */
  uploadMethods(_constraints: GrantConstraints): readonly UploadMethod[] {
    return ['PUT'];
  }

  /** Implements Driver.enforcement. */
  enforcement(_method: UploadMethod, _constraints: GrantConstraints): DriverEnforcement {
    return {
      createOnly: 'storage',
      contentType: 'verify',
      size: 'verify',
      // A SAS does not bind Content-MD5: the service checks it when sent, but a client may leave
      // it out. Only verifyUpload (against the MD5 Azure stores) is sure to catch wrong content.
      checksum: 'verify',
    };
  }

  /** Implements Driver.signUpload. */
  async signUpload(request: SignUploadRequest): Promise<SignedUpload> {
    const { constraints } = request;
    const query = await this.#sas({
      key: request.key,
      permissions: constraints.createOnly ? 'c' : 'cw',
      now: request.now,
      expiresIn: request.expiresIn,
    });
    const headers: Record<string, string> = {
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-blob-content-type': constraints.contentType,
      'content-type': constraints.contentType,
    };
    if (constraints.checksum?.algorithm === 'md5') headers['content-md5'] = constraints.checksum.value;
    if (constraints.createOnly) headers['if-none-match'] = '*';
    if (request.record !== undefined) headers[`x-ms-meta-${RECORD_METADATA}`] = request.record;
    return { url: `${this.#blobUrl(request.key)}?${query}`, headers };
  }

  /** Implements Driver.signDownload: a read SAS whose rscd/rsct set the response headers. */
  async signDownload(request: SignDownloadRequest): Promise<SignedDownload> {
    const query = await this.#sas({
      key: request.key,
      permissions: 'r',
      now: request.now,
      expiresIn: request.expiresIn,
      ...(request.contentDisposition !== undefined ? { contentDisposition: request.contentDisposition } : {}),
      ...(request.contentType !== undefined ? { contentType: request.contentType } : {}),
    });
    return { url: `${this.#blobUrl(request.key)}?${query}`, headers: {} };
  }

  /** Implements Driver.head (Get Blob Properties). */
  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const props = await (await this.#container()).getBlobClient(key).getProperties();
      return {
        size: props.contentLength ?? 0,
        contentType: props.contentType ?? '',
        ...(props.contentMD5 ? { md5: Buffer.from(props.contentMD5).toString('base64') } : {}),
        ...(props.etag ? { etag: props.etag } : {}),
        ...(props.metadata?.[RECORD_METADATA] ? { record: props.metadata[RECORD_METADATA] } : {}),
      };
    } catch (error) {
      if (isNotFound(error) && !isMissingContainer(error)) return undefined;
      throw error;
    }
  }

  /** Implements Driver.read (Get Blob, streamed). */
  async read(key: string): Promise<AsyncIterable<Uint8Array>> {
    const response = await (await this.#container()).getBlobClient(key).download();
    const body = response.readableStreamBody;
    if (!body) throw new Error('the download answered without a body');
    return body as unknown as AsyncIterable<Uint8Array>;
  }

  /** Implements Driver.readRange: Get Blob with x-ms-range (offset, count). */
  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    try {
      const body = (await (await this.#container()).getBlobClient(key).download(offset, length)).readableStreamBody;
      return body ? await collectBytes(body as unknown as AsyncIterable<Uint8Array>) : new Uint8Array(0);
    } catch (error) {
      // 416: the range starts past the end (an empty blob).
      if ((error as { statusCode?: unknown }).statusCode === 416) return new Uint8Array(0);
      throw error;
    }
  }

  /** Implements Driver.delete; a missing blob is fine. */
  async delete(key: string): Promise<void> {
    try {
      await (await this.#container()).getBlobClient(key).deleteIfExists();
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }

  /**
   * Implements Driver.staging: Copy Blob from a short read SAS of the staged blob (metadata and
   * headers travel with it), `If-None-Match: *` on the destination for create-only, polled until
   * the copy is done (same-account copies usually are at once).
   */
  readonly staging: StagingDriver = {
    createOnlyPromotion: true,
    promote: (from, to, options) => this.#promote(from, to, options.createOnly),
    put: async (key, body, options) => {
      try {
        await (await this.#container()).getBlockBlobClient(key).upload(body, body.length, {
          blobHTTPHeaders: { blobContentType: options.contentType },
          ...(options.createOnly ? { conditions: { ifNoneMatch: '*' } } : {}),
        });
        return 'written';
      } catch (error) {
        if (options.createOnly && isConflict(error)) return 'exists';
        throw error;
      }
    },
    list: async (prefix, options): Promise<ListedPage> => {
      const pages = (await this.#container()).listBlobsFlat({ prefix }).byPage({ maxPageSize: options.limit, ...(options.cursor ? { continuationToken: options.cursor } : {}) });
      const page = (await pages.next()).value as { segment: { blobItems: { name: string; properties: { lastModified?: Date } }[] }; continuationToken?: string } | undefined;
      if (!page) return { objects: [] };
      const objects = page.segment.blobItems.map((b) => ({ key: b.name, ...(b.properties.lastModified ? { lastModified: b.properties.lastModified } : {}) }));
      return { objects, ...(page.continuationToken ? { cursor: page.continuationToken } : {}) };
    },
    abortStaleMultipart: (prefix, isStale) => this.#abortStale(prefix, isStale),
  };

  /**
   * Blobs under the prefix that hold only uncommitted blocks (a multipart upload nobody completed)
   * and whose grant can no longer complete: discarded the way abort does (an empty block list
   * committed with If-None-Match: *, then deleted), so a committed blob is never touched.
   */
  async #abortStale(prefix: string, isStale: (key: string) => boolean): Promise<number> {
    let aborted = 0;
    const container = await this.#container();
    for await (const item of container.listBlobsFlat({ prefix, includeUncommitedBlobs: true })) {
      if (!isStale(item.name)) continue;
      const blob = container.getBlockBlobClient(item.name);
      try {
        await blob.commitBlockList([], { conditions: { ifNoneMatch: '*' } });
      } catch (error) {
        if (isConflict(error)) continue; // committed: the sweep's own business, not an upload in flight
        throw error;
      }
      await blob.deleteIfExists();
      aborted += 1;
    }
    return aborted;
  }

  async #promote(from: string, to: string, createOnly: boolean): Promise<'promoted' | 'exists' | 'missing'> {
    const source = `${this.#blobUrl(from)}?${await this.#sas({ key: from, permissions: 'r', now: new Date(), expiresIn: 3600 })}`;
    try {
      const poller = await (await this.#container()).getBlobClient(to).beginCopyFromURL(source, {
        ...(createOnly ? { conditions: { ifNoneMatch: '*' } } : {}),
        abortSignal: AbortSignal.timeout(COPY_TIMEOUT_MS),
      });
      await poller.pollUntilDone();
      return 'promoted';
    } catch (error) {
      if (createOnly && isConflict(error)) return 'exists';
      if (isNotFound(error)) return 'missing';
      throw error;
    }
  }

  /** Implements Driver.close: the SDK keeps no sockets we own, and key renewal uses no timers. */
  async close(): Promise<void> {}

  #blobUrl(key: string): string {
    return this.#blobUrlPrefix + key.split('/').map(encodeURIComponent).join('/');
  }

  async #sas(request: SasRequest): Promise<string> {
    const nowMs = request.now.getTime();
    const startsOn = new Date(nowMs - CLOCK_SKEW_MS);
    // Whole seconds, so `se` equals the grant's expiresAt exactly.
    const expiresOn = new Date((Math.floor(nowMs / 1000) + request.expiresIn) * 1000);
    const overrides = { contentDisposition: request.contentDisposition, contentType: request.contentType };
    if (this.#signing.kind === 'sharedKey') {
      return this.#template.sign(this.#signing.key, request.key, request.permissions, startsOn, expiresOn, overrides);
    }
    const kept = await this.#signing.cache.get(expiresOn);
    if (this.#prepared?.fields !== kept.fields) this.#prepared = this.#template.prepare(kept.fields);
    return this.#template.sign(kept.key, request.key, request.permissions, startsOn, expiresOn, overrides, this.#prepared);
  }

  /** Implements Driver.errorCode (drivers/azure/errors.ts). */
  errorCode(error: unknown): DriverErrorCode {
    return codeOf(error);
  }

  /** Implements Driver.configProblem (drivers/azure/errors.ts). */
  configProblem(error: unknown): ConfigProblem | undefined {
    return configProblemOf(error, this.#signing.kind === 'userDelegation');
  }
}
