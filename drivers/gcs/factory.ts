// createDriver: resolve the signer and build the JSON API client once per driver. The SDK is
// imported here, lazily, so importing upgrant/gcs for its signing functions never loads it.
import type { Storage } from '@google-cloud/storage';
import type { Driver, DriverFactory } from '../driver.js';
import { recordDriverEntry } from '../../src/driver-registry.js';
import { ConfigError } from '../../src/errors.js';
import { checkBucketName } from '../../src/env-values.js';
import { validateEndpointUrl } from '../../src/http-values.js';
import { gcsBucketName } from './config.js';
import { iamSigner, resolveCredentials, type ResolvedCredentials } from './credentials.js';
import { applyCors } from './cors.js';
import { DRIVER_NAME, GcsDriver } from './driver.js';
import type { GcsDriverOptions } from './options.js';
import type { GcsEndpointInput } from './sign.js';

export const createDriver: DriverFactory<GcsDriverOptions> = async (options: GcsDriverOptions): Promise<Driver> => {
  const resolved = resolveCredentials(checkOptions(options));
  const apiEndpoint = endpointOf(options);
  const storage = await makeStorage(options, resolved);
  const signer = resolved.signer ?? iamSigner(resolved.signerEmail ?? '', storage.authClient, options.iamEndpoint);
  const endpoint: GcsEndpointInput = {
    ...(apiEndpoint ? { clientEndpoint: apiEndpoint } : {}),
    ...(options.virtualHostedStyle ? { urlStyle: 'VIRTUAL_HOSTED_STYLE' as const } : {}),
  };
  return new GcsDriver(options.bucket, signer, endpoint, storage.bucket(options.bucket), options.clock);
};

/** The JSON API client: explicit key, key file, or the auth client / application default credentials. */
export async function makeStorage(options: GcsDriverOptions, resolved?: Pick<ResolvedCredentials, 'serviceAccount'>): Promise<Storage> {
  const { Storage: StorageClient } = await import('@google-cloud/storage');
  const apiEndpoint = endpointOf(options);
  const serviceAccount = resolved?.serviceAccount ?? options.credentials;
  return new StorageClient({
    ...(apiEndpoint ? { apiEndpoint } : {}),
    ...(options.projectId ? { projectId: options.projectId } : {}),
    ...(options.authClient ? { authClient: options.authClient } : {}),
    ...(serviceAccount ? { credentials: { client_email: serviceAccount.client_email, private_key: serviceAccount.private_key } } : {}),
    ...(!serviceAccount && options.keyFilename ? { keyFilename: options.keyFilename } : {}),
  });
}

/** apiEndpoint ("host:port" gets http://, as STORAGE_EMULATOR_HOST does), scheme and host only. */
export function endpointOf(options: GcsDriverOptions): string | undefined {
  const raw = options.apiEndpoint;
  if (raw === undefined || raw === '') return undefined;
  return validateEndpointUrl(raw, 'apiEndpoint', { defaultScheme: true, keepPath: false });
}

function checkOptions(options: GcsDriverOptions): GcsDriverOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object');
  checkBucketName(gcsBucketName, options.bucket);
  return options;
}

recordDriverEntry<GcsDriverOptions>(DRIVER_NAME, { createDriver, applyCors: (options, origins) => applyCors(options, origins) });
