// Options of the Azure Blob Storage driver: the plain ones, plus SDK objects that only
// `upgrant/azure` accepts (their types need @azure/storage-blob and @azure/core-auth).
import type { TokenCredential } from '@azure/core-auth';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { AzureConfig } from './config.js';

export type { AzureConfig } from './config.js';

export interface AzureDriverOptions extends AzureConfig {
  /** With accountName alone: Entra ID credential for user delegation SAS (default: DefaultAzureCredential). */
  credential?: TokenCredential;
  /**
   * An existing client for the service calls (head, read, delete, user delegation key, CORS).
   * Grants are still signed from the credentials above; give `endpoint` when it is not the default.
   */
  client?: BlobServiceClient;
}
