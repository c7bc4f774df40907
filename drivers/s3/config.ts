// The S3 driver's options as plain values (what createPresigner and the environment can give),
// its bucket-name rule, and its registration. No SDK type here, so the 'upgrant' entry point
// compiles, and loads, without @aws-sdk/client-s3 installed.
import type { DriverRegistration } from '../driver.js';
import { loadBuiltIn } from '../../src/driver-registry.js';
import { optional, readFlag, readPair, readUrl, value, type Env } from '../../src/env-values.js';
import { ConfigError } from '../../src/errors.js';
import { isS3CompatName, S3_COMPAT_NAMES, type S3CompatName } from './compat.js';

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3Config {
  /** The bucket every grant is for. */
  bucket: string;
  /** AWS region (AWS_REGION); default us-east-1. */
  region?: string;
  /** Endpoint of an S3-compatible store (AWS_ENDPOINT_URL_S3), e.g. http://127.0.0.1:8085. */
  endpoint?: string;
  /** Path-style URLs (UPGRANT_S3_FORCE_PATH_STYLE=1), needed by most S3-compatible stores. */
  forcePathStyle?: boolean;
  /**
   * Which store this is (UPGRANT_S3_COMPAT): `aws` (default), `ceph`, `swift`, `r2`, `b2`,
   * `minio` or `gcs-xml`. Sets every capability at once (S3_COMPAT_PROFILES in compat.ts);
   * the three switches below override single capabilities of the profile.
   */
  compat?: S3CompatName;
  /**
   * Whether the store honours `If-None-Match: *` (UPGRANT_S3_CONDITIONAL_WRITES); default: the
   * profile's. false: no conditional write at all (create-only is 'none'); true: conditional PUT,
   * CompleteMultipartUpload as the profile says.
   */
  conditionalWrites?: boolean;
  /**
   * Whether the store validates `x-amz-checksum-sha256` on PUT (UPGRANT_S3_SHA256_CHECKSUMS;
   * AWS S3 does; Ceph RGW and OpenStack Swift's s3api do not); default: the profile's. When
   * false, a declared SHA-256 is not sent and verifyUpload hashes the stored object instead
   * (enforcement 'verify').
   */
  sha256Checksums?: boolean;
  /**
   * Whether the store accepts browser POST uploads (POST Object with a policy;
   * UPGRANT_S3_POST_UPLOADS); default: the profile's. Swift, R2 and B2 do not: then only
   * exact-size PUT grants can be made, and a size range is refused when the grant is asked for
   * instead of failing at upload time.
   */
  postUploads?: boolean;
  /** Explicit credentials; otherwise the AWS SDK's default chain (env, profile, SSO, roles). */
  credentials?: S3Credentials;
  /** Time source for signing (tests, known-answer vectors). */
  clock?: () => Date;
}

/**
 * S3 bucket names as AWS documents them: today's rule (3-63 lower-case letters, digits, "." and
 * "-", starting and ending with a letter or digit, no "..", not an IPv4 address), and the legacy
 * names of buckets made in us-east-1 before March 2018 (up to 255 characters, upper case and "_"
 * allowed), which S3 and compatible stores still serve.
 */
export function s3BucketName(name: string): string | undefined {
  if (/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name)) return undefined;
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/.test(name)) return undefined;
  return 'is not an S3 bucket name: 3-63 lower-case letters, digits, "." and "-" (legacy us-east-1 buckets: up to 255, with upper case and "_"), starting and ending with a letter or digit';
}

/** The S3 options in the AWS SDK's own variable names (DESIGN section 4), from the env object given. */
export function s3OptionsFromEnv(env: Env): Partial<S3Config> {
  const keys = readPair(env, 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY');
  return {
    ...optional('region', value(env, 'AWS_REGION') ?? value(env, 'AWS_DEFAULT_REGION')),
    ...optional('endpoint', readUrl(env, 'AWS_ENDPOINT_URL_S3') ?? readUrl(env, 'AWS_ENDPOINT_URL')),
    ...optional('forcePathStyle', readFlag(env, 'UPGRANT_S3_FORCE_PATH_STYLE')),
    ...optional('compat', readCompat(env)),
    ...optional('conditionalWrites', readFlag(env, 'UPGRANT_S3_CONDITIONAL_WRITES')),
    ...optional('sha256Checksums', readFlag(env, 'UPGRANT_S3_SHA256_CHECKSUMS')),
    ...optional('postUploads', readFlag(env, 'UPGRANT_S3_POST_UPLOADS')),
    // Explicit keys are optional (the SDK chain finds profiles and roles), but never half given.
    ...(keys ? { credentials: { accessKeyId: keys[0], secretAccessKey: keys[1], ...optional('sessionToken', value(env, 'AWS_SESSION_TOKEN')) } } : {}),
  };
}

/** UPGRANT_S3_COMPAT: which S3-compatible store (compat.ts); the UPGRANT_S3_* flags override single capabilities. */
function readCompat(env: Env): S3CompatName | undefined {
  const raw = value(env, 'UPGRANT_S3_COMPAT')?.toLowerCase();
  if (raw !== undefined && !isS3CompatName(raw)) {
    throw new ConfigError('UPGRANT_S3_COMPAT', `"${raw}" is not an S3-compatible profile; expected one of ${S3_COMPAT_NAMES.join(', ')}`);
  }
  return raw;
}

export const s3Driver: DriverRegistration<S3Config> = {
  name: 's3',
  sdkPackage: '@aws-sdk/client-s3',
  bucketName: s3BucketName,
  optionsFromEnv: s3OptionsFromEnv,
  load: () => loadBuiltIn<S3Config>('s3', '../drivers/s3/index.js'),
};
