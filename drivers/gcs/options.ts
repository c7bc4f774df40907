// Options of the Google Cloud Storage driver: the plain ones, plus an auth client that only
// `upgrant/gcs` accepts (its type needs @google-cloud/storage).
import type { StorageOptions } from '@google-cloud/storage';
import type { GcsConfig } from './config.js';

export type { GcsConfig, GcsHmacKey, GcsServiceAccountKey } from './config.js';

export interface GcsDriverOptions extends GcsConfig {
  /** An auth client (google-auth-library AuthClient or GoogleAuth) for the JSON API and signBlob; default: application default credentials. */
  authClient?: StorageOptions['authClient'];
}
