// The GCS driver's options as plain values: what createPresigner and the environment can give.
// No SDK type here, so the 'upgrant' entry point compiles without @google-cloud/storage installed.

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
