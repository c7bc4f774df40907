// createPresigner: the one entry point apps use. Drivers come from the driver registry: the ones
// the app imported (upgrant/s3, ...), else the built-in one loaded lazily, so an app that uses only
// S3 never loads the Azure or Google SDK (they are optional peer dependencies) and a bundler only
// follows the drivers the app imports. The config types name no SDK type, so this entry point
// compiles without any SDK installed; SDK objects (an S3Client, ...) go through the driver subpaths.
import type { Driver } from '../drivers/driver.js';
import type { AzureConfig } from '../drivers/azure/config.js';
import type { GcsConfig } from '../drivers/gcs/config.js';
import type { LocalDriverOptions } from '../drivers/local/options.js';
import type { S3Config } from '../drivers/s3/config.js';
import { driverFactory } from './driver-registry.js';
import { ConfigError } from './errors.js';
import { PortablePresigner } from './presigner.js';
import type { PolicyOptions, Presigner, ProviderName } from './types.js';

export type LocalPresignerConfig = { provider: 'local' } & PolicyOptions & LocalDriverOptions;
export type S3PresignerConfig = { provider: 's3' } & PolicyOptions & S3Config;
export type GcsPresignerConfig = { provider: 'gcs' } & PolicyOptions & GcsConfig;
export type AzurePresignerConfig = { provider: 'azure' } & PolicyOptions & AzureConfig;

/** Everything needed to build a Presigner: the provider, its driver options and the policy. */
export type PresignerConfig = LocalPresignerConfig | S3PresignerConfig | GcsPresignerConfig | AzurePresignerConfig;

/** What each driver imports: the SDK packages a provider needs beside upgrant. */
const SDK_PACKAGES: Record<ProviderName, string | undefined> = {
  local: undefined,
  s3: '@aws-sdk/client-s3',
  gcs: '@google-cloud/storage',
  azure: '@azure/storage-blob',
};

/** Build the configured driver. Exported for the inversify module; apps call createPresigner. */
export async function createDriver(config: PresignerConfig): Promise<Driver> {
  const provider = config.provider;
  if (!Object.hasOwn(SDK_PACKAGES, provider)) {
    throw new ConfigError('UPGRANT_PROVIDER', `unknown provider "${String(provider)}" (local, s3, gcs or azure)`);
  }
  try {
    return await (await driverFactory(provider))(config);
  } catch (error) {
    if (isMissingModule(error)) {
      const sdk = SDK_PACKAGES[provider];
      const bundled = `in a bundled app, import 'upgrant/${provider}' once so the bundler includes the driver`;
      throw new ConfigError('UPGRANT_PROVIDER', sdk ? `provider "${provider}" needs ${sdk} installed beside upgrant (${bundled})` : `provider "${provider}" is not loaded: ${bundled}`);
    }
    throw error;
  }
}

export async function createPresigner(config: PresignerConfig): Promise<Presigner> {
  const driver = await createDriver(config);
  return new PortablePresigner(driver, config);
}

/** Node, Bun and Deno say ERR_MODULE_NOT_FOUND; workerd and bundles say it in words. */
function isMissingModule(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') return true;
  return /\b(?:Cannot find (?:module|package)|No such module|Module not found)\b/i.test(String((error as { message?: unknown }).message));
}
