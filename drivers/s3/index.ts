// upgrant/s3: the S3 driver (AWS S3 and S3-compatible stores), its CORS helper, and the signing
// primitives it is built on (exported for known-answer tests and benchmarks).
export { DRIVER_NAME, S3Driver } from './driver.js';
export { createDriver } from './factory.js';
export { s3BucketName, s3Driver } from './config.js';
export { applyCors, corsRules } from './cors.js';
export { S3_COMPAT_NAMES, S3_COMPAT_PROFILES, isS3CompatName, resolveS3Compat } from './compat.js';
export type { ChecksumSupport, ConditionalHeader, S3CompatName, S3CompatOverrides, S3CompatProfile } from './compat.js';
export { SigV4Signer, UNSIGNED_PAYLOAD, amzDate, encodePath, uriEncode } from './sigv4.js';
export type { PresignInput, Presigned, SigV4Credentials } from './sigv4.js';
export { decodePostPolicy, signPostPolicy } from './post-policy.js';
export type { PostPolicyDocument, PostPolicyInput } from './post-policy.js';
export type { S3Config, S3Credentials, S3DriverOptions } from './options.js';
