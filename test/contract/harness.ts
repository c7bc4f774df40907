// What a driver must provide to run the contract suite (after Go CDK's drivertest.Harness).
// A harness talks to a REAL storage service or emulator wherever one runs here.
import type { Driver } from '../../drivers/driver.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { PolicyOptions, Presigner, StagingPolicy, UploadGrant } from '../../src/types.js';
import type { UploadOptions } from '../support/http.js';

/** The answer of a storage service to an upload attempt. */
export interface UploadResult {
  readonly status: number;
  readonly body: string;
}

/** Attacks and mistakes the suite tries; a harness may pin the exact status its storage answers. */
export type Attack =
  | 'tamperedSignature'
  | 'expired'
  | 'replay'
  | 'concurrent'
  | 'wrongType'
  | 'tooLarge'
  | 'tooSmall'
  | 'overRangeMax'
  | 'wrongChecksum'
  | 'otherKey'
  | 'otherBucket';

export interface PresignerOverrides {
  strict?: boolean;
  clock?: () => Date;
  /** Use this bucket instead of the harness's default one. */
  bucket?: string;
  staging?: StagingPolicy;
  /** Wrap the driver (to count what it is asked to do). */
  wrapDriver?: (driver: Driver) => Driver;
}

/** The presigner a harness hands out: its driver (wrapped if asked) and the policy with the overrides. */
export function presignerOn(driver: Driver, secret: string, overrides: PresignerOverrides = {}, policy: Partial<PolicyOptions> = {}): Presigner {
  const { wrapDriver, bucket: _bucket, ...rest } = overrides;
  return new PortablePresigner(wrapDriver ? wrapDriver(driver) : driver, { secret, ...policy, ...rest });
}

export interface ContractHarness {
  /** Driver name, for test titles. */
  readonly name: string;
  /** A presigner on the storage under test (a fresh one per call is fine). */
  makePresigner(overrides?: PresignerOverrides): Promise<Presigner>;
  /**
   * Send an upload exactly as a client following the grant would: PUT with `grant.headers`, or a
   * POST form with `grant.fields` then the file; `uploadViaHttp` in test/support/http.ts does
   * exactly this. Never throws on an HTTP error status.
   */
  upload(grant: UploadGrant, body: Uint8Array, options?: UploadOptions): Promise<UploadResult>;
  /** The stored bytes, or undefined when the object does not exist. Reads with the storage's own credentials. */
  read(key: string, bucket?: string): Promise<Uint8Array | undefined>;
  /** Delete an object with the storage's own credentials (what an app does to its objects). */
  remove(key: string): Promise<void>;
  /** Every object key in the bucket (the suite asserts nothing is left behind). */
  list(bucket?: string): Promise<string[]>;
  /** The same grant with its signature altered. */
  tamper(grant: UploadGrant): UploadGrant;
  /**
   * A multipart part URL with its credential altered. Default: `tamper` on the URL (a signed URL).
   * GCS session URIs carry no signature: the upload id is the credential.
   */
  tamperPart?(url: string): string;
  /** The same grant pointed at another key (the signature unchanged). */
  retargetKey(grant: UploadGrant, otherKey: string): UploadGrant;
  /** The same grant pointed at another bucket (the signature unchanged). */
  retargetBucket(grant: UploadGrant, otherBucket: string): UploadGrant;
  /** A second, existing bucket for the other-bucket attack. */
  readonly otherBucket: string;
  /** Exact statuses the storage answers per attack, where known; otherwise any 4xx passes. */
  readonly statuses?: Partial<Record<Attack, readonly number[]>>;
  /** Methods the driver signs on this storage (default ['PUT']): the "POST grant" cases run where POST is one. */
  readonly methods?: readonly ('PUT' | 'POST')[];
  /**
   * Remove what the driver made for `bucket` when it was constructed (the local driver creates its
   * bucket directory), so that the "nonexistent bucket" cases see none. Absent: the driver makes nothing.
   */
  removeBucket?(bucket: string): Promise<void>;
  /** Where the storage accepts an upload into a missing bucket (it makes the bucket): why. The refusal step then skips, saying so. */
  readonly makesMissingBucket?: string;
  close(): Promise<void>;
}

/** The harness of the enclosing describe, built once in its `before` hook and shared by every section. */
export type HarnessRef = () => ContractHarness;

/**
 * Build the harness once for the enclosing describe (single, multipart, staging and definition
 * sections share it, and so its emulator, bucket and receiver); everything inside is skipped when
 * the storage is not here. Each section makes its own presigners on it.
 */
export function sharedHarness(makeHarness: () => Promise<ContractHarness | undefined>): HarnessRef {
  let harness: ContractHarness | undefined;
  before(async function () {
    harness = await makeHarness();
    if (!harness) this.skip();
  });
  after(async () => {
    await harness?.close();
  });
  return () => {
    if (!harness) throw new Error('the contract harness is not ready (its before hook has not run)');
    return harness;
  };
}

/** The same harness, its presigners made with these overrides unless a test gives its own. */
export function withDefaults(harness: HarnessRef, defaults: PresignerOverrides): HarnessRef {
  return () => {
    const h = harness();
    return { ...h, makePresigner: (overrides = {}) => h.makePresigner({ ...defaults, ...overrides }) };
  };
}
