// createDriver: options -> settings and credentials, resolved once -> an S3Driver; and the entry
// the registry uses when this driver's module was imported (bundled apps).
import type { DriverFactory } from '../driver.js';
import { recordDriverEntry } from '../../src/driver-registry.js';
import { applyCors } from './cors.js';
import { CredentialCache } from './credentials.js';
import { DRIVER_NAME, S3Driver } from './driver.js';
import type { S3DriverOptions } from './options.js';
import { resolveSettings } from './settings.js';

/**
 * Build the driver: validate the configuration and resolve credentials once, so a missing bucket
 * or missing credentials fail here (ConfigError) and no grant ever waits on the network.
 */
export const createDriver: DriverFactory<S3DriverOptions> = async (options) => {
  const settings = await resolveSettings(options);
  const explicit = options.credentials;
  const credentials = new CredentialCache(explicit ? () => Promise.resolve(explicit) : () => settings.client.config.credentials());
  try {
    await credentials.get();
  } catch (error) {
    if (settings.ownsClient) settings.client.destroy();
    throw error;
  }
  return new S3Driver(settings, options, credentials);
};

recordDriverEntry<S3DriverOptions>(DRIVER_NAME, { createDriver, applyCors: (options, origins) => applyCors(options, origins) });
