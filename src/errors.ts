// One error family. Every error upgrant throws is an UpgrantError with a closed `code`, so apps can
// map errors to HTTP answers without string matching. SDK errors never escape raw: they are wrapped
// once, in the portable layer, as ProviderError with the original kept as `cause`.
import type { ConstraintName, ProviderName, Violation } from './types.js';

export type UpgrantErrorCode =
  | 'invalid-request'
  | 'config'
  | 'unsupported-constraint'
  | 'upload-rejected'
  | 'grant-expired'
  | 'not-found'
  | 'provider';

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
  ) {
    super(`${field}: ${message}`);
  }
}

/** Bad or missing configuration. `variable` names the environment variable or option. */
export class ConfigError extends UpgrantError {
  readonly code = 'config' as const;
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
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

/** The storage service or its SDK failed. The original error is `cause`. */
export class ProviderError extends UpgrantError {
  readonly code = 'provider' as const;
  constructor(
    readonly provider: ProviderName,
    readonly operation: string,
    readonly key: string | undefined,
    cause: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${provider} ${operation}${key === undefined ? '' : ` (key "${key}")`} failed: ${detail}`, { cause });
  }
}
