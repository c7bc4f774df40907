// The three ways a GCS V4 signature can be made. Each signer turns a string to sign into raw
// signature bytes; sign.ts hex-encodes them. Keys are parsed once per signer and derived HMAC keys
// are cached per day, so signing a grant does no parsing and no I/O (except signBlob, below).
import { createHmac, createPrivateKey, sign as rsaSign, type KeyObject } from 'node:crypto';
import type { GcsHmacKey, GcsServiceAccountKey } from './options.js';

export type GcsSigningAlgorithm = 'GOOG4-RSA-SHA256' | 'GOOG4-HMAC-SHA256';

export interface GcsSigner {
  readonly algorithm: GcsSigningAlgorithm;
  /** Service account email (RSA, signBlob) or HMAC access id: the first part of X-Goog-Credential. */
  readonly email: string;
  /**
   * Sign `stringToSign`. `datestamp` (YYYYMMDD) is the credential scope's date: the HMAC signing
   * key depends on it, and a POST policy's string to sign (the base64 policy) does not carry it.
   */
  sign(stringToSign: string, datestamp: string): Promise<Buffer>;
}

/** GOOG4-RSA-SHA256 with a service account's private key, parsed once. */
export class ServiceAccountSigner implements GcsSigner {
  readonly algorithm = 'GOOG4-RSA-SHA256' as const;
  readonly email: string;
  readonly #key: KeyObject;

  constructor(credentials: GcsServiceAccountKey) {
    this.email = credentials.client_email;
    this.#key = createPrivateKey(credentials.private_key);
  }

  sign(stringToSign: string): Promise<Buffer> {
    return Promise.resolve(rsaSign('sha256', Buffer.from(stringToSign, 'utf8'), this.#key));
  }
}

/** GOOG4-HMAC-SHA256 with a GCS HMAC key; the derived signing key is cached for its day. */
export class HmacKeySigner implements GcsSigner {
  readonly algorithm = 'GOOG4-HMAC-SHA256' as const;
  readonly email: string;
  readonly #secret: string;
  #day = '';
  #dayKey: Buffer = Buffer.alloc(0);

  constructor(key: GcsHmacKey) {
    this.email = key.accessId;
    this.#secret = key.secret;
  }

  sign(stringToSign: string, datestamp: string): Promise<Buffer> {
    return Promise.resolve(createHmac('sha256', this.signingKey(datestamp)).update(stringToSign, 'utf8').digest());
  }

  /** The SigV4-style key chain GCS documents: GOOG4+secret, date, "auto", "storage", "goog4_request". */
  signingKey(datestamp: string): Buffer {
    if (datestamp !== this.#day) {
      let key = hmac(`GOOG4${this.#secret}`, datestamp);
      for (const part of ['auto', 'storage', 'goog4_request']) key = hmac(key, part);
      this.#dayKey = key;
      this.#day = datestamp;
    }
    return this.#dayKey;
  }
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The part of google-auth-library's GoogleAuth / AuthClient that signBlob needs. */
export interface IamRequester {
  request<T>(options: { url: string; method: 'POST'; data: unknown; retry?: boolean; retryConfig?: { httpMethodsToRetry?: string[] } }): Promise<{ data: T }>;
}

export const DEFAULT_IAM_ENDPOINT = 'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/';

/**
 * Keyless GOOG4-RSA-SHA256: Google signs with the service account's Google-managed key through
 * the IAM Credentials signBlob API. This is one HTTPS call per signature by design (the private
 * key never leaves Google); the access token behind it is cached and refreshed by the auth client.
 */
export class IamSignBlobSigner implements GcsSigner {
  readonly algorithm = 'GOOG4-RSA-SHA256' as const;
  readonly email: string;
  readonly #auth: IamRequester;
  readonly #url: string;

  constructor(email: string, auth: IamRequester, endpoint = DEFAULT_IAM_ENDPOINT) {
    this.email = email;
    this.#auth = auth;
    this.#url = `${endpoint.endsWith('/') ? endpoint : `${endpoint}/`}${email}:signBlob`;
  }

  async sign(stringToSign: string): Promise<Buffer> {
    const response = await this.#auth.request<{ signedBlob?: string }>({
      url: this.#url,
      method: 'POST',
      data: { payload: Buffer.from(stringToSign, 'utf8').toString('base64') },
      retry: true,
      retryConfig: { httpMethodsToRetry: ['POST'] },
    });
    const signed = response.data.signedBlob;
    if (typeof signed !== 'string' || signed === '') throw new Error(`IAM signBlob for ${this.email} returned no signedBlob`);
    return Buffer.from(signed, 'base64');
  }
}
