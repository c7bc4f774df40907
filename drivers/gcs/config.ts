// The GCS driver's options as plain values (what createPresigner and the environment can give),
// its bucket-name rule, and its registration. No SDK type here, so the 'upgrant' entry point
// compiles, and loads, without @google-cloud/storage installed.
import type { DriverRegistration } from '../driver.js';
import { loadBuiltIn } from '../../src/driver-registry.js';
import { optional, readEmail, readPair, readUrl, value, type Env } from '../../src/env-values.js';

/** A service account key, as in the JSON key file. */
export interface GcsServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
}

/** A GCS HMAC key (GOOG4-HMAC-SHA256 signing). */
export interface GcsHmacKey {
  readonly accessId: string;
  readonly secret: string;
}

export interface GcsConfig {
  bucket: string;
  /** Service account key (explicit); otherwise read from `keyFilename` / GOOGLE_APPLICATION_CREDENTIALS. */
  credentials?: GcsServiceAccountKey;
  /** Path to a service account key file (GOOGLE_APPLICATION_CREDENTIALS). */
  keyFilename?: string;
  /** Keyless signing through the IAM Credentials signBlob API as this account (UPGRANT_GCS_SIGNER_EMAIL). */
  signerEmail?: string;
  /** Sign with an HMAC key instead of RSA (UPGRANT_GCS_HMAC_ACCESS_ID, UPGRANT_GCS_HMAC_SECRET). */
  hmacKey?: GcsHmacKey;
  /** Emulator or private endpoint for the JSON API and signed URLs (STORAGE_EMULATOR_HOST). */
  apiEndpoint?: string;
  projectId?: string;
  clock?: () => Date;
  /** IAM Credentials endpoint for signBlob (default https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/). */
  iamEndpoint?: string;
  /** Signed URLs address the bucket as a subdomain (https://BUCKET.storage.googleapis.com) instead of the path. */
  virtualHostedStyle?: boolean;
}

/**
 * GCS bucket names as Google documents them: lower-case letters, digits, "-", "_" and ".",
 * starting and ending with a letter or digit; 3-63 characters, or up to 222 with dots where each
 * dot-separated part is at most 63; not an IPv4 address; not starting with "goog" nor containing "google".
 */
export function gcsBucketName(name: string): string | undefined {
  const shape = /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name);
  const length = name.includes('.') ? name.length <= 222 && name.split('.').every((part) => part.length >= 1 && part.length <= 63) : name.length <= 63;
  if (shape && name.length >= 3 && length && !/^\d+\.\d+\.\d+\.\d+$/.test(name) && !name.startsWith('goog') && !name.includes('google')) return undefined;
  return 'is not a GCS bucket name: 3-63 lower-case letters, digits, "-", "_" and "." (up to 222 with dots), starting and ending with a letter or digit, not an IP address, no "goog" prefix or "google"';
}

/** The GCS options from the variables of DESIGN section 4, from the env object given. */
export function gcsOptionsFromEnv(env: Env): Partial<GcsConfig> {
  const hmac = readPair(env, 'UPGRANT_GCS_HMAC_ACCESS_ID', 'UPGRANT_GCS_HMAC_SECRET');
  return {
    ...optional('keyFilename', value(env, 'GOOGLE_APPLICATION_CREDENTIALS')),
    ...optional('signerEmail', readEmail(env, 'UPGRANT_GCS_SIGNER_EMAIL')),
    ...(hmac ? { hmacKey: { accessId: hmac[0], secret: hmac[1] } } : {}),
    // host:port (the emulator convention) or a URL; only scheme and host count.
    ...optional('apiEndpoint', readUrl(env, 'STORAGE_EMULATOR_HOST', { defaultScheme: true, keepPath: false })),
    ...optional('projectId', value(env, 'GOOGLE_CLOUD_PROJECT')),
  };
}

export const gcsDriver: DriverRegistration<GcsConfig> = {
  name: 'gcs',
  sdkPackage: '@google-cloud/storage',
  bucketName: gcsBucketName,
  optionsFromEnv: gcsOptionsFromEnv,
  // A driver names the option it was given (`keyFilename`); someone who configured by environment set the variable.
  optionVariables: {
    keyFilename: 'GOOGLE_APPLICATION_CREDENTIALS',
    signerEmail: 'UPGRANT_GCS_SIGNER_EMAIL',
    apiEndpoint: 'STORAGE_EMULATOR_HOST',
    projectId: 'GOOGLE_CLOUD_PROJECT',
    hmacKey: 'UPGRANT_GCS_HMAC_SECRET',
    'hmacKey.accessId': 'UPGRANT_GCS_HMAC_ACCESS_ID',
    'hmacKey.secret': 'UPGRANT_GCS_HMAC_SECRET',
  },
  load: () => loadBuiltIn<GcsConfig>('gcs', '../drivers/gcs/index.js'),
};
