// upgrant/gcs: the Google Cloud Storage driver and its V4 signing entry points. Importing this
// module loads no Google SDK; createDriver and applyCors import @google-cloud/storage on first use.
export { createDriver } from './factory.js';
export { gcsBucketName, gcsDriver } from './config.js';
export { applyCors, corsRules } from './cors.js';
export { DRIVER_NAME, GcsDriver, uploadHeaders } from './driver.js';
export { signPostPolicyV4, signUrlV4, urlV4Parts } from './sign.js';
export type {
  GcsEndpointInput,
  GcsSignerInput,
  GcsUrlStyle,
  PostPolicyConditions,
  SignPostPolicyV4Input,
  SignUrlV4Input,
  SignedPostPolicyV4,
  UrlV4Parts,
} from './sign.js';
export { HmacKeySigner, IamSignBlobSigner, ServiceAccountSigner } from './signers.js';
export type { GcsSigner, GcsSigningAlgorithm, IamRequester } from './signers.js';
export type { GcsConfig, GcsDriverOptions, GcsHmacKey, GcsServiceAccountKey } from './options.js';
