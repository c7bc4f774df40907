// The portable Presigner: validation, defaults, strict mode, the enforcement map, token sealing
// and verifyUpload live here once, for every driver. Drivers only sign and answer head/read/delete.
import { createHash } from 'node:crypto';
import type { Driver, LifecycleResult, SignedUpload } from '../drivers/driver.js';
import {
  InvalidRequestError,
  ObjectNotFoundError,
  ProviderError,
  UnsupportedConstraintError,
  UpgrantError,
  UploadRejectedError,
} from './errors.js';
import { CONTENT_CHECK_WINDOW, DEFAULT_CONTENT_CHECK, checkContent, isActiveContentType, type ContentCheckMode } from './content-check.js';
import { contentDisposition } from './content-disposition.js';
import { resolveEnforcement } from './enforcement.js';
import { validateContext } from './grant-context.js';
import { resolveGrantRequest } from './grant-request.js';
import { applyLifecycleRules, type LifecycleOptions } from './lifecycle.js';
import { MultipartGrants } from './multipart.js';
import { checkReportWindow, DEFAULT_VERIFY_GRACE, TokenSealer } from './token.js';
import type {
  CompletedUpload,
  DownloadGrant,
  DownloadGrantRequest,
  GrantConstraints,
  ListedPart,
  MultipartUploadGrant,
  MultipartUploadGrantRequest,
  PolicyOptions,
  Presigner,
  ProviderName,
  UploadGrant,
  UploadGrantRequest,
  UploadMethod,
  UploadedPart,
  VerifiedObject,
  Violation,
} from './types.js';
import {
  MAX_GRANT_EXPIRY,
  essence,
  normalizeContentType,
  validateExpiresIn,
  validateKey,
  validateSize,
  type SizeRange,
} from './validate.js';

export class PortablePresigner implements Presigner {
  readonly #driver: Driver;
  readonly #sealer: TokenSealer;
  readonly #strict: boolean;
  readonly #maxExpiresIn: number;
  readonly #allowedTypes: readonly string[] | undefined;
  readonly #contentCheck: ContentCheckMode;
  readonly #contentCheckAllowed: readonly string[];
  readonly #clock: () => Date;
  readonly #verifyGrace: number;
  readonly #multipart: MultipartGrants;
  /** The size rule of single grants, made once (it is on the hot path). */
  readonly #sizeOf: (request: UploadGrantRequest) => SizeRange;

  /** For use by createPresigner and the container; apps call createPresigner. */
  constructor(driver: Driver, policy: PolicyOptions) {
    this.#driver = driver;
    this.#sealer = new TokenSealer(policy.secret, policy.previousSecrets);
    this.#verifyGrace = validateVerifyGrace(policy.verifyGrace);
    this.#strict = policy.strict ?? false;
    this.#maxExpiresIn = Math.min(policy.maxExpiresIn ?? MAX_GRANT_EXPIRY, MAX_GRANT_EXPIRY, driver.limits.maxExpiresIn);
    this.#allowedTypes = policy.allowedTypes;
    this.#contentCheck = policy.contentCheck ?? DEFAULT_CONTENT_CHECK;
    this.#contentCheckAllowed = policy.contentCheckAllowed ?? [];
    this.#clock = policy.clock ?? (() => new Date());
    this.#multipart = new MultipartGrants(driver, policy, this.#maxExpiresIn, this.#sealer, this.#verifyGrace);
    this.#sizeOf = (request) => validateSize(request, driver.limits.maxObjectSize);
  }

  get provider(): ProviderName {
    return this.#driver.name;
  }

  get bucket(): string {
    return this.#driver.bucket;
  }

  async createUploadGrant(request: UploadGrantRequest): Promise<UploadGrant> {
    const { key, constraints } = resolveGrantRequest(request, this.#allowedTypes, this.#sizeOf, this.#contentCheck);
    const expiresIn = validateExpiresIn(request.expiresIn, this.#maxExpiresIn);
    const method = this.#chooseMethod(request.method, constraints);
    const enforcement = resolveEnforcement(this.provider, this.#driver.enforcement(method, constraints), constraints, this.#strict, `${method} grant`);

    const now = this.#clock();
    // The driver is called directly rather than through #call: one closure and one async frame
    // less on the hot path, the same wrapping.
    let signed: SignedUpload;
    try {
      signed = await this.#driver.signUpload({ key, method, constraints, expiresIn, now });
    } catch (error) {
      throw this.#wrap('sign upload', key, error);
    }
    const expiresAt = Math.floor(now.getTime() / 1000) + expiresIn;
    const context = validateContext(request.context);
    const token = this.#sealer.seal({ provider: this.provider, bucket: this.bucket, key, constraints, expiresAt, ...(context !== undefined ? { context } : {}) });
    return {
      provider: this.provider,
      bucket: this.bucket,
      key,
      method,
      url: signed.url,
      headers: signed.headers,
      ...(signed.fields ? { fields: signed.fields } : {}),
      expiresAt: isoSeconds(expiresAt),
      constraints,
      enforcement,
      token,
    };
  }

  async createDownloadGrant(request: DownloadGrantRequest): Promise<DownloadGrant> {
    if (typeof request !== 'object' || request === null) throw new InvalidRequestError('request', 'must be an object');
    const key = validateKey(request.key);
    const expiresIn = validateExpiresIn(request.expiresIn, this.#maxExpiresIn);
    if (request.filename !== undefined && (typeof request.filename !== 'string' || /[\r\n]/.test(request.filename))) {
      throw new InvalidRequestError('filename', 'must be a file name without CR or LF');
    }
    let contentType = request.contentType === undefined ? undefined : normalizeContentType(request.contentType);
    const disposition = request.disposition ?? 'attachment';
    if (disposition !== 'attachment' && disposition !== 'inline') throw new InvalidRequestError('disposition', 'must be "attachment" or "inline"');
    if (disposition === 'inline') contentType = await this.#inlineType(key, contentType);
    const now = this.#clock();
    const signed = await this.#call('sign download', key, () =>
      this.#driver.signDownload({
        key,
        expiresIn,
        now,
        contentDisposition: contentDisposition(disposition, request.filename || undefined),
        ...(contentType ? { contentType } : {}),
      }),
    );
    // On the second, as the URL's own expiry is (a URL signed at .900 lives until the whole second).
    return { url: signed.url, headers: signed.headers, expiresAt: isoSeconds(Math.floor(now.getTime() / 1000) + expiresIn) };
  }

  async verifyUpload(token: string): Promise<VerifiedObject> {
    const grant = this.#sealer.open(token);
    if (grant.provider !== this.provider || grant.bucket !== this.bucket) {
      throw new InvalidRequestError('token', `was issued for ${grant.provider} bucket "${grant.bucket}", not this presigner's`);
    }
    checkReportWindow(grant, this.#clock(), this.#verifyGrace);
    const { key, constraints } = grant;
    const info = await this.#call('head', key, () => this.#driver.head(key));
    if (!info) throw new ObjectNotFoundError(this.bucket, key);

    const violations: Violation[] = [];
    if (info.size < constraints.minSize || info.size > constraints.maxSize) {
      const expected = constraints.minSize === constraints.maxSize ? `${constraints.maxSize} bytes` : `${constraints.minSize}..${constraints.maxSize} bytes`;
      violations.push({ constraint: 'size', expected, actual: `${info.size} bytes` });
    }
    if (!sameContentType(info.contentType, constraints.contentType)) {
      violations.push({ constraint: 'contentType', expected: constraints.contentType, actual: info.contentType || '(none)' });
    }
    const content = await this.#checkContent(key, constraints, info.size);
    if (content) violations.push(content);
    const declared = constraints.checksum;
    const sizeBroken = violations.some((v) => v.constraint === 'size');
    if (declared) {
      // Hash the bytes only when the storage cannot report the declared digest itself, and never
      // stream an object already known to be the wrong size (its digest cannot match anyway).
      const reported = info[declared.algorithm];
      const actual = reported ?? (sizeBroken ? undefined : await this.#call('read', key, () => this.#hashObject(key, declared.algorithm)));
      if (actual !== undefined && actual !== declared.value) {
        violations.push({ constraint: 'checksum', expected: `${declared.algorithm} ${declared.value}`, actual: `${declared.algorithm} ${actual}` });
      }
    }
    if (violations.length > 0) {
      await this.#call('delete', key, () => this.#driver.delete(key));
      throw new UploadRejectedError(key, violations);
    }
    return {
      provider: this.provider,
      bucket: this.bucket,
      key,
      size: info.size,
      contentType: info.contentType,
      ...(declared ? { checksum: declared } : {}),
      ...(info.etag ? { etag: info.etag } : {}),
      ...(grant.context !== undefined ? { context: grant.context } : {}),
    };
  }

  /** Large files: one grant, many parts (src/multipart.ts). */
  createMultipartUploadGrant(request: MultipartUploadGrantRequest): Promise<MultipartUploadGrant> {
    return this.#multipart.create(request);
  }

  completeMultipartUpload(token: string, parts: readonly UploadedPart[]): Promise<CompletedUpload> {
    return this.#multipart.complete(token, parts);
  }

  abortMultipartUpload(token: string): Promise<void> {
    return this.#multipart.abort(token);
  }

  listMultipartParts(token: string): Promise<readonly ListedPart[]> {
    return this.#multipart.list(token);
  }

  close(): Promise<void> {
    return this.#driver.close();
  }

  #chooseMethod(requested: unknown, constraints: GrantConstraints): UploadMethod {
    const supported = this.#driver.uploadMethods(constraints);
    if (requested === undefined) {
      const preferred = supported[0];
      if (!preferred) {
        throw new UnsupportedConstraintError(this.provider, 'size', `cannot grant a size range ${constraints.minSize}..${constraints.maxSize}; give an exact size`);
      }
      return preferred;
    }
    if (requested !== 'PUT' && requested !== 'POST') throw new InvalidRequestError('method', 'must be "PUT" or "POST"');
    if (!supported.includes(requested)) {
      throw new InvalidRequestError('method', `${this.provider} cannot grant a ${requested} upload for these constraints (it can: ${supported.join(', ') || 'none'})`);
    }
    return requested;
  }

  /**
   * The content check on the object's first bytes: one ranged read of at most
   * CONTENT_CHECK_WINDOW bytes, whatever the object's size, and only when the grant asks for it.
   */
  async #checkContent(key: string, constraints: GrantConstraints, size: number): Promise<Violation | undefined> {
    if (!constraints.contentCheck) return undefined;
    const length = Math.min(size, CONTENT_CHECK_WINDOW);
    const head = length === 0 ? new Uint8Array(0) : await this.#call('read', key, () => this.#driver.readRange(key, 0, length));
    return checkContent(constraints.contentType, head, constraints.contentCheck, this.#contentCheckAllowed);
  }

  /**
   * The type an inline download will be served with: the override, else the stored type, pinned
   * into the grant so the decision holds for what is served. Active content (or no usable type,
   * which a browser would sniff) is never inline.
   */
  async #inlineType(key: string, override: string | undefined): Promise<string> {
    let served = override;
    if (served === undefined) {
      const info = await this.#call('head', key, () => this.#driver.head(key));
      if (!info) throw new ObjectNotFoundError(this.bucket, key);
      try {
        served = normalizeContentType(info.contentType);
      } catch {
        throw new InvalidRequestError('disposition', `the object has no usable content type ("${info.contentType}"): it is served as an attachment only`);
      }
    }
    if (isActiveContentType(served)) {
      throw new InvalidRequestError('disposition', `${essence(served)} is active content (a browser would run it): it is served as an attachment only`);
    }
    return served;
  }

  async #hashObject(key: string, algorithm: 'sha256' | 'md5'): Promise<string> {
    const hash = createHash(algorithm);
    for await (const chunk of await this.#driver.read(key)) hash.update(chunk);
    return hash.digest('base64');
  }

  /** Wrap anything a driver throws, once, keeping our own typed errors as they are. */
  async #call<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.#wrap(operation, key, error);
    }
  }

  #wrap(operation: string, key: string, error: unknown): unknown {
    return error instanceof UpgrantError ? error : new ProviderError(this.provider, operation, key, error);
  }

  /** Bucket rules that delete stale staged objects and abort incomplete multipart uploads (src/lifecycle.ts). */
  applyLifecycleRules(options?: LifecycleOptions): Promise<LifecycleResult> {
    return applyLifecycleRules(this.#driver, options, this.#maxExpiresIn);
  }
}

/** The verify grace: whole seconds from 0 to 7 days. */
function validateVerifyGrace(value: unknown): number {
  if (value === undefined) return DEFAULT_VERIFY_GRACE;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_GRANT_EXPIRY) {
    throw new InvalidRequestError('verifyGrace', `must be whole seconds from 0 to ${MAX_GRANT_EXPIRY}`);
  }
  return value;
}

// Grants made in the same second share their expiry: format it once (Date#toISOString is a
// noticeable part of a grant that costs a few microseconds).
let lastExpiry = NaN;
let lastExpiryIso = '';

/** Unix seconds as ISO 8601 ("2026-01-02T03:04:05.000Z", as Date#toISOString writes it). */
function isoSeconds(seconds: number): string {
  if (seconds !== lastExpiry) {
    lastExpiryIso = new Date(seconds * 1000).toISOString();
    lastExpiry = seconds;
  }
  return lastExpiryIso;
}

/** Content types match when their essence and parameters match, ignoring case and spacing. */
export function sameContentType(stored: string, granted: string): boolean {
  if (!stored) return false;
  try {
    return normalizeContentType(stored) === granted;
  } catch {
    return essence(stored) === granted;
  }
}
