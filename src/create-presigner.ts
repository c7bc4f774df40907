// createPresigner: the one entry point apps use. The driver comes from a registration (drivers/
// built-in.ts, or an app's own): the entry module the app imported (upgrant/s3, ...), else the
// built-in one loaded lazily, so an app that uses only S3 never loads the Azure or Google SDK
// (they are optional peer dependencies) and a bundler only follows the drivers the app imports.
// The config types name no SDK type, so this entry point compiles without any SDK installed; SDK
// objects (an S3Client, ...) go through the driver subpaths.
import type { Driver, DriverRegistration } from '../drivers/driver.js';
import { BUILT_IN_DRIVERS } from '../drivers/built-in.js';
import type { AzureConfig } from '../drivers/azure/config.js';
import type { GcsConfig } from '../drivers/gcs/config.js';
import type { LocalDriverOptions } from '../drivers/local/options.js';
import type { S3Config } from '../drivers/s3/config.js';
import { ConfigError } from './errors.js';
import { PortablePresigner } from './presigner.js';
import type { PolicyOptions, Presigner } from './types.js';

export type LocalPresignerConfig = { provider: 'local' } & PolicyOptions & LocalDriverOptions;
export type S3PresignerConfig = { provider: 's3' } & PolicyOptions & S3Config;
export type GcsPresignerConfig = { provider: 'gcs' } & PolicyOptions & GcsConfig;
export type AzurePresignerConfig = { provider: 'azure' } & PolicyOptions & AzureConfig;

/** Everything needed to build a Presigner: the provider, its driver options and the policy. */
export type PresignerConfig = LocalPresignerConfig | S3PresignerConfig | GcsPresignerConfig | AzurePresignerConfig;

/** The configuration of a driver an app registered itself (driverModule): its name, its options, the policy. */
export type RegisteredPresignerConfig<Options = Record<string, unknown>> = { provider: string } & PolicyOptions & Options;

/** Each PolicyOptions key, so the policy can be taken out of a config without its credentials. */
const POLICY_KEYS = {
  secret: true,
  previousSecrets: true,
  verifyGrace: true,
  strict: true,
  maxExpiresIn: true,
  allowedTypes: true,
  clock: true,
  contentCheck: true,
  contentCheckAllowed: true,
  staging: true,
  stagingPrefix: true,
  maxSize: true,
} satisfies Record<keyof PolicyOptions, true>;

/** The policy part of a configuration: no driver options, no credentials. */
export function policyOf(config: PolicyOptions): PolicyOptions {
  const policy: Record<string, unknown> = {};
  for (const key of Object.keys(POLICY_KEYS)) {
    const v = (config as unknown as Record<string, unknown>)[key];
    if (v !== undefined) policy[key] = v;
  }
  return policy as unknown as PolicyOptions;
}

/**
 * The registration `provider` selects among `drivers`. An app's registration under a built-in
 * name replaces the built-in one; a name nobody registered is a ConfigError listing the names.
 */
export function findDriver(drivers: readonly DriverRegistration[], provider: unknown): DriverRegistration {
  const named = drivers.filter((d) => d.name === provider);
  const found = named.find((d) => !BUILT_IN_DRIVERS.includes(d)) ?? named[0];
  if (found) return found;
  const names = [...new Set(drivers.map((d) => d.name))];
  throw new ConfigError('UPGRANT_PROVIDER', `"${String(provider)}" is not a provider; expected one of ${names.join(', ')}`);
}

/** Build the configured driver from the registration its provider names. */
export async function createDriver(config: PresignerConfig | RegisteredPresignerConfig, drivers: readonly DriverRegistration[] = BUILT_IN_DRIVERS): Promise<Driver> {
  const registration = findDriver(drivers, config.provider);
  try {
    const entry = await registration.load();
    return await entry.createDriver(config as never);
  } catch (error) {
    if (isMissingModule(error)) {
      const { name, sdkPackage } = registration;
      const bundled = `in a bundled app, import 'upgrant/${name}' once so the bundler includes the driver`;
      throw new ConfigError('UPGRANT_PROVIDER', sdkPackage ? `provider "${name}" needs ${sdkPackage} installed beside upgrant (${bundled})` : `provider "${name}" is not loaded: ${bundled}`);
    }
    throw error;
  }
}

export async function createPresigner(config: PresignerConfig): Promise<Presigner> {
  const driver = await createDriver(config);
  return new PortablePresigner(driver, policyOf(config));
}

/** Node, Bun and Deno say ERR_MODULE_NOT_FOUND; workerd and bundles say it in words. */
function isMissingModule(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') return true;
  return /\b(?:Cannot find (?:module|package)|No such module|Module not found)\b/i.test(String((error as { message?: unknown }).message));
}
