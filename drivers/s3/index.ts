// upgrant/s3: the S3 driver (AWS S3 and S3-compatible stores), its CORS helper, and the signing
// primitives it is built on (exported for known-answer tests and benchmarks).
import { registerDriver } from '../../src/driver-registry.js';
import type { DriverFactory } from '../driver.js';
import { CredentialCache } from './credentials.js';
import { S3Driver } from './driver.js';
import type { S3DriverOptions } from './options.js';
import { resolveSettings } from './settings.js';

export { DRIVER_NAME, S3Driver } from './driver.js';
export { applyCors, corsRules } from './cors.js';
export { S3_COMPAT_NAMES, S3_COMPAT_PROFILES, isS3CompatName, resolveS3Compat } from './compat.js';
export type { ChecksumSupport, ConditionalHeader, S3CompatName, S3CompatOverrides, S3CompatProfile } from './compat.js';
export { s3DriverModule } from './module.js';
export { SigV4Signer, UNSIGNED_PAYLOAD, amzDate, encodePath, uriEncode } from './sigv4.js';
export type { PresignInput, Presigned, SigV4Credentials } from './sigv4.js';
export { decodePostPolicy, signPostPolicy } from './post-policy.js';
export type { PostPolicyDocument, PostPolicyInput } from './post-policy.js';
export type { S3Config, S3Credentials, S3DriverOptions } from './options.js';

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

registerDriver('s3', createDriver);
