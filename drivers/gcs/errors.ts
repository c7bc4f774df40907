// What Google SDK errors mean, for the portable layer (Driver.errorCode): an ApiError's HTTP
// status (`code`) and the reason of its first inner error (`notFound`, `conditionNotMet`,
// `rateLimitExceeded`, ...), a gaxios/Node errno, or a fetch timeout. A pure function: the driver
// throws the SDK's error as it came, and src/ wraps it once. badKeyError is createDriver's
// (a private key node:crypto cannot parse is an option given wrong).
import { ConfigError } from '../../src/errors.js';
import { httpStatusCode, networkCode, type DriverErrorCode } from '../error-codes.js';

interface ApiErrorLike {
  readonly name?: string;
  readonly code?: unknown;
  readonly status?: unknown;
  readonly message?: string;
  readonly errors?: readonly { readonly reason?: string }[];
}

function shape(error: unknown): ApiErrorLike {
  return typeof error === 'object' && error !== null ? (error as ApiErrorLike) : {};
}

/** The HTTP status: ApiError's numeric `code`, or gaxios' `status`. */
export function statusOf(error: unknown): number | undefined {
  const { code, status } = shape(error);
  if (typeof code === 'number') return code;
  if (typeof code === 'string' && /^\d{3}$/.test(code)) return Number(code);
  return typeof status === 'number' ? status : undefined;
}

/** The JSON API (and the SDK's ApiError) report a missing object or bucket as HTTP 404. */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

const BY_REASON: Readonly<Record<string, DriverErrorCode>> = {
  notFound: 'not-found',
  conditionNotMet: 'precondition-failed',
  required: 'unauthenticated',
  authError: 'unauthenticated',
  forbidden: 'permission-denied',
  insufficientPermissions: 'permission-denied',
  rateLimitExceeded: 'throttled',
  userRateLimitExceeded: 'throttled',
  backendError: 'unavailable',
  internalError: 'unavailable',
  invalid: 'invalid-argument',
  invalidArgument: 'invalid-argument',
};

/** Implements Driver.errorCode for GCS. */
export function codeOf(error: unknown): DriverErrorCode {
  const e = shape(error);
  const status = statusOf(error);
  // The JSON API says which 404 it is only in the message.
  if (status === 404 && /bucket does not exist/i.test(e.message ?? '')) return 'bucket-not-found';
  const reason = e.errors?.[0]?.reason;
  const byReason = reason === undefined ? undefined : BY_REASON[reason];
  if (byReason) return byReason;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  return networkCode(e.code) ?? httpStatusCode(status) ?? 'unknown';
}

/** A private key that node:crypto cannot parse is a configuration mistake, not a provider failure. */
export function badKeyError(variable: string, cause: unknown): ConfigError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ConfigError(variable, `is not a usable service account private key (PEM, PKCS#8): ${detail}`, { cause });
}
