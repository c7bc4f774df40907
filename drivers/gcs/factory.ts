// createDriver: resolve the signer and build the JSON API client once per driver. The SDK is
// imported here, lazily, so importing upgrant/gcs for its signing functions never loads it.
import type { Storage } from '@google-cloud/storage';
import type { Driver, DriverFactory } from '../driver.js';
import { ConfigError } from '../../src/errors.js';
import { validateEndpointUrl } from '../../src/http-values.js';
import { iamSigner, resolveCredentials, type ResolvedCredentials } from './credentials.js';
import { GcsDriver } from './driver.js';
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
  return new GcsDriver(options.bucket, signer, endpoint, storage.bucket(options.bucket));
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

/** apiEndpoint, else STORAGE_EMULATOR_HOST ("host:port" gets http://), without a trailing slash. */
export function endpointOf(options: GcsDriverOptions, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const raw = options.apiEndpoint ?? env.STORAGE_EMULATOR_HOST;
  if (raw === undefined || raw === '') return undefined;
  return validateEndpointUrl(raw, options.apiEndpoint === undefined ? 'STORAGE_EMULATOR_HOST' : 'apiEndpoint', { defaultScheme: true, keepPath: false });
}

function checkOptions(options: GcsDriverOptions): GcsDriverOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object');
  if (typeof options.bucket !== 'string' || !/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(options.bucket)) {
    throw new ConfigError('UPGRANT_BUCKET', `"${String(options.bucket)}" is not a GCS bucket name`);
  }
  return options;
}
