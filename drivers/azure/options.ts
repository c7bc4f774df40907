// Options of the Azure Blob Storage driver.
import type { TokenCredential } from '@azure/core-auth';
import type { BlobServiceClient } from '@azure/storage-blob';

export interface AzureDriverOptions {
  /** The container every grant is for. */
  bucket: string;
  /** AZURE_STORAGE_CONNECTION_STRING (account key or Azurite's development string). */
  connectionString?: string;
  /** AZURE_STORAGE_ACCOUNT. */
  accountName?: string;
  /** AZURE_STORAGE_KEY: with accountName, signs service SAS with the account key. */
  accountKey?: string;
  /** With accountName alone: Entra ID credential for user delegation SAS (default: DefaultAzureCredential). */
  credential?: TokenCredential;
  /** Blob service URL, default https://<account>.blob.core.windows.net. */
  endpoint?: string;
  /** Require https in SAS (`spr=https`); default true except for loopback endpoints. */
  httpsOnly?: boolean;
  /**
   * An existing client for the service calls (head, read, delete, user delegation key, CORS).
   * Grants are still signed from the credentials above; give `endpoint` when it is not the default.
   */
  client?: BlobServiceClient;
  clock?: () => Date;
}
