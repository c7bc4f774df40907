// Multipart upload grants: the portable half. Validation against the driver's part limits, the
// part plan, the enforcement map (and strict mode), sealing the provider's upload id into the
// token, and checking the part list a client hands back before the driver assembles the object.
// PortablePresigner delegates its three multipart methods here.
import type { Driver, MultipartDriver, MultipartSession } from '../drivers/driver.js';
import { DEFAULT_CONTENT_CHECK, type ContentCheckMode } from './content-check.js';
import { InvalidRequestError, ProviderError, UnsupportedConstraintError } from './errors.js';
import { wrapDriverError } from './wrap-driver-error.js';
import { validateContext } from './grant-context.js';
import { resolveGrantRequest } from './grant-request.js';
import { checkReportWindow, TokenSealer, type SealedGrant } from './token.js';
import type {
  CompletedUpload,
  ListedPart,
  MultipartPartGrant,
  MultipartUploadGrant,
  MultipartUploadGrantRequest,
  PolicyOptions,
  UploadedPart,
} from './types.js';
import { validateExpiresIn, validateOrigin, validateSize } from './validate.js';
import { resolveEnforcement } from './enforcement.js';
import { newGrantId, type StagedGrant, type Staging } from './staging.js';

const MIB = 1024 * 1024;
/** Default part size: large enough to keep the request count low, small enough to retry cheaply. */
export const DEFAULT_PART_SIZE = 8 * MIB;
const MAX_ETAG_LENGTH = 1024;

/** What a multipart token carries besides the single-upload fields (verifyUpload reads only those). */
interface SealedMultipart {
  readonly uploadId: string;
  readonly partSize: number;
  readonly partCount: number;
}

type SealedMultipartGrant = SealedGrant & { readonly multipart: SealedMultipart };

/** The part sizes for `size` bytes: `partSize` each, the remainder last. */
export function planParts(size: number, partSize: number): number[] {
  const count = Math.ceil(size / partSize);
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? size - partSize * (count - 1) : partSize));
}

/**
 * The part size for a request: the one asked for (checked against the limits) or the default,
 * raised in whole MiB until the file fits in the provider's part count.
 */
export function choosePartSize(size: number, requested: unknown, limits: MultipartDriver['limits']): number {
  if (requested === undefined || requested === null) {
    // Whole MiB keep the default a multiple of any power-of-two part multiple up to 1 MiB (GCS: 256 KiB).
    const fit = Math.ceil(size / limits.maxParts / MIB) * MIB;
    return Math.min(Math.max(DEFAULT_PART_SIZE, limits.minPartSize, fit), limits.maxPartSize);
  }
  if (typeof requested !== 'number' || !Number.isSafeInteger(requested) || requested < 1) {
    throw new InvalidRequestError('partSize', 'must be a whole number of bytes');
  }
  // One part smaller than the minimum is fine: it is the last (and only) part.
  if (requested < limits.minPartSize && requested < size) {
    throw new InvalidRequestError('partSize', `${requested} bytes is under this provider's minimum part size of ${limits.minPartSize} bytes`);
  }
  const multiple = limits.partSizeMultiple ?? 1;
  if (requested % multiple !== 0 && requested < size) {
    throw new InvalidRequestError('partSize', `${requested} bytes is not a multiple of ${multiple} bytes, which this provider needs for every part but the last`);
  }
  if (requested > limits.maxPartSize) {
    throw new InvalidRequestError('partSize', `${requested} bytes is over this provider's maximum part size of ${limits.maxPartSize} bytes`);
  }
  const count = Math.ceil(size / requested);
  if (count > limits.maxParts) {
    throw new InvalidRequestError('partSize', `${requested} bytes makes ${count} parts, over this provider's ${limits.maxParts}; use at least ${Math.ceil(size / limits.maxParts)}`);
  }
  return requested;
}

export class MultipartGrants {
  readonly #driver: Driver;
  readonly #sealer: TokenSealer;
  readonly #strict: boolean;
  readonly #maxExpiresIn: number;
  readonly #allowedTypes: readonly string[] | undefined;
  readonly #contentCheck: ContentCheckMode;
  readonly #clock: () => Date;
  readonly #staging: Staging;
  readonly #verifyGrace: number;

  /** Shares the presigner's sealer, so single and multipart tokens come from one derived key. */
  constructor(driver: Driver, policy: PolicyOptions, maxExpiresIn: number, sealer: TokenSealer, staging: Staging, verifyGrace: number) {
    this.#driver = driver;
    this.#sealer = sealer;
    this.#staging = staging;
    this.#strict = policy.strict ?? false;
    this.#maxExpiresIn = maxExpiresIn;
    this.#allowedTypes = policy.allowedTypes;
    this.#contentCheck = policy.contentCheck ?? DEFAULT_CONTENT_CHECK;
    this.#clock = policy.clock ?? driver.clock ?? (() => new Date());
    this.#verifyGrace = verifyGrace;
  }

  async create(request: MultipartUploadGrantRequest): Promise<MultipartUploadGrant> {
    const multipart = this.#multipartDriver();
    const { key, constraints } = resolveGrantRequest(request, this.#allowedTypes, (r) => {
      if ((r as { maxSize?: unknown }).maxSize !== undefined) {
        throw new InvalidRequestError('maxSize', 'a multipart grant needs the exact size: its parts must cover the file exactly');
      }
      const exact = validateSize({ size: r.size }, multipart.limits.maxObjectSize);
      if (exact.maxSize < 1) throw new InvalidRequestError('size', 'a multipart upload has at least one byte');
      return exact;
    }, this.#contentCheck, this.#staging.prefix);
    const size = constraints.maxSize;
    const partSize = choosePartSize(size, request.partSize, multipart.limits);
    const partSizes = planParts(size, partSize);
    const expiresIn = validateExpiresIn(request.expiresIn, this.#maxExpiresIn);
    const origin = validateOrigin(request.origin);
    const context = validateContext(request.context);
    const byDriver = multipart.enforcement(constraints);
    const staged = this.#staging.decide(byDriver, constraints);
    const enforcement = resolveEnforcement(this.#driver.name, staged ? this.#staging.stagedEnforcement(byDriver) : byDriver, constraints, this.#strict, 'multipart grant');

    const now = this.#clock();
    const expiresAt = Math.floor(now.getTime() / 1000) + expiresIn;
    const id = newGrantId(expiresAt);
    const staging = staged ? this.#staging.keyFor(id) : undefined;
    if (staging) this.#staging.driver?.checkKey?.(key);
    const single: SealedGrant = {
      provider: this.#driver.name,
      bucket: this.#driver.bucket,
      key,
      constraints,
      expiresAt,
      id,
      ...(staging ? { staging } : {}),
      ...(context !== undefined ? { context } : {}),
    };
    // The record the object carries is the single-upload form of the grant (no upload id, which
    // is not known before start), so any instance can verify the assembled object from it alone.
    const record = this.#sealer.seal(single);
    const target = staging ?? key;
    const targetConstraints = staging ? { ...constraints, createOnly: true } : constraints;
    const started = await this.#call('start multipart upload', key, () =>
      multipart.start({ key: target, constraints: targetConstraints, partSizes, expiresIn, now, record, ...(origin ? { origin } : {}) }),
    );
    if (started.parts.length !== partSizes.length) {
      throw new ProviderError(this.#driver.name, 'start multipart upload', key, new Error(`driver signed ${started.parts.length} parts for ${partSizes.length}`));
    }
    const sealed: SealedMultipartGrant = { ...single, multipart: { uploadId: started.uploadId, partSize, partCount: partSizes.length } };
    let offset = 0;
    const parts: MultipartPartGrant[] = started.parts.map((signed, i) => {
      const part = { number: i + 1, method: 'PUT' as const, url: signed.url, headers: signed.headers, offset, size: partSizes[i]! };
      offset += part.size;
      return part;
    });
    return {
      kind: 'multipart',
      provider: this.#driver.name,
      bucket: this.#driver.bucket,
      key,
      partSize,
      parts,
      sequential: multipart.sequential ?? false,
      expiresAt: new Date(expiresAt * 1000).toISOString(),
      constraints,
      enforcement,
      token: this.#sealer.seal(sealed),
      staged,
    };
  }

  async complete(token: string, parts: readonly UploadedPart[]): Promise<CompletedUpload> {
    const { multipart, session, grant } = this.#open(token);
    const checked = checkParts(parts, session.partSizes.length);
    const done = await this.#call('complete multipart upload', grant.key, () => multipart.complete({ ...session, parts: checked }));
    return {
      provider: this.#driver.name,
      bucket: this.#driver.bucket,
      key: grant.key,
      size: session.constraints.maxSize,
      ...(done.etag ? { etag: done.etag } : {}),
    };
  }

  async abort(token: string): Promise<void> {
    const { multipart, session, grant } = this.#open(token);
    await this.#call('abort multipart upload', grant.key, () => multipart.abort(session));
    // A staged grant's part URLs may still let a client assemble an object at the staging key
    // (an Azure SAS with `w`): the marker makes sure nothing from this grant is ever promoted.
    if (grant.staging !== undefined && grant.id !== undefined) {
      await this.#staging.reject(grant as StagedGrant, [{ constraint: 'grant', expected: 'an upload that was not aborted', actual: 'aborted' }]);
    }
  }

  async list(token: string): Promise<readonly ListedPart[]> {
    const { multipart, session } = this.#open(token);
    if (!multipart.listParts) throw new UnsupportedConstraintError(this.#driver.name, 'multipart', 'this driver cannot list the parts of an upload');
    const listed = await this.#call('list parts', session.key, () => multipart.listParts!(session));
    // Only whole parts of their granted size count: anything else is sent again.
    return listed.filter((p) => session.partSizes[p.number - 1] === p.size).sort((a, b) => a.number - b.number);
  }

  #multipartDriver(): MultipartDriver {
    const multipart = this.#driver.multipart;
    if (!multipart) throw new UnsupportedConstraintError(this.#driver.name, 'multipart', 'this driver cannot grant multipart uploads; give an exact size within its single-upload limit');
    return multipart;
  }

  #open(token: string): { multipart: MultipartDriver; session: MultipartSession; grant: SealedGrant } {
    const grant = this.#sealer.open(token) as Partial<SealedMultipartGrant> & SealedGrant;
    if (grant.provider !== this.#driver.name || grant.bucket !== this.#driver.bucket) {
      throw new InvalidRequestError('token', `was issued for ${grant.provider} bucket "${grant.bucket}", not this presigner's`);
    }
    checkReportWindow(grant, this.#clock(), this.#verifyGrace);
    const mp = grant.multipart;
    if (typeof mp !== 'object' || mp === null || typeof mp.uploadId !== 'string' || !Number.isSafeInteger(mp.partSize) || !Number.isSafeInteger(mp.partCount)) {
      throw new InvalidRequestError('token', 'is not a multipart grant token');
    }
    const partSizes = planParts(grant.constraints.maxSize, mp.partSize);
    if (partSizes.length !== mp.partCount) throw new InvalidRequestError('token', 'is not a multipart grant token');
    const { multipart: _multipart, ...single } = grant as SealedMultipartGrant;
    const record = grant.id === undefined ? undefined : this.#sealer.seal(single);
    const session: MultipartSession = {
      key: grant.staging ?? grant.key,
      uploadId: mp.uploadId,
      constraints: grant.staging === undefined ? grant.constraints : { ...grant.constraints, createOnly: true },
      partSizes,
      ...(record ? { record } : {}),
    };
    return { multipart: this.#multipartDriver(), session, grant: single };
  }

  async #call<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw wrapDriverError(this.#driver, operation, key, error);
    }
  }
}

/** Every part 1..count exactly once, each with a sane ETag; returned in order. */
export function checkParts(parts: unknown, count: number): { number: number; etag: string }[] {
  if (!Array.isArray(parts)) throw new InvalidRequestError('parts', 'must be an array of { number, etag }');
  const byNumber = new Map<number, string>();
  for (const [i, part] of parts.entries()) {
    if (typeof part !== 'object' || part === null) throw new InvalidRequestError(`parts[${i}]`, 'must be { number, etag }');
    const { number, etag } = part as { number?: unknown; etag?: unknown };
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1 || number > count) {
      throw new InvalidRequestError(`parts[${i}].number`, `must be a part number from 1 to ${count}`);
    }
    if (byNumber.has(number)) throw new InvalidRequestError(`parts[${i}].number`, `part ${number} is listed twice`);
    // Absent or null: what a client reports for a storage that answers no ETag (Azure Put Block);
    // the drivers that need one (S3) refuse its absence themselves, naming the part.
    // eslint-disable-next-line no-control-regex -- an ETag goes into an XML body or a header: no control characters
    if (etag !== undefined && etag !== null && (typeof etag !== 'string' || etag.length > MAX_ETAG_LENGTH || /[\u0000-\u001f\u007f]/.test(etag))) {
      throw new InvalidRequestError(`parts[${i}].etag`, 'must be the ETag the storage answered for this part');
    }
    byNumber.set(number, typeof etag === 'string' ? etag : '');
  }
  if (byNumber.size !== count) {
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !byNumber.has(n));
    throw new InvalidRequestError('parts', `parts ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''} missing: all ${count} are needed`);
  }
  return Array.from({ length: count }, (_, i) => ({ number: i + 1, etag: byNumber.get(i + 1)! }));
}
