// Staged uploads (DESIGN section 1, last paragraph): when a grant holds a promise the storage cannot
// enforce itself, the client uploads to a staging key unique to the grant, and the object reaches
// its final key only after it passed every check. This file decides when a grant is staged, and
// verifies, promotes and rejects staged objects; the driver only does the server-side copy, the
// small marker writes and the listing (drivers/driver.ts StagingDriver).
//
// The storage is the source of truth, no database:
// - the staging key is `<prefix><expiresAt>-<128-bit random id>`: unique to the grant, and a sweep
//   knows when the grant expires from the name alone;
// - the staged object carries the grant's sealed record (its token) in metadata, bound by the
//   signature where the store allows; where it cannot (an Azure SAS) the record must name this
//   very staging key, which only this grant's URL can write;
// - a rejected (or aborted) grant leaves a marker `<staging key>.rejected` that its URL cannot write
//   (the signature binds the staging key), so however often the URL is reused, nothing it uploads
//   is ever promoted; markers go when the grant expired more than a grace ago (sweep, lifecycle);
// - the promoted object keeps the record, so a second or concurrent verification sees that its
//   grant is already at the key and promotes nothing again (create-only promotion makes exactly one
//   of concurrent copies win where the storage offers it).
import type { Driver, DriverEnforcement, ListedPage, ObjectInfo, StagingDriver } from '../drivers/driver.js';
import { findViolations } from './check-object.js';
import { randomId } from './key-for.js';
import { DEFAULT_STAGING_PREFIX } from './staging-prefix.js';
import { ConfigError, InvalidRequestError, ObjectNotFoundError, UploadRejectedError } from './errors.js';
import type { SealedGrant, TokenSealer } from './token.js';
import type { GrantConstraints, StagingPolicy, VerifiedObject, Violation } from './types.js';
import { validateKey } from './validate.js';

export const STAGING_POLICIES: readonly StagingPolicy[] = ['auto', 'always', 'never'];
const MARKER_SUFFIX = '.rejected';
const STAGED_NAME = /^(\d{1,12})-([0-9a-f]{32})(\.rejected)?$/;

export type DriverCall = <T>(operation: string, key: string, fn: () => Promise<T>) => Promise<T>;

/** A staged grant: its token carries both the grant id and the staging key. */
export type StagedGrant = SealedGrant & { readonly id: string; readonly staging: string };

/** A grant id: the expiry (unix seconds) and 128 random bits, in hex. */
export function newGrantId(expiresAt: number): string {
  return `${expiresAt}-${randomId()}`;
}

/** A staging prefix: a valid key prefix ending with "/". */
export function validateStagingPrefix(prefix: unknown, field = 'stagingPrefix'): string {
  if (typeof prefix !== 'string' || !prefix.endsWith('/') || prefix.length < 2) {
    throw new InvalidRequestError(field, 'must be a key prefix ending with "/", such as ".upgrant-staging/"');
  }
  validateKey(prefix.slice(0, -1), field);
  return prefix.normalize('NFC');
}

export function validateStagingPolicy(policy: unknown, field = 'staging'): StagingPolicy {
  if (policy === undefined) return 'auto';
  if (!STAGING_POLICIES.includes(policy as StagingPolicy)) throw new InvalidRequestError(field, `must be one of ${STAGING_POLICIES.join(', ')}`);
  return policy as StagingPolicy;
}

/** What a name under the staging prefix is: a staged upload or a marker, and when its grant expires. */
export function parseStagingName(prefix: string, key: string): { readonly expiresAt: number; readonly marker: boolean } | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const match = STAGED_NAME.exec(key.slice(prefix.length));
  return match ? { expiresAt: Number(match[1]), marker: match[3] !== undefined } : undefined;
}

export class Staging {
  readonly prefix: string;
  readonly policy: StagingPolicy;
  readonly #driver: Driver;
  readonly #sealer: TokenSealer;
  readonly #call: DriverCall;
  readonly #contentCheckAllowed: readonly string[];

  constructor(
    driver: Driver,
    sealer: TokenSealer,
    options: { staging?: StagingPolicy; stagingPrefix?: string; contentCheckAllowed?: readonly string[] },
    call: DriverCall,
  ) {
    this.#driver = driver;
    this.#contentCheckAllowed = options.contentCheckAllowed ?? [];
    this.#sealer = sealer;
    this.#call = call;
    try {
      this.policy = validateStagingPolicy(options.staging);
    } catch {
      throw new ConfigError('UPGRANT_STAGING', `"${String(options.staging)}" is not a staging policy; expected auto, always or never`);
    }
    try {
      this.prefix = validateStagingPrefix(options.stagingPrefix ?? DEFAULT_STAGING_PREFIX);
    } catch (error) {
      throw new ConfigError('UPGRANT_STAGING_PREFIX', (error as Error).message.replace(/^stagingPrefix: /, ''));
    }
    if (this.policy === 'always' && !driver.staging) {
      throw new ConfigError('UPGRANT_STAGING', `the ${driver.name} driver cannot stage uploads; use auto or never`);
    }
  }

  /** The driver's staging operations (present whenever a grant was staged). */
  get driver(): StagingDriver | undefined {
    return this.#driver.staging;
  }

  /**
   * Whether a grant with these constraints is staged: 'auto' stages exactly when a promise would be
   * 'verify' or 'none'. A content check is always 'verify' (no storage reads the bytes), so under
   * 'auto' every content-checked grant is staged: its bytes are checked before they are at the key.
   */
  decide(byDriver: DriverEnforcement, constraints: GrantConstraints): boolean {
    if (this.policy === 'never' || !this.#driver.staging) return false;
    if (this.policy === 'always') return true;
    return (
      (byDriver.expiry ?? 'storage') !== 'storage' ||
      byDriver.contentType !== 'storage' ||
      byDriver.size !== 'storage' ||
      (constraints.createOnly && byDriver.createOnly !== 'storage') ||
      (constraints.checksum !== undefined && byDriver.checksum !== 'storage') ||
      Boolean(constraints.contentCheck)
    );
  }

  /**
   * The enforcement of a staged grant: create-only at the final key is the storage's exactly when
   * the promotion is create-only. Where it is not (Ceph RGW's CopyObject overwrites whatever header
   * is sent), the check before the copy can race another writer: 'none', even where a direct PUT
   * would be create-only by the storage.
   */
  stagedEnforcement(byDriver: DriverEnforcement): DriverEnforcement {
    return { ...byDriver, createOnly: this.#driver.staging?.createOnlyPromotion ? 'storage' : 'none' };
  }

  keyFor(id: string): string {
    return this.prefix + id;
  }

  /**
   * Verify a staged upload and promote it to its key. Idempotent: when the grant's object is at
   * the key already, that object is returned and nothing is copied again. `staged`: the staged
   * object's head when the caller has just read it (a sweep, from the record it found), so it is
   * not asked for twice.
   */
  async verify(grant: StagedGrant, options: { readonly dryRun?: boolean; readonly staged?: ObjectInfo } = {}): Promise<VerifiedObject> {
    const dryRun = options.dryRun === true;
    // The staged object first: when it is there, so is the bucket, and a miss of the marker or the
    // key is theirs (S3 and GCS then skip asking the bucket: one request fewer each). Those two
    // reads go out together. No order among the reads is relied on: every absence seen is checked
    // again in #settledElsewhere, as it must be anyway, since other instances act between any two.
    const staged = options.staged ?? (await this.#head(grant.staging));
    const bucketSeen = staged !== undefined;
    const [rejected, current] = await Promise.all([this.#readMarker(grant.staging, bucketSeen), this.#head(grant.key, bucketSeen)]);
    if (rejected) {
      if (!dryRun) await this.#delete(grant.staging); // a reuse of a rejected grant's URL
      throw new UploadRejectedError(grant.key, rejected);
    }
    if (current && this.#recordId(current.record) === grant.id) {
      if (!dryRun) await this.#delete(grant.staging); // a reuse after promotion
      return this.#verified(grant, current);
    }
    if (!staged) {
      // A concurrent verification may have promoted it between the two heads.
      const settled = await this.#settledElsewhere(grant);
      if (settled) return settled;
      throw new ObjectNotFoundError(this.#driver.bucket, grant.key);
    }
    let found: Violation[];
    try {
      found = await findViolations(this.#driver, grant.staging, staged, grant.constraints, this.#call, this.#contentCheckAllowed);
    } catch (error) {
      // The checks read the staged bytes (content, checksum): a concurrent verification may have
      // promoted and removed them meanwhile. Then the key holds this grant's object.
      const settled = await this.#settledElsewhere(grant);
      if (settled) return settled;
      throw error;
    }
    const violations = [...this.#recordViolations(staged.record, grant), ...found];
    if (violations.length > 0) {
      if (!dryRun) await this.reject(grant, violations);
      throw new UploadRejectedError(grant.key, violations);
    }
    // A taken key is refused before any copy. Where the promotion is create-only the storage
    // guards the race too; elsewhere (no conditional copy) this check is all there is, as the
    // grant's createOnly 'none' says.
    if (grant.constraints.createOnly && current) {
      const taken: Violation[] = [{ constraint: 'createOnly', expected: 'no object at the key (create-only grant)', actual: 'another object is there' }];
      if (!dryRun) await this.reject(grant, taken);
      throw new UploadRejectedError(grant.key, taken);
    }
    if (dryRun) return this.#verified(grant, staged);
    return this.#promote(grant);
  }

  /**
   * After the staged object went away under a verification: this grant's object at its key (a
   * concurrent verification promoted it), a rejection (one rejected it), or nothing there any more.
   * Undefined while the staged object is still there (the failure was something else).
   */
  async #settledElsewhere(grant: StagedGrant): Promise<VerifiedObject | undefined> {
    const current = await this.#head(grant.key);
    if (current && this.#recordId(current.record) === grant.id) return this.#verified(grant, current);
    const marker = await this.#readMarker(grant.staging);
    if (marker) throw new UploadRejectedError(grant.key, marker);
    if (!(await this.#head(grant.staging))) throw new ObjectNotFoundError(this.#driver.bucket, grant.key);
    return undefined;
  }

  /** Record that the grant failed (so nothing its URL uploads is ever promoted), then delete its staged object. */
  async reject(grant: Pick<StagedGrant, 'staging'>, violations: readonly Violation[]): Promise<void> {
    const body = Buffer.from(JSON.stringify({ violations }), 'utf8');
    const marker = grant.staging + MARKER_SUFFIX;
    await this.#call('write marker', marker, () => this.#staging().put(marker, body, { createOnly: false, contentType: 'application/json' }));
    await this.#delete(grant.staging);
  }

  /** The grant of a staged object, from the record it carries; undefined when it carries none of this presigner's for this key. */
  grantOf(info: ObjectInfo, stagingKey: string): StagedGrant | undefined {
    const grant = this.#open(info.record);
    return grant && grant.staging === stagingKey && grant.provider === this.#driver.name && grant.bucket === this.#driver.bucket ? grant : undefined;
  }

  async #promote(grant: StagedGrant): Promise<VerifiedObject> {
    const createOnly = grant.constraints.createOnly;
    let outcome: 'promoted' | 'exists' | 'missing';
    try {
      outcome = await this.#call('promote', grant.key, () => this.#staging().promote(grant.staging, grant.key, { createOnly }));
    } catch (error) {
      // The key can never hold this object (local: it is a directory of other keys, or one of its
      // "directories" is an object): a rejection, so the staged upload is not retried for ever.
      if (!(error instanceof InvalidRequestError && error.field === 'key')) throw error;
      const blocked: Violation[] = [{ constraint: 'createOnly', expected: 'a key the storage can hold', actual: error.message }];
      await this.reject(grant, blocked);
      throw new UploadRejectedError(grant.key, blocked);
    }
    if (outcome !== 'promoted') {
      // A concurrent verification may have won the copy: then the key holds this grant's object.
      const now = await this.#head(grant.key);
      if (now && this.#recordId(now.record) === grant.id) {
        await this.#delete(grant.staging);
        return this.#verified(grant, now);
      }
      const marker = await this.#readMarker(grant.staging);
      if (marker) throw new UploadRejectedError(grant.key, marker);
      if (outcome === 'missing') throw new ObjectNotFoundError(this.#driver.bucket, grant.key);
      const violations: Violation[] = [{ constraint: 'createOnly', expected: 'no object at the key (create-only grant)', actual: 'another object is there' }];
      await this.reject(grant, violations);
      throw new UploadRejectedError(grant.key, violations);
    }
    const promoted = await this.#head(grant.key);
    await this.#delete(grant.staging);
    if (!promoted) throw new ObjectNotFoundError(this.#driver.bucket, grant.key);
    return this.#verified(grant, promoted);
  }

  #verified(grant: SealedGrant, info: ObjectInfo): VerifiedObject {
    return {
      provider: this.#driver.name,
      bucket: this.#driver.bucket,
      key: grant.key,
      size: info.size,
      contentType: info.contentType,
      ...(grant.constraints.checksum ? { checksum: grant.constraints.checksum } : {}),
      ...(info.etag ? { etag: info.etag } : {}),
      ...(grant.context !== undefined ? { context: grant.context } : {}),
    };
  }

  #recordViolations(record: string | undefined, grant: StagedGrant): Violation[] {
    if (record === undefined) return [{ constraint: 'grant', expected: 'the grant record in the object metadata', actual: 'none' }];
    const found = this.#open(record);
    if (!found) return [{ constraint: 'grant', expected: 'the grant record in the object metadata', actual: 'a record that does not open with this secret' }];
    if (found.id !== grant.id || found.staging !== grant.staging) return [{ constraint: 'grant', expected: `grant ${grant.id}`, actual: `the record of grant ${found.id ?? '(none)'}` }];
    return [];
  }

  /** The id of the grant a record names, or undefined. */
  #recordId(record: string | undefined): string | undefined {
    return this.#open(record)?.id;
  }

  #open(record: string | undefined): StagedGrant | undefined {
    if (record === undefined) return undefined;
    try {
      const grant = this.#sealer.open(record);
      return grant.id !== undefined && grant.staging !== undefined ? (grant as StagedGrant) : undefined;
    } catch {
      return undefined;
    }
  }

  async #readMarker(staging: string, bucketSeen = false): Promise<Violation[] | undefined> {
    const marker = staging + MARKER_SUFFIX;
    const info = await this.#head(marker, bucketSeen);
    if (!info) return undefined;
    try {
      const chunks: Uint8Array[] = [];
      for await (const chunk of await this.#call('read marker', marker, () => this.#driver.read(marker))) chunks.push(chunk);
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { violations?: Violation[] };
      if (Array.isArray(parsed.violations)) return parsed.violations;
    } catch {
      // An unreadable marker still marks the grant as rejected.
    }
    return [{ constraint: 'grant', expected: 'a grant that was never rejected', actual: 'rejected before' }];
  }

  /** The driver's head, wrapped like every call of the presigner (`bucketSeen`: see HeadOptions). */
  head(key: string, bucketSeen = false): Promise<ObjectInfo | undefined> {
    return this.#head(key, bucketSeen);
  }

  /** The driver's delete, wrapped like every call of the presigner. */
  delete(key: string): Promise<void> {
    return this.#delete(key);
  }

  /** A listing page of the staging prefix, wrapped. */
  list(options: { readonly cursor?: string; readonly limit: number }): Promise<ListedPage> {
    return this.#call('list', this.prefix, () => this.#staging().list(this.prefix, options));
  }

  #head(key: string, bucketSeen = false): Promise<ObjectInfo | undefined> {
    return this.#call('head', key, () => this.#driver.head(key, { bucketSeen }));
  }

  #delete(key: string): Promise<void> {
    return this.#call('delete', key, () => this.#driver.delete(key));
  }

  #staging(): StagingDriver {
    const staging = this.#driver.staging;
    if (!staging) throw new ConfigError('UPGRANT_STAGING', `the ${this.#driver.name} driver cannot stage uploads`);
    return staging;
  }
}
