// S3-compatible profiles: what each store does with the parts of the S3 API upgrant relies on,
// set all at once by UPGRANT_S3_COMPAT (S3DriverOptions.compat). The driver builds every grant's
// enforcement map from the resolved profile, so a grant never claims 'storage' for a check the
// store skips. Ceph and Swift values are measured by the tests (test/s3/compat.test.ts); the
// others come from each store's documentation, cited per cell in docs/providers/s3.md. Where the
// documentation says nothing, the weaker claim is taken ('verify' or 'none' is always safe).
// No SDK import here: src/config.ts reads the names.

/** A request header and the value that makes a write conditional. */
export interface ConditionalHeader {
  readonly name: string;
  readonly value: string;
}

/** One checksum: whether the store refuses a body that does not match the header, and whether HEAD reports the digest. */
export interface ChecksumSupport {
  /** The store answers 400 when the body does not match the declared digest. */
  readonly validates: boolean;
  /** HeadObject reports the digest of a single-PUT object (SHA-256: ChecksumSHA256; MD5: the ETag), so verifyUpload need not read the bytes. */
  readonly reports: boolean;
}

export interface S3CompatProfile {
  readonly name: S3CompatName;
  /** 'measured': by this project's tests against the store; 'documentation': from the store's docs only. */
  readonly evidence: 'measured' | 'documentation';
  /** The signed header that makes PutObject create-only (412 when the key exists); absent: the store has none. */
  readonly createOnlyPut?: ConditionalHeader;
  /** CompleteMultipartUpload honours `If-None-Match: *`. */
  readonly createOnlyComplete: boolean;
  /** POST Object with a SigV4 policy (browser form uploads, size ranges). */
  readonly postObject: boolean;
  /** POST Object refuses a file that does not match its (signed) Content-MD5 form field. */
  readonly postMd5: boolean;
  readonly sha256: ChecksumSupport;
  /** Content-MD5 (validates) and an ETag that is the MD5 of a single-PUT body (reports). */
  readonly md5: ChecksumSupport;
  /** PutBucketCors, with preflights and responses following the rules (`upgrant cors`). */
  readonly bucketCors: boolean;
  /** CopyObject conditionals, for promoting a staged object to its final key. */
  readonly copy: {
    /** Header that makes the copy happen only while the SOURCE still has this ETag. */
    readonly sourceIfMatch?: string;
    /** Header that makes the copy create-only at the DESTINATION; absent: the store has none. */
    readonly destinationIfNoneMatch?: ConditionalHeader;
  };
  /**
   * Signed x-amz-meta-* headers on a presigned PUT: 'exact' when the store also refuses extra,
   * unsigned x-amz-* headers (AWS); 'signed' when signed ones are bound but extra ones are stored.
   */
  readonly metadata: 'exact' | 'signed';
}

export const S3_COMPAT_NAMES = ['aws', 'ceph', 'swift', 'r2', 'b2', 'minio', 'gcs-xml'] as const;
export type S3CompatName = (typeof S3_COMPAT_NAMES)[number];

const IF_NONE_MATCH_ANY: ConditionalHeader = { name: 'if-none-match', value: '*' };
const AWS_SOURCE_IF_MATCH = 'x-amz-copy-source-if-match';
const NOT_DOCUMENTED: ChecksumSupport = { validates: false, reports: false };

export const S3_COMPAT_PROFILES: Readonly<Record<S3CompatName, S3CompatProfile>> = {
  aws: {
    name: 'aws',
    evidence: 'documentation',
    createOnlyPut: IF_NONE_MATCH_ANY,
    createOnlyComplete: true,
    postObject: true,
    postMd5: true,
    sha256: { validates: true, reports: true },
    md5: { validates: true, reports: true },
    bucketCors: true,
    copy: { sourceIfMatch: AWS_SOURCE_IF_MATCH, destinationIfNoneMatch: IF_NONE_MATCH_ANY },
    metadata: 'exact',
  },
  // Ceph RGW 16.2 (Debian bookworm's radosgw), measured in test/s3/compat.test.ts.
  ceph: {
    name: 'ceph',
    evidence: 'measured',
    createOnlyPut: IF_NONE_MATCH_ANY,
    // Complete with If-None-Match: * overwrites an existing object.
    createOnlyComplete: false,
    postObject: true,
    // The Content-MD5 form field is signed into the policy but not checked against the file.
    postMd5: false,
    // x-amz-checksum-sha256 is ignored: a wrong one is accepted, and HEAD reports none.
    sha256: { validates: false, reports: false },
    md5: { validates: true, reports: true },
    bucketCors: true,
    // RGW ignores AWS's x-amz-copy-source-if-* and If-None-Match on a copy; its own
    // x-amz-copy-if-match is a SOURCE condition. Nothing makes a copy create-only.
    copy: { sourceIfMatch: 'x-amz-copy-if-match' },
    metadata: 'signed',
  },
  // OpenStack Swift's s3api (Debian bookworm), measured in test/s3/compat.test.ts.
  swift: {
    name: 'swift',
    evidence: 'measured',
    // 501 NotImplemented to If-None-Match on a PUT, even the first one; yet Complete with
    // If-None-Match: * answers 412 over an existing object and keeps it.
    createOnlyComplete: true,
    postObject: false,
    postMd5: false,
    sha256: { validates: false, reports: false },
    md5: { validates: true, reports: true },
    bucketCors: false,
    copy: { sourceIfMatch: AWS_SOURCE_IF_MATCH },
    // An extra, unsigned x-amz-meta-* header on a presigned PUT: 403.
    metadata: 'exact',
  },
  r2: {
    name: 'r2',
    evidence: 'documentation',
    createOnlyPut: IF_NONE_MATCH_ANY,
    createOnlyComplete: true,
    postObject: false,
    postMd5: false,
    // Only Content-MD5 is listed for PutObject; SHA-256 exists only as a composite multipart checksum.
    sha256: NOT_DOCUMENTED,
    md5: { validates: true, reports: false },
    bucketCors: true,
    copy: { sourceIfMatch: AWS_SOURCE_IF_MATCH, destinationIfNoneMatch: { name: 'cf-copy-destination-if-none-match', value: '*' } },
    metadata: 'signed',
  },
  b2: {
    name: 'b2',
    evidence: 'documentation',
    createOnlyComplete: false,
    postObject: false,
    postMd5: false,
    sha256: NOT_DOCUMENTED,
    md5: NOT_DOCUMENTED,
    bucketCors: true,
    copy: { sourceIfMatch: AWS_SOURCE_IF_MATCH },
    metadata: 'signed',
  },
  minio: {
    name: 'minio',
    evidence: 'documentation',
    createOnlyPut: IF_NONE_MATCH_ANY,
    // If-None-Match is documented for PutObject, CopyObject and CreateMultipartUpload, not for Complete.
    createOnlyComplete: false,
    postObject: true,
    postMd5: false,
    sha256: NOT_DOCUMENTED,
    md5: NOT_DOCUMENTED,
    bucketCors: true,
    copy: { sourceIfMatch: AWS_SOURCE_IF_MATCH, destinationIfNoneMatch: IF_NONE_MATCH_ANY },
    metadata: 'signed',
  },
  // Cloud Storage's XML API with HMAC keys (SigV4).
  'gcs-xml': {
    name: 'gcs-xml',
    evidence: 'documentation',
    createOnlyPut: { name: 'x-goog-if-generation-match', value: '0' },
    createOnlyComplete: false,
    postObject: false,
    postMd5: false,
    sha256: NOT_DOCUMENTED,
    md5: { validates: true, reports: false },
    // The XML API's ?cors takes Cloud Storage's own CorsConfig document, not S3's CORSConfiguration.
    bucketCors: false,
    copy: { sourceIfMatch: 'x-goog-copy-source-if-match', destinationIfNoneMatch: { name: 'x-goog-if-generation-match', value: '0' } },
    metadata: 'signed',
  },
};

/** The individual switches that override a profile (S3DriverOptions; UPGRANT_S3_* flags). */
export interface S3CompatOverrides {
  readonly compat?: S3CompatName;
  /** false: no conditional write anywhere; true: conditional PUT (If-None-Match unless the profile names another header), Complete as the profile says. */
  readonly conditionalWrites?: boolean;
  readonly sha256Checksums?: boolean;
  readonly postUploads?: boolean;
}

export function isS3CompatName(name: string): name is S3CompatName {
  return (S3_COMPAT_NAMES as readonly string[]).includes(name);
}

/** The profile named by `compat` (default aws) with the individual switches applied. */
export function resolveS3Compat(options: S3CompatOverrides): S3CompatProfile {
  const base = S3_COMPAT_PROFILES[options.compat ?? 'aws'];
  const { conditionalWrites, sha256Checksums, postUploads } = options;
  const { createOnlyPut: _put, ...rest } = base;
  const createOnlyPut = conditionalWrites === false ? undefined : conditionalWrites === true ? (base.createOnlyPut ?? IF_NONE_MATCH_ANY) : base.createOnlyPut;
  return {
    ...rest,
    ...(createOnlyPut ? { createOnlyPut } : {}),
    createOnlyComplete: conditionalWrites === false ? false : base.createOnlyComplete,
    // No conditional writes: no create-only copy either (staged promotion then checks the key first).
    copy: conditionalWrites === false ? { ...(base.copy.sourceIfMatch ? { sourceIfMatch: base.copy.sourceIfMatch } : {}) } : base.copy,
    postObject: postUploads ?? base.postObject,
    postMd5: postUploads === false ? false : base.postMd5,
    sha256: sha256Checksums === undefined ? base.sha256 : { validates: sha256Checksums, reports: sha256Checksums && base.sha256.reports },
  };
}
