// The S3 driver's options as plain values: what createPresigner and the environment can give.
// No SDK type here, so the 'upgrant' entry point compiles without @aws-sdk/client-s3 installed.
import type { S3CompatName } from './compat.js';

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
