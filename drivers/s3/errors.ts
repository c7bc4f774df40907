// What the AWS SDK's errors mean, for the portable layer (Driver.errorCode / configProblem): the
// S3 error code of the answer (`NoSuchKey`, `PreconditionFailed`, ...; the exception's `name`, or
// `Code` on older shapes), else Node's network errno, else the HTTP status. Pure functions: the
// driver throws the SDK's S3ServiceException as it came, and src/ wraps it once.
import type { ConfigProblem } from '../driver.js';
import { httpStatusCode, networkCode, type DriverErrorCode } from '../error-codes.js';

interface SdkErrorShape {
  readonly name?: string;
  readonly Code?: string;
  readonly code?: unknown;
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

/** The HTTP status of the answer the error came from, when there was one. */
export function statusOf(error: unknown): number | undefined {
  return shape(error).$metadata?.httpStatusCode;
}

/** True when the object (not the bucket) does not exist. HEAD answers have no body: a bare 404. */
export function isNotFound(error: unknown): boolean {
  const code = errorCode(error);
  if (code === 'NoSuchBucket') return false;
  return code === 'NoSuchKey' || code === 'NotFound' || statusOf(error) === 404;
}

const BY_S3_CODE: Readonly<Record<string, DriverErrorCode>> = {
  NoSuchKey: 'not-found',
  NotFound: 'not-found',
  NoSuchUpload: 'not-found',
  NoSuchVersion: 'not-found',
  NoSuchBucket: 'bucket-not-found',
  PreconditionFailed: 'precondition-failed',
  ConditionalRequestConflict: 'precondition-failed',
  InvalidAccessKeyId: 'unauthenticated',
  SignatureDoesNotMatch: 'unauthenticated',
  ExpiredToken: 'unauthenticated',
  InvalidToken: 'unauthenticated',
  TokenRefreshRequired: 'unauthenticated',
  CredentialsProviderError: 'unauthenticated',
  AccessDenied: 'permission-denied',
  AllAccessDisabled: 'permission-denied',
  AccountProblem: 'permission-denied',
  InvalidPart: 'invalid-parts',
  InvalidPartOrder: 'invalid-parts',
  EntityTooSmall: 'invalid-parts',
  EntityTooLarge: 'invalid-argument',
  KeyTooLongError: 'invalid-argument',
  InvalidArgument: 'invalid-argument',
  InvalidRequest: 'invalid-argument',
  PermanentRedirect: 'invalid-argument',
  AuthorizationHeaderMalformed: 'invalid-argument',
  SlowDown: 'throttled',
  Throttling: 'throttled',
  ThrottlingException: 'throttled',
  RequestLimitExceeded: 'throttled',
  TooManyRequestsException: 'throttled',
  ServiceUnavailable: 'unavailable',
  InternalError: 'unavailable',
  RequestTimeout: 'timeout',
  TimeoutError: 'timeout',
  NotImplemented: 'unimplemented',
};

/** Implements Driver.errorCode for S3 (and the S3-compatible stores). */
export function codeOf(error: unknown): DriverErrorCode {
  const named = errorCode(error);
  const byName = named === undefined ? undefined : BY_S3_CODE[named];
  return byName ?? networkCode(shape(error).code) ?? httpStatusCode(statusOf(error)) ?? 'unknown';
}

/** Implements Driver.configProblem: answers that mean a credential or the region is configured wrong. */
export function configProblemOf(error: unknown, bucket: string): ConfigProblem | undefined {
  switch (errorCode(error)) {
    case 'InvalidAccessKeyId':
      return { variable: 'AWS_ACCESS_KEY_ID', message: 'the store does not know this access key id' };
    case 'SignatureDoesNotMatch':
      return { variable: 'AWS_SECRET_ACCESS_KEY', message: 'the store rejected the signature: wrong secret access key' };
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
      return { variable: 'AWS_REGION', message: `bucket "${bucket}" is in another region than the configured one` };
    case 'CredentialsProviderError':
      return { variable: 'AWS_ACCESS_KEY_ID', message: 'no usable AWS credentials found' };
    default:
      return undefined;
  }
}
