// createDriver: options -> credentials -> an AzureDriver. The only place the SDK is loaded, lazily,
// so importing `upgrant/azure` types costs nothing until a driver is built.
import type { TokenCredential } from '@azure/core-auth';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { Driver, DriverFactory } from '../driver.js';
import { ConfigError } from '../../src/errors.js';
import { ENV_ACCOUNT, ENV_KEY, isLocalEndpoint, resolveCredentials } from './credentials.js';
import { DelegationKeyCache } from './delegation.js';
import { AzureDriver, type SasSigningKey } from './driver.js';
import { mapAzureError } from './errors.js';
import type { AzureDriverOptions } from './options.js';
import { sasKey } from './sas.js';

// Azure container names: 3-63 lower-case letters, digits and single hyphens, or $root / $web.
const CONTAINER_NAME = /^(?:\$root|\$web|[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9])$/;

export const createDriver: DriverFactory<AzureDriverOptions> = async (options) => {
  const container = options?.bucket;
  if (typeof container !== 'string' || !CONTAINER_NAME.test(container)) {
    throw new ConfigError('UPGRANT_BUCKET', `"${String(container)}" is not an Azure container name (3-63 lower-case letters, digits, single hyphens)`);
  }
  const credentials = resolveCredentials(options);
  const sdk = await import('@azure/storage-blob');
  let service: BlobServiceClient;
  let signing: SasSigningKey;
  if (credentials.kind === 'sharedKey') {
    service =
      options.client ??
      new sdk.BlobServiceClient(credentials.endpoint, new sdk.StorageSharedKeyCredential(credentials.accountName, credentials.accountKey));
    signing = { kind: 'sharedKey', key: sasKey(credentials.accountKey) };
  } else {
    const client = options.client ?? new sdk.BlobServiceClient(credentials.endpoint, options.credential ?? (await defaultCredential()));
    service = client;
    const cache = new DelegationKeyCache(async (startsOn, expiresOn) => {
      try {
        const key = await client.getUserDelegationKey(startsOn, expiresOn);
        return {
          signedObjectId: key.signedObjectId,
          signedTenantId: key.signedTenantId,
          signedStartsOn: key.signedStartsOn,
          signedExpiresOn: key.signedExpiresOn,
          signedService: key.signedService,
          signedVersion: key.signedVersion,
          value: key.value,
        };
      } catch (error) {
        throw mapAzureError(error, container, true);
      }
    });
    signing = { kind: 'userDelegation', cache };
  }
  const driver: Driver = new AzureDriver({
    container,
    accountName: credentials.accountName,
    endpoint: credentials.endpoint,
    httpsOnly: options.httpsOnly ?? !isLocalEndpoint(credentials.endpoint),
    signing,
    service,
  });
  return driver;
};

async function defaultCredential(): Promise<TokenCredential> {
  let identity: typeof import('@azure/identity');
  try {
    identity = await import('@azure/identity');
  } catch {
    throw new ConfigError(ENV_ACCOUNT, `${ENV_ACCOUNT} without ${ENV_KEY} signs with Entra ID: install @azure/identity, or set ${ENV_KEY}`);
  }
  return new identity.DefaultAzureCredential();
}
