// An in-memory Driver (drivers/driver.ts), as Go CDK's blob_test.go tests its portable type
// against a fake driver: the portable layer's own rules (validation, defaults, strict mode,
// policy limits, tokens, verification) are tested once here, with no storage service. The URLs
// it signs lead nowhere; a test "uploads" with `put`, as a client following the grant would.
// The enforcement map, methods and limits are settable, to reach every branch of strict mode.
import { createHash } from 'node:crypto';
import type {
  CompleteMultipartRequest,
  Driver,
  DriverEnforcement,
  DriverLimits,
  ListedPage,
  MultipartDriver,
  MultipartSession,
  ObjectInfo,
  SignDownloadRequest,
  SignedDownload,
  SignedUpload,
  SignUploadRequest,
  StagingDriver,
  StartedMultipart,
  StartMultipartRequest,
} from '../../drivers/driver.js';
import type { GrantConstraints, UploadMethod } from '../../src/types.js';

interface StoredObject {
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly record?: string;
}

export interface FakeDriverOptions {
  readonly bucket?: string;
  readonly limits?: Partial<DriverLimits>;
  readonly methods?: readonly UploadMethod[];
  readonly enforcement?: Partial<DriverEnforcement>;
  /** Leave out the optional parts, as a driver without them would. */
  readonly multipart?: boolean;
  readonly staging?: boolean;
}

export const FAKE_LIMITS: DriverLimits = { maxObjectSize: 5 * 1024 ** 3, maxExpiresIn: 7 * 86400 };

/** What the fake was asked to sign, for assertions on what reaches a driver. */
export interface SignedCall {
  readonly kind: 'upload' | 'download';
  readonly request: SignUploadRequest | SignDownloadRequest;
}

export class FakeDriver implements Driver {
  readonly name = 'local' as const;
  readonly bucket: string;
  readonly limits: DriverLimits;
  readonly multipart?: MultipartDriver;
  readonly staging?: StagingDriver;
  readonly signed: SignedCall[] = [];
  readonly objects = new Map<string, StoredObject>();
  readonly #methods: readonly UploadMethod[];
  readonly #enforcement: DriverEnforcement;
  /** The record each signed key's upload will carry (the storage keeps what the grant bound). */
  readonly #records = new Map<string, string>();
  closed = false;

  constructor(options: FakeDriverOptions = {}) {
    this.bucket = options.bucket ?? 'memory';
    this.limits = { ...FAKE_LIMITS, ...options.limits };
    this.#methods = options.methods ?? ['PUT'];
    this.#enforcement = { createOnly: 'storage', contentType: 'storage', size: 'storage', checksum: 'storage', ...options.enforcement };
    if (options.multipart !== false) this.multipart = new FakeMultipart(this);
    if (options.staging !== false) this.staging = new FakeStaging(this);
  }

  uploadMethods(_constraints: GrantConstraints): readonly UploadMethod[] {
    return this.#methods;
  }

  enforcement(_method: UploadMethod, _constraints: GrantConstraints): DriverEnforcement {
    return this.#enforcement;
  }

  async signUpload(request: SignUploadRequest): Promise<SignedUpload> {
    this.signed.push({ kind: 'upload', request });
    if (request.record !== undefined) this.#records.set(request.key, request.record);
    const url = `memory://${this.bucket}/${encodeURIComponent(request.key)}?expires=${Math.floor(request.now.getTime() / 1000) + request.expiresIn}`;
    const headers = { 'content-type': request.constraints.contentType };
    return request.method === 'POST' ? { url, headers: {}, fields: { key: request.key, ...headers } } : { url, headers };
  }

  async signDownload(request: SignDownloadRequest): Promise<SignedDownload> {
    this.signed.push({ kind: 'download', request });
    return { url: `memory://${this.bucket}/${encodeURIComponent(request.key)}?download`, headers: {} };
  }

  /** The client's upload under a grant signed for `key` (a staged grant: its staging key). */
  put(key: string, body: Uint8Array, contentType = 'application/octet-stream'): void {
    const record = this.#records.get(key);
    this.objects.set(key, { body, contentType, ...(record !== undefined ? { record } : {}) });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const object = this.objects.get(key);
    if (!object) return undefined;
    return {
      size: object.body.length,
      contentType: object.contentType,
      md5: createHash('md5').update(object.body).digest('base64'),
      sha256: createHash('sha256').update(object.body).digest('base64'),
      etag: `"${createHash('md5').update(object.body).digest('hex')}"`,
      ...(object.record !== undefined ? { record: object.record } : {}),
    };
  }

  async read(key: string): Promise<AsyncIterable<Uint8Array>> {
    const object = this.objects.get(key);
    if (!object) throw new Error(`no object ${key}`);
    return (async function* () {
      yield object.body;
    })();
  }

  async readRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const object = this.objects.get(key);
    if (!object) throw new Error(`no object ${key}`);
    return object.body.subarray(offset, offset + length);
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

class FakeStaging implements StagingDriver {
  readonly createOnlyPromotion = true;
  constructor(private readonly driver: FakeDriver) {}

  async promote(from: string, to: string, options: { readonly createOnly: boolean }): Promise<'promoted' | 'exists' | 'missing'> {
    const object = this.driver.objects.get(from);
    if (!object) return 'missing';
    if (options.createOnly && this.driver.objects.has(to)) return 'exists';
    this.driver.objects.set(to, object);
    return 'promoted';
  }

  async put(key: string, body: Uint8Array, options: { readonly createOnly: boolean; readonly contentType: string }): Promise<'written' | 'exists'> {
    if (options.createOnly && this.driver.objects.has(key)) return 'exists';
    this.driver.objects.set(key, { body, contentType: options.contentType });
    return 'written';
  }

  async list(prefix: string, options: { readonly cursor?: string; readonly limit: number }): Promise<ListedPage> {
    const keys = [...this.driver.objects.keys()].filter((k) => k.startsWith(prefix) && (options.cursor === undefined || k > options.cursor)).sort();
    const page = keys.slice(0, options.limit);
    return { objects: page.map((key) => ({ key })), ...(keys.length > page.length ? { cursor: page.at(-1)! } : {}) };
  }
}

class FakeMultipart implements MultipartDriver {
  readonly limits = { minPartSize: 5, maxPartSize: 1024 ** 3, maxParts: 10_000, maxObjectSize: 5 * 1024 ** 4 };
  readonly #uploads = new Map<string, number>();
  #next = 0;
  constructor(private readonly driver: FakeDriver) {}

  enforcement(_constraints: GrantConstraints): DriverEnforcement {
    return { createOnly: 'storage', contentType: 'storage', size: 'storage', checksum: 'verify' };
  }

  async start(request: StartMultipartRequest): Promise<StartedMultipart> {
    const uploadId = `upload-${this.#next++}`;
    this.#uploads.set(uploadId, request.partSizes.length);
    return { uploadId, parts: request.partSizes.map((_, i) => ({ url: `memory://${this.driver.bucket}/${encodeURIComponent(request.key)}?part=${i + 1}`, headers: {} })) };
  }

  async complete(request: CompleteMultipartRequest): Promise<{ readonly etag?: string }> {
    if (!this.#uploads.delete(request.uploadId)) throw new Error(`no upload ${request.uploadId}`);
    this.driver.put(request.key, new Uint8Array(request.partSizes.reduce((a, b) => a + b, 0)), request.constraints.contentType);
    return {};
  }

  async abort(session: MultipartSession): Promise<void> {
    this.#uploads.delete(session.uploadId);
  }
}
