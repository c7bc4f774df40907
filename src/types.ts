// The public vocabulary of upgrant: what an app asks for, and what it gets back.
// Every driver produces the same shapes, so app code never branches on the provider.
import type { LifecycleResult } from '../drivers/driver.js';
import type { LifecycleOptions } from './lifecycle.js';
import type { ContentCheckMode } from './client/content-sniff.js';

/**
 * How verifyUpload checks the bytes against the granted type: `off`; `known` (default): types the
 * detector recognises must match, text is never a binary format, binary never markup; `strict`:
 * also refuse types the detector cannot recognise, unless listed in `contentCheckAllowed`.
 */
export type { ContentCheckMode };

/** The built-in storage backends. */
export type BuiltInProviderName = 'local' | 's3' | 'gcs' | 'azure';

/**
 * The storage backend a grant is for: a built-in one, or the name of a driver an app registered
 * (driverModule). `string & {}` keeps the built-in names as completions.
 */
export type ProviderName = BuiltInProviderName | (string & {});

/** HTTP method the client must use for an upload. */
export type UploadMethod = 'PUT' | 'POST';

/** A checksum of the whole file, base64 of the raw digest, declared when the grant is made. */
export type ChecksumInput = { sha256: string; md5?: never } | { md5: string; sha256?: never };

export type ChecksumAlgorithm = 'sha256' | 'md5';

export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Base64 of the raw digest (44 characters for SHA-256, 24 for MD5). */
  readonly value: string;
}

/** JSON the app seals with a grant and gets back on the VerifiedObject (at most 4 KiB; readable by the client, never secret). */
export type GrantContext = string | number | boolean | null | readonly GrantContext[] | { readonly [key: string]: GrantContext };

/** What an app asks for. Exactly one of `key` / `filename`; exactly one of `size` / `maxSize`. */
export interface UploadGrantRequest {
  /** The object key. Validated, never rewritten except Unicode NFC normalisation. */
  key?: string;
  /** An untrusted original file name: the key becomes `keyFor(prefix ?? 'uploads', filename)`. */
  filename?: string;
  /** Prefix used with `filename`. */
  prefix?: string;
  /** `type/subtype`, optionally with parameters. */
  contentType: string;
  /** Exact size in bytes. */
  size?: number;
  /** Upper bound in bytes, for when the exact size is not known when the grant is made. */
  maxSize?: number;
  /** Lower bound in bytes, with `maxSize` (default 0). */
  minSize?: number;
  checksum?: ChecksumInput;
  /** Seconds until the grant expires (default 300, at most 7 days or the configured maximum). */
  expiresIn?: number;
  /** Force a method; by default PUT for an exact size and the driver's choice for a range. */
  method?: UploadMethod;
  /** Allow replacing an existing object. Off by default: grants are create-only. */
  overwrite?: boolean;
  /** Check the uploaded bytes against `contentType` in verifyUpload (default: the presigner's `contentCheck`). */
  contentCheck?: ContentCheckMode;
  /** Sealed with the grant, returned by verifyUpload as `object.context` (upload routes keep who asked here). */
  context?: GrantContext;
}

/** The constraints a grant carries, after validation and defaults. */
export interface GrantConstraints {
  readonly contentType: string;
  readonly minSize: number;
  /** Equal to `minSize` for an exact size. */
  readonly maxSize: number;
  readonly checksum?: Checksum;
  readonly createOnly: boolean;
  /** verifyUpload checks the first bytes against `contentType` this way; absent: not checked (`off`). */
  readonly contentCheck?: Exclude<ContentCheckMode, 'off'>;
}



/**
 * Who keeps a promise: the storage service itself (`'storage'`), only `verifyUpload` after the
 * fact (`'verify'`), or nobody (`'none'`, e.g. create-only on a store without conditional writes).
 */
export type Enforcer = 'storage' | 'verify' | 'none';

/** Per promise of DESIGN section 1, who enforces it for this grant. */
export interface Enforcement {
  readonly key: Enforcer;
  readonly bucket: Enforcer;
  readonly expiry: Enforcer;
  readonly createOnly: Enforcer;
  readonly contentType: Enforcer;
  readonly size: Enforcer;
  /** Present only when a checksum was declared. */
  readonly checksum?: Enforcer;
  /** The bytes fit the type: 'verify' when verifyUpload checks them, 'none' when the check is off. */
  readonly content: Enforcer;
}

/** The enforceable promises a driver can be asked about (key and bucket are always storage; expiry is, but for GCS upload sessions). */
export type ConstraintName = 'expiry' | 'createOnly' | 'contentType' | 'size' | 'checksum' | 'content';

export interface UploadGrant {
  readonly provider: ProviderName;
  readonly bucket: string;
  readonly key: string;
  readonly method: UploadMethod;
  readonly url: string;
  /** Send exactly these headers with a PUT (or alongside the POST form). */
  readonly headers: Readonly<Record<string, string>>;
  /** POST form fields, in order; the file goes last as the field `file`. */
  readonly fields?: Readonly<Record<string, string>>;
  /** ISO 8601. */
  readonly expiresAt: string;
  readonly constraints: GrantConstraints;
  readonly enforcement: Enforcement;
  /** Sealed copy of the grant for `verifyUpload`; opaque to clients. */
  readonly token: string;
  /**
   * True: the URL targets a staging key unique to this grant, and the object reaches `key` only
   * when verifyUpload, a sweep or a storage event has checked it and promoted it (see `staging`).
   */
  readonly staged: boolean;
}

export interface DownloadGrantRequest {
  key: string;
  /** Seconds (default 300). */
  expiresIn?: number;
  /** Suggest this file name to the browser (Content-Disposition: attachment). */
  filename?: string;
  /** Override the Content-Type of the response. */
  contentType?: string;
  /**
   * `attachment` (default): the browser saves the file. `inline`: it may show it, for types that
   * are not active content (HTML, SVG, XML, JavaScript are always attachment: asking for inline
   * is an InvalidRequestError). The type is the `contentType` override, else the stored one.
   */
  disposition?: 'attachment' | 'inline';
}

export interface DownloadGrant {
  readonly url: string;
  readonly expiresAt: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A stored object, as `verifyUpload` found it. */
export interface VerifiedObject {
  readonly provider: ProviderName;
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly contentType: string;
  readonly checksum?: Checksum;
  readonly etag?: string;
  /** The context sealed with the grant, when the app gave one. */
  readonly context?: GrantContext;
}

/**
 * One broken promise found by `verifyUpload`. `createOnly`: a staged upload found its final key
 * taken at promotion; `grant`: the staged object does not carry this grant's record, or the grant
 * was rejected or aborted before.
 */
export interface Violation {
  readonly constraint: 'size' | 'contentType' | 'checksum' | 'content' | 'createOnly' | 'grant';
  readonly expected: string;
  readonly actual: string;
}

/** The portable API every app uses. */
export interface Presigner extends MultipartPresigner {
  readonly provider: ProviderName;
  readonly bucket: string;
  createUploadGrant(request: UploadGrantRequest): Promise<UploadGrant>;
  createDownloadGrant(request: DownloadGrantRequest): Promise<DownloadGrant>;
  /**
   * Check the stored object against the grant; on any violation delete it and throw
   * `UploadRejectedError`. A staged upload that passes is promoted to the grant's key. Idempotent:
   * a second or concurrent call returns the same object and promotes at most once.
   */
  verifyUpload(token: string): Promise<VerifiedObject>;
  /** Promote what nobody reported, delete what broke its grant, clean up expired leftovers. */
  sweep(options?: SweepOptions): Promise<SweepReport>;
  /** Verify and promote the staged uploads a storage "object created" notification names. */
  handleStorageEvent(body: unknown): Promise<StorageEventResult[]>;
  /** Release the driver's resources (sockets, timers). */
  close(): Promise<void>;
  /** Bucket lifecycle rules for the staging prefix: delete stale staged objects, abort incomplete multipart uploads. */
  applyLifecycleRules(options?: LifecycleOptions): Promise<LifecycleResult>;
}

/** Policy shared by every provider. */
export interface PolicyOptions {
  /** Secret for sealing grant tokens, at least 32 bytes. */
  secret: string;
  /**
   * Secrets of before a rotation (UPGRANT_PREVIOUS_SECRETS): tokens and local URLs they signed
   * still verify; everything new is signed with `secret`.
   */
  previousSecrets?: readonly string[];
  /**
   * Seconds after a grant's expiry that its token still verifies or completes a multipart upload
   * (UPGRANT_VERIFY_GRACE, default 86400: one day). Uploads themselves stop at expiry.
   */
  verifyGrace?: number;
  /** Refuse constraints the storage cannot enforce instead of falling back to `verify`. */
  strict?: boolean;
  /** Upper bound for `expiresIn`, in seconds (at most 7 days). */
  maxExpiresIn?: number;
  /**
   * Largest upload this presigner grants, in bytes (single, range and multipart grants alike):
   * a request above it is refused before anything is signed. Default: the provider's own limit.
   */
  maxSize?: number;
  /** Allowed content types: `type/subtype` or `type/*`. Empty or absent allows every valid type. */
  allowedTypes?: readonly string[];
  /** Time source, for tests and known-answer vectors. */
  clock?: () => Date;
  /** How verifyUpload checks the bytes against the granted type (default `known`); a grant request may choose its own. */
  contentCheck?: ContentCheckMode;
  /** Strict content check: types (`type/subtype` or `type/*`) let through although the detector cannot recognise them. */
  contentCheckAllowed?: readonly string[];
  /**
   * Staged uploads (UPGRANT_STAGING): 'auto' (default) stages a grant exactly when some promise
   * would otherwise be 'verify' or 'none'; 'always' stages every grant; 'never' none.
   */
  staging?: StagingPolicy;
  /** Reserved key prefix for staged uploads (UPGRANT_STAGING_PREFIX), ending with "/"; default ".upgrant-staging/". */
  stagingPrefix?: string;
}

export type StagingPolicy = 'auto' | 'always' | 'never';

export interface SweepOptions {
  /** Leave staged uploads younger than this many seconds to their clients' own verify (default 0). */
  olderThan?: number;
  /** Seconds after a grant's expiry before its leftovers (markers, stale multipart uploads) are deleted (default 3600). */
  grace?: number;
  /** Report what would happen; change nothing. */
  dryRun?: boolean;
  /** Most staging objects one sweep looks at (default 10,000); `truncated` says when more were left. */
  limit?: number;
}

/** What a sweep did (or, with dryRun, would do). */
export interface SweepReport {
  /** Staging objects looked at. */
  readonly scanned: number;
  /** Uploads that passed and are now at their keys (by this sweep or a concurrent verify). */
  readonly promoted: readonly VerifiedObject[];
  /** Uploads that broke their grant and were deleted. */
  readonly rejected: readonly { readonly key: string; readonly stagingKey: string; readonly violations: readonly Violation[] }[];
  /** Leftovers of grants that expired more than `grace` ago, deleted (staging keys). */
  readonly expired: readonly string[];
  /** Stale multipart uploads aborted. */
  readonly aborted: number;
  /** True when `limit` stopped the sweep before the end of the staging prefix. */
  readonly truncated: boolean;
  readonly dryRun: boolean;
}

/** What handleStorageEvent did with one object an event named. */
export interface StorageEventResult {
  readonly bucket: string;
  readonly key: string;
  /** promoted: verified and at its key; rejected: deleted; missing: nothing there (already handled); ignored: not a staged upload of this presigner. */
  readonly outcome: 'promoted' | 'rejected' | 'missing' | 'ignored';
  readonly object?: VerifiedObject;
  readonly violations?: readonly Violation[];
  readonly reason?: string;
}

// ---- Multipart upload grants (large files: one grant, many parts, one object) ----

/** What an app asks for when the file is large. Exactly one of `key` / `filename`; the size is exact. */
export interface MultipartUploadGrantRequest {
  key?: string;
  filename?: string;
  prefix?: string;
  contentType: string;
  /** Exact size of the whole file in bytes (at least 1). */
  size: number;
  /** Bytes per part (every part but the last); default: 8 MiB, raised to fit the provider's part count. */
  partSize?: number;
  /** A checksum of the whole file. */
  checksum?: ChecksumInput;
  /** Seconds until the part URLs expire: allow for the whole upload, resumes included. */
  expiresIn?: number;
  overwrite?: boolean;
  /** As for single grants: the content check verifyUpload applies (default: the presigner's). */
  contentCheck?: ContentCheckMode;
  /**
   * The origin of the page that will send the parts (`https://app.example`). GCS answers CORS on a
   * resumable session only for the origin it was started with, so browser uploads to GCS need it;
   * other providers ignore it (their bucket CORS rules apply).
   */
  origin?: string;
  /** Sealed with the grant, returned by verifyUpload as `object.context`. */
  context?: GrantContext;
}

/** One part of a multipart grant: send `size` bytes of the file, starting at `offset`. */
export interface MultipartPartGrant {
  /** 1-based part number. */
  readonly number: number;
  readonly method: 'PUT';
  readonly url: string;
  /** Send exactly these headers (content-length is what a browser sets from the body). */
  readonly headers: Readonly<Record<string, string>>;
  readonly offset: number;
  readonly size: number;
}

export interface MultipartUploadGrant {
  readonly kind: 'multipart';
  readonly provider: ProviderName;
  readonly bucket: string;
  readonly key: string;
  /** Bytes per part; every part but the last has exactly this size. */
  readonly partSize: number;
  /** Parts in order; together they cover the file exactly. */
  readonly parts: readonly MultipartPartGrant[];
  /**
   * True: send the parts one after another, in order, each after the previous one was accepted
   * (GCS resumable sessions, where the storage answers 308 until the last part). False: in any
   * order, in parallel.
   */
  readonly sequential: boolean;
  /** ISO 8601: when the part URLs stop working. */
  readonly expiresAt: string;
  readonly constraints: GrantConstraints;
  readonly enforcement: Enforcement;
  /** Sealed copy of the grant with the provider's upload id, for complete / abort / verifyUpload. */
  readonly token: string;
  /** True: the parts assemble at a staging key and verifyUpload promotes the object to `key`. */
  readonly staged: boolean;
}

/** A part the client has sent: its number and the ETag the storage answered (where it gives one). */
export interface UploadedPart {
  readonly number: number;
  /** The part response's ETag header. Azure, GCS and the local receiver check parts themselves; there any non-empty string will do. */
  readonly etag?: string | null;
}

/** The object a completed multipart upload became (check it with verifyUpload, as for single uploads). */
export interface CompletedUpload {
  readonly provider: ProviderName;
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly etag?: string;
}

/** Presigners that grant multipart uploads (every PortablePresigner; drivers without multipart refuse). */
export interface MultipartPresigner {
  createMultipartUploadGrant(request: MultipartUploadGrantRequest): Promise<MultipartUploadGrant>;
  /** Assemble the parts into the object (nothing is visible before). Throws InvalidRequestError('parts') for missing or wrong parts. */
  completeMultipartUpload(token: string, parts: readonly UploadedPart[]): Promise<CompletedUpload>;
  /** Discard the upload and every part sent so far; a finished or unknown upload is not an error. */
  abortMultipartUpload(token: string): Promise<void>;
  /** The parts the storage already holds (resume after a reload); UnsupportedConstraintError('multipart') where the driver cannot say. */
  listMultipartParts(token: string): Promise<readonly ListedPart[]>;
}

/** A part the storage holds: its number, size and ETag (where the storage keeps one). */
export interface ListedPart {
  readonly number: number;
  readonly size: number;
  readonly etag?: string;
}
