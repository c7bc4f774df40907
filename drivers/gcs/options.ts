// Options of the Google Cloud Storage driver.

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

export interface GcsDriverOptions {
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
}
