// upgrant/azure: the Azure Blob Storage driver (blob service SAS grants).
export { createDriver } from './factory.js';
export { azureContainerName, azureDriver } from './config.js';
export { applyCors, corsRule } from './cors.js';
export type { AzureConfig, AzureDriverOptions } from './options.js';
export { AzureDriver, DRIVER_NAME, MAX_PUT_BLOB_BYTES } from './driver.js';
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
