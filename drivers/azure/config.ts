// The Azure driver's options as plain values: what createPresigner and the environment can give.
// No SDK type here, so the 'upgrant' entry point compiles without @azure/storage-blob installed.

export interface AzureConfig {
  /** The container every grant is for. */
  bucket: string;
  /** AZURE_STORAGE_CONNECTION_STRING (account key or Azurite's development string). */
  connectionString?: string;
  /** AZURE_STORAGE_ACCOUNT. */
  accountName?: string;
  /** AZURE_STORAGE_KEY: with accountName, signs service SAS with the account key. */
  accountKey?: string;
  /** Blob service URL, default https://<account>.blob.core.windows.net. */
  endpoint?: string;
  /** Require https in SAS (`spr=https`); default true except for loopback endpoints. */
  httpsOnly?: boolean;
  clock?: () => Date;
}
