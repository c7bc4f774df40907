// Choosing the signer once, when the driver is created, from the options (src/config.ts fills them
// from GOOGLE_APPLICATION_CREDENTIALS, UPGRANT_GCS_*; nothing here reads the environment). Every
// problem is a ConfigError that names the option, or the variable it comes from, to fix.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../src/errors.js';
import { badKeyError } from './errors.js';
import type { GcsDriverOptions, GcsHmacKey, GcsServiceAccountKey } from './options.js';
import { HmacKeySigner, IamSignBlobSigner, ServiceAccountSigner, type GcsSigner, type IamRequester } from './signers.js';

/** What the driver signs with, and the key it may also hand to the JSON API client. */
export interface ResolvedCredentials {
  /** Undefined only for keyless signing, which needs the JSON API client's auth first. */
  readonly signer?: GcsSigner;
  /** IAM signBlob as this account, once the auth client exists. */
  readonly signerEmail?: string;
  /** A service account key for the JSON API client too. */
  readonly serviceAccount?: GcsServiceAccountKey;
}

export function resolveCredentials(options: GcsDriverOptions): ResolvedCredentials {
  if (options.hmacKey) return { signer: hmacSigner(options.hmacKey, 'hmacKey'), ...(options.credentials ? { serviceAccount: options.credentials } : {}) };
  if (options.credentials) return { signer: keySigner(options.credentials, 'credentials.private_key'), serviceAccount: options.credentials };
  // A signer email wins over a key file: the key file's account then only authenticates the
  // signBlob calls (impersonation with the Token Creator role).
  if (options.signerEmail) return { signerEmail: options.signerEmail };
  if (options.keyFilename) return fromKeyFile(options.keyFilename, 'keyFilename');
  throw new ConfigError(
    'GOOGLE_APPLICATION_CREDENTIALS',
    'no way to sign GCS URLs: set GOOGLE_APPLICATION_CREDENTIALS to a service account key file, UPGRANT_GCS_SIGNER_EMAIL for keyless IAM signBlob, or UPGRANT_GCS_HMAC_ACCESS_ID and UPGRANT_GCS_HMAC_SECRET',
  );
}

/** Keyless signing through IAM signBlob with the JSON API client's auth (GoogleAuth from @google-cloud/storage). */
export function iamSigner(email: string, auth: IamRequester, endpoint?: string): GcsSigner {
  if (!/^[^@\s/]+@[^@\s/]+$/.test(email)) throw new ConfigError('UPGRANT_GCS_SIGNER_EMAIL', `"${email}" is not a service account email`);
  return new IamSignBlobSigner(email, auth, endpoint);
}

function fromKeyFile(path: string, variable: string): ResolvedCredentials {
  let parsed: { type?: unknown; client_email?: unknown; private_key?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as typeof parsed;
  } catch (error) {
    throw new ConfigError(variable, `cannot read the key file "${path}": ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed.client_email === 'string' && typeof parsed.private_key === 'string') {
    const key = { client_email: parsed.client_email, private_key: parsed.private_key };
    return { signer: keySigner(key, variable), serviceAccount: key };
  }
  // A user or workload identity credential file holds no private key: keyless signing needs to be told as whom.
  throw new ConfigError(variable, `"${path}" is not a service account key (type ${String(parsed.type)}); set UPGRANT_GCS_SIGNER_EMAIL to sign through IAM signBlob`);
}

function keySigner(key: GcsServiceAccountKey, variable: string): GcsSigner {
  if (typeof key.client_email !== 'string' || key.client_email === '') throw new ConfigError(variable.replace('private_key', 'client_email'), 'must be the service account email');
  try {
    return new ServiceAccountSigner(key);
  } catch (error) {
    throw badKeyError(variable, error);
  }
}

function hmacSigner(key: GcsHmacKey, variable: string): GcsSigner {
  if (typeof key.accessId !== 'string' || key.accessId === '') throw new ConfigError(`${variable}.accessId`, 'must be the HMAC access id');
  if (typeof key.secret !== 'string' || key.secret === '') throw new ConfigError(`${variable}.secret`, 'must be the HMAC secret');
  return new HmacKeySigner(key);
}
