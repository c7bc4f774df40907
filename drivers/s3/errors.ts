// Maps AWS SDK errors: not-found detection for head/delete, and configuration mistakes the store
// reports (wrong bucket, unknown key id, wrong secret) turned into a ConfigError that names the
// variable to fix. Everything else is returned unchanged, and the portable layer wraps it as a
// ProviderError keeping it as `cause`.
import { ConfigError } from '../../src/errors.js';

interface SdkErrorShape {
  readonly name?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

/** The SDK's error code (`NoSuchKey`, `NotFound`, ...) or undefined. */
export function errorCode(error: unknown): string | undefined {
  const e = shape(error);
  return e.Code ?? e.name;
}

/** True when the object (not the bucket) does not exist. HEAD answers have no body: a bare 404. */
export function isNotFound(error: unknown): boolean {
  const code = errorCode(error);
  if (code === 'NoSuchBucket') return false;
  return code === 'NoSuchKey' || code === 'NotFound' || shape(error).$metadata?.httpStatusCode === 404;
}

/** A ConfigError for errors that mean the configuration is wrong; otherwise the error itself. */
export function mapError(error: unknown, bucket: string): unknown {
  const cause = { cause: error };
  switch (errorCode(error)) {
    case 'NoSuchBucket':
      return Object.assign(new ConfigError('UPGRANT_BUCKET', `bucket "${bucket}" does not exist on this endpoint`), cause);
    case 'InvalidAccessKeyId':
      return Object.assign(new ConfigError('AWS_ACCESS_KEY_ID', 'the store does not know this access key id'), cause);
    case 'SignatureDoesNotMatch':
      return Object.assign(new ConfigError('AWS_SECRET_ACCESS_KEY', 'the store rejected the signature: wrong secret access key'), cause);
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
      return Object.assign(new ConfigError('AWS_REGION', `bucket "${bucket}" is in another region than the configured one`), cause);
    case 'CredentialsProviderError':
      return Object.assign(new ConfigError('AWS_ACCESS_KEY_ID', 'no usable AWS credentials found'), cause);
    default:
      return error;
  }
}
