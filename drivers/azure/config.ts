// The Azure driver's options as plain values (what createPresigner and the environment can give),
// its container-name rule, and its registration. No SDK type here, so the 'upgrant' entry point
// compiles, and loads, without @azure/storage-blob installed.
import type { DriverRegistration } from '../driver.js';
import { loadBuiltIn } from '../../src/driver-registry.js';
import { optional, value, type Env } from '../../src/env-values.js';
import { ConfigError } from '../../src/errors.js';

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

/**
 * Azure container names as Microsoft documents them: 3-63 lower-case letters, digits and hyphens,
 * starting and ending with a letter or digit, no two hyphens in a row; and the two reserved
 * containers, $root (the account's root) and $web (static websites).
 */
export function azureContainerName(name: string): string | undefined {
  if (name === '$root' || name === '$web' || /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/.test(name)) return undefined;
  return 'is not an Azure container name: 3-63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit (or $root, $web)';
}

/** The Azure options from the variables of DESIGN section 4, from the env object given. */
export function azureOptionsFromEnv(env: Env): Partial<AzureConfig> {
  const connectionString = value(env, 'AZURE_STORAGE_CONNECTION_STRING');
  if (connectionString !== undefined) return { connectionString };
  const accountName = value(env, 'AZURE_STORAGE_ACCOUNT');
  const accountKey = value(env, 'AZURE_STORAGE_KEY');
  if (accountName === undefined) {
    throw new ConfigError(
      accountKey === undefined ? 'AZURE_STORAGE_CONNECTION_STRING' : 'AZURE_STORAGE_ACCOUNT',
      accountKey === undefined
        ? 'is required (or AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY, or AZURE_STORAGE_ACCOUNT alone for Entra ID)'
        : 'is required with AZURE_STORAGE_KEY',
    );
  }
  if (accountKey !== undefined && !/^[A-Za-z0-9+/]+={0,2}$/.test(accountKey)) throw new ConfigError('AZURE_STORAGE_KEY', 'is not a base64 account key');
  return { accountName, ...optional('accountKey', accountKey) };
}

export const azureDriver: DriverRegistration<AzureConfig> = {
  name: 'azure',
  sdkPackage: '@azure/storage-blob',
  bucketName: azureContainerName,
  optionsFromEnv: azureOptionsFromEnv,
  load: () => loadBuiltIn<AzureConfig>('azure', '../drivers/azure/index.js'),
};
