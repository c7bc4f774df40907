// upgrant/gcs: the Google Cloud Storage driver and its V4 signing entry points.
export { signPostPolicyV4, signUrlV4, urlV4Parts } from './sign.js';
export type { GcsUrlStyle, PostPolicyConditions, SignPostPolicyV4Input, SignUrlV4Input, SignedPostPolicyV4, UrlV4Parts } from './sign.js';
export { HmacKeySigner, IamSignBlobSigner, ServiceAccountSigner } from './signers.js';
export type { GcsSigner, GcsSigningAlgorithm } from './signers.js';
export type { GcsDriverOptions, GcsHmacKey, GcsServiceAccountKey } from './options.js';
