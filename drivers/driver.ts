// The small interface every storage driver implements. Drivers only speak their provider's
// dialect: they turn an already validated request into a signature, and answer head/read/delete
// for verifyUpload. Validation, defaults, token sealing, strict mode and error wrapping live once,
// in src/presigner.ts, never here.
//
// What a driver can rely on (guaranteed by the portable layer):
// - `key` is valid UTF-8, NFC-normalised, 1..1024 bytes, no leading "/", no "." or ".." segments,
//   no empty segments, no backslash, no control characters.
// - `constraints.contentType` is a lower-cased `type/subtype` token (parameters kept), no CR/LF.
// - `0 <= minSize <= maxSize <= limits.maxObjectSize`, both safe integers.
// - `checksum.value` is canonical base64 of a digest of the right length.
// - `1 <= expiresIn <= limits.maxExpiresIn`, an integer.
// - `method` is one of `uploadMethods(constraints)`.
// Errors (after Go CDK's gcerrors): while serving requests a driver throws its native error as it
// came, or a DriverError (drivers/error-codes.ts) for a failure it decided itself, with `field`
// when the caller gave a bad value. It never constructs upgrant's public error classes there: the
// portable layer (src/wrap-driver-error.ts) wraps once, asking `errorCode` what a native error
// means, into ProviderError (code, operation, key, the original as `cause`), InvalidRequestError
// or ConfigError. createDriver may still throw ConfigError for options given wrong.
import type { DriverErrorCode } from './error-codes.js';
import type { Enforcer, GrantConstraints, ProviderName, UploadMethod } from '../src/types.js';

export interface SignUploadRequest {
  readonly key: string;
  readonly method: UploadMethod;
  readonly constraints: GrantConstraints;
  /** Seconds from `now`. */
  readonly expiresIn: number;
  /** The signing time: the grant is valid from `now` until `now + expiresIn`. */
  readonly now: Date;
  /**
   * The grant's sealed record, to be stored with the object (S3 x-amz-meta-*, GCS x-goog-meta-*,
   * Azure x-ms-meta-*, local metadata), bound by the signature where the storage allows, and
   * reported back by `head` as `record`.
   */
  readonly record?: string;
}

export interface SignedUpload {
  readonly url: string;
  /** Exactly the headers the client must send (names lower-case). */
  readonly headers: Readonly<Record<string, string>>;
  /** POST only: form fields in the order the form needs them; the file goes last as `file`. */
  readonly fields?: Readonly<Record<string, string>>;
}

export interface SignDownloadRequest {
  readonly key: string;
  readonly expiresIn: number;
  readonly now: Date;
  /** The whole Content-Disposition value the response must carry (made by the portable layer: ASCII, no CR/LF). */
  readonly contentDisposition?: string;
  /** Response Content-Type override. */
  readonly contentType?: string;
}

export interface SignedDownload {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What the storage reports about a stored object. Checksums are base64 of the raw digest. */
export interface ObjectInfo {
  readonly size: number;
  readonly contentType: string;
  readonly md5?: string;
  readonly sha256?: string;
  readonly etag?: string;
  /** The grant record stored with the object (see SignUploadRequest.record), when there is one. */
  readonly record?: string;
}

export interface DriverLimits {
  /** Largest object one grant may allow (S3 single PUT: 5 GiB). */
  readonly maxObjectSize: number;
  /** Longest expiry the provider's signature allows, in seconds. */
  readonly maxExpiresIn: number;
}

/**
 * For each constraint of a request, who enforces it on this driver: 'storage' when the storage
 * service refuses a violating upload itself, 'verify' when only verifyUpload can catch it,
 * 'none' when nothing can (create-only on a store without conditional writes).
 */
export interface DriverEnforcement {
  /** Absent: 'storage' (the signature expires). GCS upload sessions outlive the grant: 'none'. */
  readonly expiry?: Enforcer;
  readonly createOnly: Enforcer;
  readonly contentType: Enforcer;
  readonly size: Enforcer;
  /** Asked only when a checksum is declared. */
  readonly checksum: Enforcer;
}

/** What the caller of Driver.head already knows. */
export interface HeadOptions {
  /**
   * The caller has just seen this bucket answer (it listed it, or read an object in it), so a miss
   * is the key's: a driver that asks the bucket on a miss to tell the two apart (S3, GCS) need not.
   */
  readonly bucketSeen?: boolean;
}

export interface Driver {
  readonly name: ProviderName;
  /** Bucket (S3, GCS), container (Azure) or bucket directory (local). */
  readonly bucket: string;
  readonly limits: DriverLimits;
  /**
   * The driver options' `clock` (tests, known-answer vectors): the portable layer signs at this
   * time (SignUploadRequest.now) when its own policy gives no clock. Absent: the real time.
   */
  readonly clock?: () => Date;

  /** Methods this driver can sign for these constraints, the preferred one first. Empty: none. */
  uploadMethods(constraints: GrantConstraints): readonly UploadMethod[];

  /** Who enforces each constraint of this request on this driver. */
  enforcement(method: UploadMethod, constraints: GrantConstraints): DriverEnforcement;

  signUpload(request: SignUploadRequest): Promise<SignedUpload>;
  signDownload(request: SignDownloadRequest): Promise<SignedDownload>;

  /** The stored object's metadata, or undefined when no object has this key. */
  head(key: string, options?: HeadOptions): Promise<ObjectInfo | undefined>;
  /** The stored object's bytes, for hashing when the storage cannot report the declared checksum. */
  read(key: string): Promise<AsyncIterable<Uint8Array>>;
  /**
   * At most `length` bytes of the object from `offset` (fewer past its end; none from an empty
   * object): the content check reads the head of an object of any size with one ranged request.
   * The portable layer guarantees `offset >= 0` and `length >= 1`, both safe integers.
   */
  readRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  /** Delete the object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;

  /** Release sockets and timers. */
  close(): Promise<void>;

  /** What a native error this driver threw means (drivers/<name>/errors.ts `codeOf`). Absent: 'unknown'. */
  errorCode?(error: unknown): DriverErrorCode;
  /** The option or variable a native error says is wrong (credentials refused, another region), when it says one. */
  configProblem?(error: unknown): ConfigProblem | undefined;

  /** Multipart uploads for large files; absent when the driver cannot grant them. */
  readonly multipart?: MultipartDriver;

  /** Bucket lifecycle rules for the staging prefix; absent when the store has none (local: the sweep covers it). */
  readonly lifecycle?: LifecycleDriver;

  /** Server-side operations staged uploads need; absent when the driver cannot stage. */
  readonly staging?: StagingDriver;
}

/** A configuration fault a storage answer revealed: the portable layer makes it a ConfigError. */
export interface ConfigProblem {
  /** The environment variable (or option) to fix, e.g. AWS_SECRET_ACCESS_KEY. */
  readonly variable: string;
  readonly message: string;
}

/** A page of keys under a prefix. */
export interface ListedPage {
  readonly objects: readonly { readonly key: string; readonly lastModified?: Date }[];
  /** Pass back to get the next page; absent on the last page. */
  readonly cursor?: string;
}

/**
 * What staged uploads need from a driver: a server-side copy to the final key (create-only where
 * the storage can), small server-side writes (markers), and a bounded listing of the staging
 * prefix. The portable layer (src/staging.ts) decides when; the driver only does.
 */
export interface StagingDriver {
  /** True when `promote` with createOnly is refused by the storage itself if the destination exists. */
  readonly createOnlyPromotion: boolean;
  /**
   * Copy `from` to `to` on the storage (content, type, checksum and the grant record), leaving
   * `from` in place. 'exists': createOnly and an object is at `to` (nothing changed); 'missing':
   * no object at `from`. A failure must leave `to` as it was: never a partial object.
   */
  promote(from: string, to: string, options: { readonly createOnly: boolean }): Promise<'promoted' | 'exists' | 'missing'>;
  /** Write a small object; 'exists' when createOnly and the key is taken. */
  put(key: string, body: Uint8Array, options: { readonly createOnly: boolean; readonly contentType: string }): Promise<'written' | 'exists'>;
  /** One page (at most `limit` keys, in key order) of the objects under `prefix`. */
  list(prefix: string, options: { readonly cursor?: string; readonly limit: number }): Promise<ListedPage>;
  /**
   * Refuse (DriverError 'invalid-argument' with field 'key') a final key the storage could never hold, at grant time:
   * a staged grant's URL names only its staging key, so the driver would otherwise see the key
   * first at promotion (local: a segment over 255 bytes).
   */
  checkKey?(key: string): void;
  /** Abort the multipart uploads under `prefix` whose key `isStale` says can never be completed; returns how many. */
  abortStaleMultipart?(prefix: string, isStale: (key: string) => boolean): Promise<number>;
}

/** A driver package's entry: each `drivers/<name>/index.ts` exports one as `createDriver`. */
export type DriverFactory<Options> = (options: Options) => Promise<Driver>;

/** What is wrong with a bucket (container) name for this driver, in words; undefined when it is fine. */
export type BucketNameRule = (name: string) => string | undefined;

/** What loading a driver's entry module gives the registry. */
// Methods, not function-typed properties: a registration for one options type then stands in
// for DriverRegistration (of object) in the registry's lists.
export interface DriverEntry<Options> {
  createDriver(options: Options): Promise<Driver>;
  /** Set the bucket CORS rules browser uploads need; absent where the driver answers CORS itself. */
  applyCors?(options: Options, origins: readonly string[]): Promise<CorsResult>;
}

/**
 * A driver's contribution to the registry (src/driver-registry.ts): plain data and functions, no
 * SDK. Each built-in driver declares one in its `config.ts`; an app registers its own through the
 * container (driverModule in src/container.ts) and selects it with UPGRANT_PROVIDER, as Go CDK's
 * drivers register an URLOpener under their scheme.
 */
export interface DriverRegistration<Options extends object = object> {
  /** The UPGRANT_PROVIDER value that selects this driver (lower case). */
  readonly name: string;
  /** The SDK package the driver imports, named when it is missing. */
  readonly sdkPackage?: string;
  /** The driver's rule for UPGRANT_BUCKET / `bucket`. */
  readonly bucketName: BucketNameRule;
  /** Bucket when UPGRANT_BUCKET is unset; absent: UPGRANT_BUCKET is required. */
  readonly defaultBucket?: string;
  /** True when a random development secret may stand in for UPGRANT_SECRET (outside production). */
  readonly devSecret?: boolean;
  /**
   * True when uploads go to the embedded receiver (drivers/local/receiver.ts) rather than to a
   * storage service: `upgrant serve` mounts it beside the demo, and the CLI's commands point the
   * public URL at it by default. Its options are then LocalDriverOptions (root, secret, baseUrl).
   */
  readonly embeddedReceiver?: boolean;
  /**
   * The driver's options (all but `bucket` and the policy) from the variables in `env`, the env
   * object src/config.ts was given (never the environment of the process); bad values throw ConfigError naming the variable.
   */
  optionsFromEnv(env: Readonly<Record<string, string | undefined>>): Partial<Options>;
  /** Option name -> the variable optionsFromEnv reads it from, so a driver's ConfigError can name the variable. */
  readonly optionVariables?: Readonly<Record<string, string>>;
  /** The entry module, loaded on first use (a bundler follows only the drivers an app imports). */
  load(): Promise<DriverEntry<Options>>;
}

/** What a CORS helper applied, printed by `upgrant cors`. */
export interface CorsResult {
  readonly provider: ProviderName;
  readonly bucket: string;
  /** The rules as the provider stores them (JSON-serialisable). */
  readonly rules: unknown;
}

/**
 * Every `drivers/<name>/index.ts` exports:
 * - `DRIVER_NAME`: the provider name;
 * - `createDriver`: a DriverFactory for its options type;
 * - `applyCors(options, origins)`: set the bucket CORS rules browser uploads need (not local);
 * - its `<Name>DriverOptions` type; its DriverRegistration comes from its config.ts.
 */
export type CorsApplier<Options> = (options: Options, origins: readonly string[]) => Promise<CorsResult>;

// ---- Multipart uploads (optional) ----
// The portable layer (src/multipart.ts) guarantees, besides the rules above: `partSizes` sum to
// `constraints.maxSize` (== minSize: multipart sizes are exact), every part but the last has the
// same size, the count and sizes are within `limits`; `parts` given to complete are exactly
// 1..partSizes.length, once each, in order.

export interface MultipartLimits {
  /** Smallest part but the last (S3: 5 MiB). */
  readonly minPartSize: number;
  readonly maxPartSize: number;
  readonly maxParts: number;
  /** Largest object a multipart upload may make. */
  readonly maxObjectSize: number;
  /** Every part but the last must be a multiple of this (GCS resumable chunks: 256 KiB). */
  readonly partSizeMultiple?: number;
}

export interface StartMultipartRequest {
  readonly key: string;
  readonly constraints: GrantConstraints;
  /** Size of each part, in order. */
  readonly partSizes: readonly number[];
  readonly expiresIn: number;
  readonly now: Date;
  /** The browser origin that will send the parts, validated; for providers that bind CORS to the upload (GCS sessions). */
  readonly origin?: string;
  /** The grant record to store with the object (set server side: at start, or at completion). */
  readonly record?: string;
}

export interface SignedPart {
  readonly url: string;
  /** Exactly the headers the client must send with this part (names lower-case). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface StartedMultipart {
  /** The provider's upload id (or the driver's own), sealed into the grant token. */
  readonly uploadId: string;
  /** One per part, in order. */
  readonly parts: readonly SignedPart[];
}

export interface MultipartSession {
  readonly key: string;
  readonly uploadId: string;
  readonly constraints: GrantConstraints;
  readonly partSizes: readonly number[];
  /** The grant record, for drivers that set it when the object is assembled (Azure). */
  readonly record?: string;
}

export interface CompleteMultipartRequest extends MultipartSession {
  /** Part numbers 1..n in order, with the ETag the client reported (may be empty where the driver checks parts itself). */
  readonly parts: readonly { readonly number: number; readonly etag: string }[];
}

export interface MultipartDriver {
  readonly limits: MultipartLimits;
  /**
   * True when the parts continue one upload stream and must go up one after another, in order
   * (GCS resumable sessions); absent or false when they may go in any order, in parallel.
   */
  readonly sequential?: boolean;
  /** Who enforces each constraint of a multipart grant (checks made at completion, before the object exists, count as 'storage'). */
  enforcement(constraints: GrantConstraints): DriverEnforcement;
  /** Start the upload on the storage (server side) and sign one URL per part. */
  start(request: StartMultipartRequest): Promise<StartedMultipart>;
  /**
   * Assemble the parts into the object; throw DriverError('invalid-parts', field 'parts' or
   * `parts[i].etag`) when a part is missing or wrong, ('precondition-failed', field 'key') when a
   * create-only grant finds an object there, ('not-found', field 'token') when the upload is gone.
   */
  complete(request: CompleteMultipartRequest): Promise<{ readonly etag?: string }>;
  /** Discard the upload and its parts; an unknown or finished upload is not an error. */
  abort(session: MultipartSession): Promise<void>;
  /**
   * The parts the storage holds for this upload (to resume after a reload): only whole parts of
   * their granted size, in order, with the storage's ETag where it keeps one. Absent: cannot say.
   */
  listParts?(session: MultipartSession): Promise<readonly StoredPart[]>;
}

/** A part the storage holds. */
export interface StoredPart {
  readonly number: number;
  readonly size: number;
  readonly etag?: string;
}

// ---- Lifecycle rules (optional) ----
// The portable layer (src/lifecycle.ts) guarantees: `prefix` is the staging prefix (non-empty,
// ends with "/"), `days` and `abortIncompleteMultipartDays` are whole numbers >= 1.

/** Delete objects under `prefix` `days` after creation; abort multipart uploads left incomplete. */
export interface LifecycleRule {
  readonly prefix: string;
  readonly days: number;
  readonly abortIncompleteMultipartDays: number;
}

/**
 * What applying the rule did: `applied` with the bucket's whole lifecycle configuration as the
 * store returns it afterwards; `manual` when only the management plane can set it (Azure), with
 * the policy to apply by hand; `none` when the store has no lifecycle rules at all (local).
 */
export type LifecycleResult =
  | { readonly kind: 'applied'; readonly provider: ProviderName; readonly bucket: string; readonly rules: unknown }
  | { readonly kind: 'manual'; readonly provider: ProviderName; readonly bucket: string; readonly policy: unknown; readonly instructions: string }
  | { readonly kind: 'none'; readonly provider: ProviderName; readonly bucket: string; readonly instructions: string };

export interface LifecycleDriver {
  /** Set (or replace) upgrant's rule for this prefix, keeping every other rule of the bucket. */
  apply(rule: LifecycleRule): Promise<LifecycleResult>;
}
