// createPresigner: the one entry point apps use. Drivers are imported lazily, so an app that uses
// only S3 never loads the Azure or Google SDK (they are optional peer dependencies).
import type { Driver } from '../drivers/driver.js';
import type { AzureDriverOptions } from '../drivers/azure/options.js';
import type { GcsDriverOptions } from '../drivers/gcs/options.js';
import type { LocalDriverOptions } from '../drivers/local/options.js';
import type { S3DriverOptions } from '../drivers/s3/options.js';
import { ConfigError } from './errors.js';
import { PortablePresigner } from './presigner.js';
import type { PolicyOptions, Presigner, ProviderName } from './types.js';

export type LocalPresignerConfig = { provider: 'local' } & PolicyOptions & LocalDriverOptions;
export type S3PresignerConfig = { provider: 's3' } & PolicyOptions & S3DriverOptions;
export type GcsPresignerConfig = { provider: 'gcs' } & PolicyOptions & GcsDriverOptions;
export type AzurePresignerConfig = { provider: 'azure' } & PolicyOptions & AzureDriverOptions;

/** Everything needed to build a Presigner: the provider, its driver options and the policy. */
export type PresignerConfig = LocalPresignerConfig | S3PresignerConfig | GcsPresignerConfig | AzurePresignerConfig;

const SDK_PACKAGES: Record<ProviderName, string> = {
  local: '(none)',
  s3: '@aws-sdk/client-s3, @aws-sdk/s3-request-presigner and @aws-sdk/s3-presigned-post',
  gcs: '@google-cloud/storage',
  azure: '@azure/storage-blob',
};

/** Build the configured driver. Exported for the inversify module; apps call createPresigner. */
export async function createDriver(config: PresignerConfig): Promise<Driver> {
  try {
    switch (config.provider) {
      case 'local':
        return await (await import('../drivers/local/index.js')).createDriver(config);
      case 's3':
        return await (await import('../drivers/s3/index.js')).createDriver(config);
      case 'gcs':
        return await (await import('../drivers/gcs/index.js')).createDriver(config);
      case 'azure':
        return await (await import('../drivers/azure/index.js')).createDriver(config);
      default:
        throw new ConfigError('UPGRANT_PROVIDER', `unknown provider "${(config as { provider: string }).provider}" (local, s3, gcs or azure)`);
    }
  } catch (error) {
    if (isMissingModule(error)) {
      throw new ConfigError('UPGRANT_PROVIDER', `provider "${config.provider}" needs ${SDK_PACKAGES[config.provider]} installed (npm install them beside upgrant)`);
    }
    throw error;
  }
}

export async function createPresigner(config: PresignerConfig): Promise<Presigner> {
  const driver = await createDriver(config);
  return new PortablePresigner(driver, config);
}

function isMissingModule(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND';
}
