// What @azure/storage-blob's errors mean, for the portable layer (Driver.errorCode /
// configProblem): a RestError's service error code (`BlobNotFound`, `ConditionNotMet`, ...; from
// `details.errorCode` or `code`), else Node's network errno, else `statusCode`. Pure functions:
// the driver throws the RestError as it came, and src/ wraps it once.
import type { ConfigProblem } from '../driver.js';
import { httpStatusCode, networkCode, type DriverErrorCode } from '../error-codes.js';
import { ENV_ACCOUNT, ENV_CONNECTION_STRING, ENV_KEY } from './credentials.js';

interface RestErrorLike {
  readonly name?: string;
  readonly statusCode?: number;
  readonly code?: string;
  readonly details?: { readonly errorCode?: string };
}

function asRestError(error: unknown): RestErrorLike | undefined {
  return typeof error === 'object' && error !== null ? (error as RestErrorLike) : undefined;
}

/** The service's error code ("BlobNotFound", "AuthenticationFailed", ...), when there is one. */
export function errorCode(error: unknown): string | undefined {
  const e = asRestError(error);
  return e?.details?.errorCode ?? e?.code;
}

/** The HTTP status of the answer, when there was one. */
export function statusOf(error: unknown): number | undefined {
  return asRestError(error)?.statusCode;
}

/** A 404 for the blob (or its container): head answers undefined, delete succeeds. */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404 || errorCode(error) === 'BlobNotFound';
}

/** The container itself is missing (a 404 too, which must not read as "no blob"). */
export function isMissingContainer(error: unknown): boolean {
  return errorCode(error) === 'ContainerNotFound';
}

/** The answers of a create-only write that found the blob there (409 BlobAlreadyExists, 412). */
export function isConflict(error: unknown): boolean {
  const status = statusOf(error);
  return status === 409 || status === 412;
}

const BY_AZURE_CODE: Readonly<Record<string, DriverErrorCode>> = {
  BlobNotFound: 'not-found',
  ContainerNotFound: 'bucket-not-found',
  ConditionNotMet: 'precondition-failed',
  BlobAlreadyExists: 'precondition-failed',
  TargetConditionNotMet: 'precondition-failed',
  AuthenticationFailed: 'unauthenticated',
  InvalidAuthenticationInfo: 'unauthenticated',
  NoAuthenticationInformation: 'unauthenticated',
  AuthorizationFailure: 'permission-denied',
  AuthorizationPermissionMismatch: 'permission-denied',
  AuthorizationSourceIPMismatch: 'permission-denied',
  InsufficientAccountPermissions: 'permission-denied',
  InvalidBlockList: 'invalid-parts',
  InvalidBlockId: 'invalid-parts',
  InvalidResourceName: 'invalid-argument',
  InvalidUri: 'invalid-argument',
  RequestBodyTooLarge: 'invalid-argument',
  ServerBusy: 'throttled',
  InternalError: 'unavailable',
  OperationTimedOut: 'timeout',
  AbortError: 'timeout',
  NotImplemented: 'unimplemented',
};

/** Implements Driver.errorCode for Azure Blob. */
export function codeOf(error: unknown): DriverErrorCode {
  const e = asRestError(error);
  const named = errorCode(error) ?? e?.name;
  const byName = named === undefined ? undefined : BY_AZURE_CODE[named];
  return byName ?? networkCode(e?.code) ?? httpStatusCode(e?.statusCode) ?? 'unknown';
}

/**
 * Implements Driver.configProblem: answers that mean the account key, or the Entra ID identity
 * (user delegation SAS), is configured wrong.
 */
export function configProblemOf(error: unknown, userDelegation: boolean): ConfigProblem | undefined {
  const code = errorCode(error);
  if (code === 'AuthenticationFailed' || code === 'InvalidAuthenticationInfo' || statusOf(error) === 401) {
    return userDelegation
      ? { variable: ENV_ACCOUNT, message: `the Entra ID credential for ${ENV_ACCOUNT} was refused` }
      : { variable: ENV_CONNECTION_STRING, message: `the account key was refused: check ${ENV_CONNECTION_STRING} or ${ENV_KEY}` };
  }
  if (userDelegation && (code === 'AuthorizationPermissionMismatch' || code === 'AuthorizationFailure')) {
    return { variable: ENV_ACCOUNT, message: 'the Entra ID identity needs a data role such as "Storage Blob Data Contributor" on the account' };
  }
  return undefined;
}
