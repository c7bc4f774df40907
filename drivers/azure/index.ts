// upgrant/azure: the Azure Blob Storage driver (blob service SAS grants).
import { registerDriver } from '../../src/driver-registry.js';
import { createDriver } from './factory.js';

export { DRIVER_NAME } from './name.js';
export { createDriver };
export { applyCors, corsRule } from './cors.js';
export { azureDriverModule } from './module.js';
export type { AzureConfig, AzureDriverOptions } from './options.js';
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

registerDriver('azure', createDriver);
