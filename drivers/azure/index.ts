// upgrant/azure: the Azure Blob Storage driver (blob service SAS grants).
export { DRIVER_NAME } from './name.js';
export { createDriver } from './factory.js';
export { applyCors, corsRule } from './cors.js';
export { azureDriverModule } from './module.js';
export type { AzureDriverOptions } from './options.js';
export { AzureDriver, MAX_PUT_BLOB_BYTES } from './driver.js';
export {
  SAS_VERSION,
  BlobSasTemplate,
  blobSasQuery,
  blobSasStringToSign,
  sasKey,
  sasSignature,
  sasTime,
  signBlobSas,
  type BlobSasFields,
  type DelegationKeyFields,
  type PreparedDelegation,
} from './sas.js';
export { DelegationKeyCache, MAX_DELEGATED_GRANT_S } from './delegation.js';
