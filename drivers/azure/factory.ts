// createDriver: options -> credentials -> an AzureDriver. The only place the SDK is loaded, lazily,
// so importing `upgrant/azure` types costs nothing until a driver is built.
import type { TokenCredential } from '@azure/core-auth';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { Driver, DriverFactory } from '../driver.js';
import { ConfigError } from '../../src/errors.js';
import { unbundledImport } from '../../src/unbundled-import.js';
import { ENV_ACCOUNT, ENV_KEY, isLocalEndpoint, resolveCredentials, type ResolvedCredentials } from './credentials.js';
import { DelegationKeyCache } from './delegation.js';
import { AzureDriver, type SasSigningKey } from './driver.js';
import { mapAzureError } from './errors.js';
import type { AzureDriverOptions } from './options.js';
import { sasKey } from './sas.js';

// Azure container names: 3-63 lower-case letters, digits and single hyphens, or $root / $web.
const CONTAINER_NAME = /^(?:\$root|\$web|[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9])$/;

/** Validated options: the container, how to sign, and the client for service calls. */
export async function connect(options: AzureDriverOptions): Promise<{ container: string; credentials: ResolvedCredentials; service: BlobServiceClient }> {
  const container = options?.bucket;
  if (typeof container !== 'string' || !CONTAINER_NAME.test(container)) {
    throw new ConfigError('UPGRANT_BUCKET', `"${String(container)}" is not an Azure container name (3-63 lower-case letters, digits, single hyphens)`);
  }
  const credentials = resolveCredentials(options);
  if (options.client) return { container, credentials, service: options.client };
  const sdk = await import('@azure/storage-blob');
  const service =
    credentials.kind === 'sharedKey'
      ? new sdk.BlobServiceClient(credentials.endpoint, new sdk.StorageSharedKeyCredential(credentials.accountName, credentials.accountKey))
      : new sdk.BlobServiceClient(credentials.endpoint, options.credential ?? (await defaultCredential()));
  return { container, credentials, service };
}

export const createDriver: DriverFactory<AzureDriverOptions> = async (options) => {
  const { container, credentials, service } = await connect(options);
  let signing: SasSigningKey;
  if (credentials.kind === 'sharedKey') {
    signing = { kind: 'sharedKey', key: sasKey(credentials.accountKey) };
  } else {
    const cache = new DelegationKeyCache(async (startsOn, expiresOn) => {
      try {
        const key = await service.getUserDelegationKey(startsOn, expiresOn);
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
    // Not a literal import: a bundled app that signs with an account key need not install it.
    identity = (await unbundledImport('@azure/identity')) as typeof import('@azure/identity');
  } catch {
    throw new ConfigError(ENV_ACCOUNT, `${ENV_ACCOUNT} without ${ENV_KEY} signs with Entra ID: install @azure/identity, or set ${ENV_KEY}`);
  }
  return new identity.DefaultAzureCredential();
}
