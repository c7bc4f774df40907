// createDriver: options -> credentials -> an AzureDriver. The SDK's service client is built on the
// first service call (sdk.ts), so building a driver and signing grants never load the SDK.
import type { TokenCredential } from '@azure/core-auth';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { Driver, DriverFactory } from '../driver.js';
import { recordDriverEntry } from '../../src/driver-registry.js';
import { ConfigError } from '../../src/errors.js';
import { unbundledImport } from '../../src/unbundled-import.js';
import { checkBucketName } from '../../src/env-values.js';
import { azureContainerName } from './config.js';
import { ENV_ACCOUNT, ENV_KEY, isLocalEndpoint, resolveCredentials, type ResolvedCredentials } from './credentials.js';
import { DelegationKeyCache } from './delegation.js';
import { applyCors } from './cors.js';
import { AzureDriver, DRIVER_NAME, type SasSigningKey } from './driver.js';
import type { AzureDriverOptions } from './options.js';
import { sasKey } from './sas.js';
import { lazyService } from './sdk.js';

/** Validated options: the container, how to sign, and the client for service calls (made on first use). */
export async function connect(options: AzureDriverOptions): Promise<{ container: string; credentials: ResolvedCredentials; service: () => Promise<BlobServiceClient> }> {
  const container = checkBucketName(azureContainerName, options?.bucket);
  const credentials = resolveCredentials(options);
  const client = options.client;
  if (client) return { container, credentials, service: () => Promise.resolve(client) };
  // The Entra ID credential now, so a missing @azure/identity is a ConfigError at creation.
  const credential = credentials.kind === 'sharedKey' ? undefined : (options.credential ?? (await defaultCredential()));
  return { container, credentials, service: lazyService(credentials, credential) };
}

export const createDriver: DriverFactory<AzureDriverOptions> = async (options) => {
  const { container, credentials, service } = await connect(options);
  let signing: SasSigningKey;
  if (credentials.kind === 'sharedKey') {
    signing = { kind: 'sharedKey', key: sasKey(credentials.accountKey) };
  } else {
    const cache = new DelegationKeyCache(async (startsOn, expiresOn) => {
      // Fetched while signing: a refusal reaches the portable layer as it came (configProblem names the account).
      const key = await (await service()).getUserDelegationKey(startsOn, expiresOn);
      return {
        signedObjectId: key.signedObjectId,
        signedTenantId: key.signedTenantId,
        signedStartsOn: key.signedStartsOn,
        signedExpiresOn: key.signedExpiresOn,
        signedService: key.signedService,
        signedVersion: key.signedVersion,
        value: key.value,
      };
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
    ...(options.clock ? { clock: options.clock } : {}),
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

recordDriverEntry<AzureDriverOptions>(DRIVER_NAME, { createDriver, applyCors: (options, origins) => applyCors(options, origins) });
