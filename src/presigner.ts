// The portable Presigner: validation, defaults, strict mode, the enforcement map, token sealing
// and verifyUpload live here once, for every driver. Drivers only sign and answer head/read/delete.
import type { Driver, LifecycleResult } from '../drivers/driver.js';
import { findViolations } from './check-object.js';
import { InvalidRequestError, ObjectNotFoundError, UnsupportedConstraintError, UploadRejectedError } from './errors.js';
import { DEFAULT_CONTENT_CHECK, isActiveContentType, type ContentCheckMode } from './content-check.js';
import { contentDisposition } from './content-disposition.js';
import { resolveEnforcement } from './enforcement.js';
import { validateContext } from './grant-context.js';
import { resolveGrantRequest } from './grant-request.js';
import { applyLifecycleRules, type LifecycleOptions } from './lifecycle.js';
import { MultipartGrants } from './multipart.js';
import { newGrantId, Staging, type StagedGrant } from './staging.js';
import { handleStorageEvent, sweepStaging } from './sweep.js';
import { checkMaxSize, validateMaxSize } from './size-limit.js';
import { wrapDriverError } from './wrap-driver-error.js';
import { checkReportWindow, DEFAULT_VERIFY_GRACE, TokenSealer, type SealedGrant } from './token.js';
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
  StorageEventResult,
  SweepOptions,
  SweepReport,
  UploadGrant,
  UploadGrantRequest,
  UploadMethod,
  UploadedPart,
  VerifiedObject,
} from './types.js';
import {
  MAX_GRANT_EXPIRY,
  essence,
  normalizeContentType,
  validateExpiresIn,
  validateKey,
  validateSize,
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
  readonly #staging: Staging;
  /** PolicyOptions.maxSize: the deployment's own limit, for every kind of grant. */
  readonly #maxSize: number | undefined;

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
    this.#clock = policy.clock ?? driver.clock ?? (() => new Date());
    this.#staging = new Staging(driver, this.#sealer, policy, (operation, key, fn) => this.#call(operation, key, fn));
    this.#multipart = new MultipartGrants(driver, policy, this.#maxExpiresIn, this.#sealer, this.#staging, this.#verifyGrace);
    this.#maxSize = validateMaxSize(policy.maxSize);
  }

  get provider(): ProviderName {
    return this.#driver.name;
  }

  get bucket(): string {
    return this.#driver.bucket;
  }

  async createUploadGrant(request: UploadGrantRequest): Promise<UploadGrant> {
    if (this.#maxSize !== undefined) checkMaxSize(request, this.#maxSize);
    const { key, constraints } = resolveGrantRequest(
      request,
      this.#allowedTypes,
      (r) => validateSize(r, this.#driver.limits.maxObjectSize),
      this.#contentCheck,
      this.#staging.prefix,
    );
    const expiresIn = validateExpiresIn(request.expiresIn, this.#maxExpiresIn);
    const method = this.#chooseMethod(request.method, constraints);
    const byDriver = this.#driver.enforcement(method, constraints);
    const staged = this.#staging.decide(byDriver, constraints);
    const enforcement = resolveEnforcement(this.provider, staged ? this.#staging.stagedEnforcement(byDriver) : byDriver, constraints, this.#strict, `${method} grant`);

    const now = this.#clock();
    const expiresAt = Math.floor(now.getTime() / 1000) + expiresIn;
    const id = newGrantId(expiresAt);
    const staging = staged ? this.#staging.keyFor(id) : undefined;
    if (staging) this.#checkKey(key);
    // The token is also the record the object carries, so the storage alone says whose it is.
    const context = validateContext(request.context);
    const token = this.#sealer.seal({ provider: this.provider, bucket: this.bucket, key, constraints, expiresAt, id, ...(staging ? { staging } : {}), ...(context !== undefined ? { context } : {}) });
    // A staging key is unique to the grant: its upload is create-only wherever the storage can do
    // that, whatever the grant says about its key.
    const signed = await this.#call('sign upload', key, () =>
      this.#driver.signUpload(
        staging
          ? { key: staging, method, constraints: { ...constraints, createOnly: true }, expiresIn, now, record: token }
          : { key, method, constraints, expiresIn, now, record: token },
      ),
    );
    return {
      provider: this.provider,
      bucket: this.bucket,
      key,
      method,
      url: signed.url,
      headers: signed.headers,
      ...(signed.fields ? { fields: signed.fields } : {}),
      expiresAt: new Date(expiresAt * 1000).toISOString(),
      constraints,
      enforcement,
      token,
      staged,
    };
  }

  async createDownloadGrant(request: DownloadGrantRequest): Promise<DownloadGrant> {
    if (typeof request !== 'object' || request === null) throw new InvalidRequestError('request', 'must be an object');
    const key = validateKey(request.key, 'key', this.#staging.prefix);
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
    return { url: signed.url, headers: signed.headers, expiresAt: new Date((Math.floor(now.getTime() / 1000) + expiresIn) * 1000).toISOString() };
  }

  async verifyUpload(token: string): Promise<VerifiedObject> {
    const grant = this.#open(token);
    checkReportWindow(grant, this.#clock(), this.#verifyGrace);
    if (grant.staging !== undefined && grant.id !== undefined) return this.#staging.verify(grant as StagedGrant);
    const { key, constraints } = grant;
    const info = await this.#call('head', key, () => this.#driver.head(key));
    if (!info) throw new ObjectNotFoundError(this.bucket, key);
    // An object another grant uploaded is not this grant's to judge, or to delete.
    if (grant.id !== undefined && info.record !== undefined && this.#recordId(info.record) !== grant.id) throw new ObjectNotFoundError(this.bucket, key);

    const violations = await findViolations(this.#driver, key, info, constraints, (operation, k, fn) => this.#call(operation, k, fn), this.#contentCheckAllowed);
    if (violations.length > 0) {
      await this.#call('delete', key, () => this.#driver.delete(key));
      throw new UploadRejectedError(key, violations);
    }
    const declared = constraints.checksum;
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

  /** Promote what nobody reported, delete what broke its grant, clean up expired leftovers (src/sweep.ts). */
  sweep(options: SweepOptions = {}): Promise<SweepReport> {
    return sweepStaging(this.#staging, this.#driver, options, this.#clock);
  }

  /** Verify and promote the staged uploads a storage notification names (src/sweep.ts). */
  handleStorageEvent(body: unknown): Promise<StorageEventResult[]> {
    return handleStorageEvent(this.#staging, this.#driver, body);
  }

  /** Large files: one grant, many parts (src/multipart.ts). */
  async createMultipartUploadGrant(request: MultipartUploadGrantRequest): Promise<MultipartUploadGrant> {
    if (this.#maxSize !== undefined) checkMaxSize(request, this.#maxSize);
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

  #open(token: string): SealedGrant {
    const grant = this.#sealer.open(token);
    if (grant.provider !== this.provider || grant.bucket !== this.bucket) {
      throw new InvalidRequestError('token', `was issued for ${grant.provider} bucket "${grant.bucket}", not this presigner's`);
    }
    return grant;
  }

  #recordId(record: string): string | undefined {
    try {
      return this.#sealer.open(record).id;
    } catch {
      return undefined;
    }
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

  /** Wrap anything a driver throws, once, keeping our own typed errors as they are. */
  async #call<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.#wrap(operation, key, error);
    }
  }

  #wrap(operation: string, key: string, error: unknown): unknown {
    return wrapDriverError(this.#driver, operation, key, error);
  }

  /** A staged grant's final key, refused now if the storage could never hold it. */
  #checkKey(key: string): void {
    try {
      this.#staging.driver?.checkKey?.(key);
    } catch (error) {
      throw this.#wrap('check key', key, error);
    }
  }

  /** Bucket rules that delete stale staged objects and abort incomplete multipart uploads (src/lifecycle.ts). */
  applyLifecycleRules(options?: LifecycleOptions): Promise<LifecycleResult> {
    return applyLifecycleRules(this.#driver, options, this.#maxExpiresIn, this.#staging.prefix);
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

/** Content types match when their essence and parameters match (kept here for the local receiver's import). */
export { sameContentType } from './check-object.js';
