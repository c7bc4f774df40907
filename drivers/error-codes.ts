// The closed set of codes a driver error can carry, after Go CDK's gcerrors: each driver's
// `errors.ts` maps its native errors (SDK exceptions, HTTP answers, file-system errno codes) to
// one of these, and the portable layer wraps the error once (src/wrap-driver-error.ts) into the
// public classes of src/errors.ts. A driver never constructs those classes while serving requests:
// it throws the native error as it came, or a DriverError when it decided the failure itself
// (a part of the wrong size, a create-only refusal it checked, a bucket HeadBucket says is gone).
// The codes are part of the public API (ProviderError#code): add codes, never rename one.
import type { Violation } from '../src/types.js';

/** What went wrong, independent of the provider. */
export type DriverErrorCode =
  /** No object (or multipart upload) at the key. */
  | 'not-found'
  /** The bucket, container or bucket directory itself does not exist. */
  | 'bucket-not-found'
  /** A conditional write was refused: create-only (If-None-Match: *, EEXIST) found an object there. */
  | 'precondition-failed'
  /** The credentials were refused: unknown key id, wrong secret, bad signature, expired token. */
  | 'unauthenticated'
  /** The credentials are valid but may not do this (AccessDenied, 403, EACCES). */
  | 'permission-denied'
  /** The parts given to complete a multipart upload are missing, of the wrong size or ETag. */
  | 'invalid-parts'
  /** The storage cannot take this argument (a key too long for the file system, a malformed upload id). */
  | 'invalid-argument'
  /** The storage asks to slow down (429, SlowDown, ServerBusy). */
  | 'throttled'
  /** The storage is out of room (ENOSPC, EDQUOT). */
  | 'resource-exhausted'
  /** The storage did not answer usefully: 5xx, connection refused or reset. Retrying may help. */
  | 'unavailable'
  /** The request took too long (a timeout or an aborted request). */
  | 'timeout'
  /** The storage does not implement the operation (e.g. lifecycle rules on Swift's s3api). */
  | 'unimplemented'
  /** Anything else. */
  | 'unknown';

/** Every code, in declaration order (for tests and for apps that switch over them). */
export const DRIVER_ERROR_CODES: readonly DriverErrorCode[] = [
  'not-found',
  'bucket-not-found',
  'precondition-failed',
  'unauthenticated',
  'permission-denied',
  'invalid-parts',
  'invalid-argument',
  'throttled',
  'resource-exhausted',
  'unavailable',
  'timeout',
  'unimplemented',
  'unknown',
];

export interface DriverErrorOptions {
  /** The request field the caller got wrong: `parts`, `parts[2].etag`, `key`, `token`. */
  readonly field?: string;
  /** Constraints the stored bytes broke (a multipart upload whose whole checksum is wrong). */
  readonly violations?: readonly Violation[];
  /** The native error, when there is one. */
  readonly cause?: unknown;
}

/**
 * A failure the driver decided itself. The portable layer turns one with a `field` into an
 * InvalidRequestError naming it, one with `violations` into an UploadRejectedError, any other
 * into a ProviderError carrying `code`.
 */
export class DriverError extends Error {
  readonly field: string | undefined;
  readonly violations: readonly Violation[] | undefined;
  constructor(
    readonly code: DriverErrorCode,
    message: string,
    options: DriverErrorOptions = {},
  ) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.field = options.field;
    this.violations = options.violations;
  }
  override get name(): string {
    return 'DriverError';
  }
}

/** The status of an HTTP answer, as every SDK's error shape carries it somewhere. */
export function httpStatusCode(status: number | undefined): DriverErrorCode | undefined {
  if (status === undefined) return undefined;
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'permission-denied';
  if (status === 404) return 'not-found';
  if (status === 408) return 'timeout';
  if (status === 412) return 'precondition-failed';
  if (status === 429) return 'throttled';
  if (status === 501) return 'unimplemented';
  if (status === 504) return 'timeout';
  if (status >= 500 && status <= 599) return 'unavailable';
  return undefined;
}

/** Node's network errno codes, which every HTTP SDK passes through. */
export function networkCode(code: unknown): DriverErrorCode | undefined {
  switch (code) {
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'UND_ERR_SOCKET':
      return 'unavailable';
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    default:
      return undefined;
  }
}
