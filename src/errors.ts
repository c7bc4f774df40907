// One error family. Every error upgrant throws is an UpgrantError with a closed `code`, so apps can
// map errors to HTTP answers without string matching. SDK errors never escape raw: they are wrapped
// once, in the portable layer (src/wrap-driver-error.ts), as ProviderError carrying the driver's
// code (drivers/error-codes.ts) with the original kept as `cause`; `errorAs` reaches it.
import type { DriverErrorCode } from '../drivers/error-codes.js';
import type { ConstraintName, ProviderName, Violation } from './types.js';

export type { DriverErrorCode } from '../drivers/error-codes.js';
export { DRIVER_ERROR_CODES } from '../drivers/error-codes.js';

export type UpgrantErrorCode =
  | 'invalid-request'
  | 'config'
  | 'unsupported-constraint'
  | 'upload-rejected'
  | 'grant-expired'
  | 'not-found'
  // A ProviderError's code says what the storage reported (see DriverErrorCode).
  | Exclude<DriverErrorCode, 'not-found'>;

export abstract class UpgrantError extends Error {
  abstract readonly code: UpgrantErrorCode;
  override get name(): string {
    return this.constructor.name;
  }
}

/** Bad input from the caller. `field` names the offending request field. */
export class InvalidRequestError extends UpgrantError {
  readonly code = 'invalid-request' as const;
  constructor(
    readonly field: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${field}: ${message}`, options);
  }
}

/** Bad or missing configuration. `variable` names the environment variable or option. */
export class ConfigError extends UpgrantError {
  readonly code = 'config' as const;
  constructor(
    readonly variable: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${variable}: ${message}`, options);
  }
}

/** Strict mode: the storage cannot enforce this constraint itself. */
export class UnsupportedConstraintError extends UpgrantError {
  readonly code = 'unsupported-constraint' as const;
  constructor(
    readonly provider: ProviderName,
    readonly constraint: ConstraintName | 'method' | 'multipart',
    message: string,
  ) {
    super(`${provider}: ${message}`);
  }
}

/** `verifyUpload` found broken promises; the object has been deleted. */
export class UploadRejectedError extends UpgrantError {
  readonly code = 'upload-rejected' as const;
  constructor(
    readonly key: string,
    readonly violations: readonly Violation[],
  ) {
    super(
      `upload of "${key}" rejected and deleted: ` +
        violations.map((v) => `${v.constraint} is ${v.actual}, granted ${v.expected}`).join('; '),
    );
  }
}

/** The grant expired before it was used, or its token is reported past the verify grace. */
export class GrantExpiredError extends UpgrantError {
  readonly code = 'grant-expired' as const;
  constructor(
    readonly expiresAt: string,
    message = `grant expired at ${expiresAt}`,
  ) {
    super(message);
  }
}

/** The object a grant or request names does not exist (never uploaded, or already deleted). */
export class ObjectNotFoundError extends UpgrantError {
  readonly code = 'not-found' as const;
  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {
    super(`no object "${key}" in bucket "${bucket}": it was never uploaded or has been deleted`);
  }
}

/**
 * The storage service or its SDK failed. `code` says how (the driver mapped its native error:
 * 'not-found', 'precondition-failed', 'throttled', ...; 'unknown' when it could not tell),
 * `operation` and `key` what upgrant was doing. The original error is `cause`; reach it with
 * `errorAs(error, S3ServiceException)` (or RestError, ApiError, ...).
 */
export class ProviderError extends UpgrantError {
  readonly code: DriverErrorCode;
  constructor(
    readonly provider: ProviderName,
    readonly operation: string,
    readonly key: string | undefined,
    cause: unknown,
    code: DriverErrorCode = 'unknown',
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${provider} ${operation}${key === undefined ? '' : ` (key "${key}")`} failed (${code}): ${detail}`, { cause });
    this.code = code;
  }
}

/** A class, abstract or not, whatever its constructor takes. */
export type ErrorClass<T> = abstract new (...args: never[]) => T;

/**
 * The first error in `error`'s cause chain (itself included) that is an instance of `type`, or
 * undefined: the escape hatch to the native error under a ProviderError (Go CDK's `ErrorAs`).
 * `errorAs(error, S3ServiceException)?.$metadata`, `errorAs(error, RestError)?.statusCode`.
 */
export function errorAs<T>(error: unknown, type: ErrorClass<T>): T | undefined {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === 'object' && current !== null && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    if (current instanceof type) return current;
    seen.add(current);
  }
  return undefined;
}
