// @azure/storage-blob, loaded on the first call that talks to the service. Signing a grant needs
// no SDK (sas.ts), so importing `upgrant/azure` and making grants never evaluates it. That keeps
// grants working where the SDK cannot load: wrangler bundles @azure/core-xml's browser build,
// which needs the DOM's `document` and DOMParser, and workerd has neither.
import type { BlobServiceClient } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/core-auth';
import { ConfigError } from '../../src/errors.js';
import type { ResolvedCredentials } from './credentials.js';

export type AzureSdk = typeof import('@azure/storage-blob');

let sdk: Promise<AzureSdk> | undefined;

/** The SDK module, imported once per process. A literal import, so bundlers include it. */
export function loadSdk(): Promise<AzureSdk> {
  sdk ??= import('@azure/storage-blob').catch((error: unknown) => {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConfigError('UPGRANT_PROVIDER', 'provider "azure" needs @azure/storage-blob installed beside upgrant');
  });
  return sdk;
}

/** A memoised async value: made on the first call, the same promise after. */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

/** The BlobServiceClient for these credentials, built (and the SDK loaded) on the first call. */
export function lazyService(credentials: ResolvedCredentials, credential: TokenCredential | undefined): () => Promise<BlobServiceClient> {
  return once(async () => {
    const { BlobServiceClient, StorageSharedKeyCredential } = await loadSdk();
    return credentials.kind === 'sharedKey'
      ? new BlobServiceClient(credentials.endpoint, new StorageSharedKeyCredential(credentials.accountName, credentials.accountKey))
      : new BlobServiceClient(credentials.endpoint, credential);
  });
}
