// Reading @azure/storage-blob errors: not-found detection for head/delete, and turning the
// answers that mean "your configuration is wrong" into ConfigError naming what to fix.
import { ConfigError } from '../../src/errors.js';
import { ENV_ACCOUNT, ENV_CONNECTION_STRING, ENV_KEY } from './credentials.js';

interface RestErrorLike {
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

/** A 404 for the blob (or its container): head answers undefined, delete succeeds. */
export function isNotFound(error: unknown): boolean {
  const e = asRestError(error);
  return e?.statusCode === 404 || errorCode(error) === 'BlobNotFound';
}

/**
 * Map failures that mean bad configuration to ConfigError; everything else is returned as is
 * (the portable layer wraps it as ProviderError, keeping the cause).
 */
export function mapAzureError(error: unknown, container: string, userDelegation: boolean): unknown {
  const code = errorCode(error);
  const status = asRestError(error)?.statusCode;
  if (code === 'ContainerNotFound') {
    return new ConfigError('UPGRANT_BUCKET', `container "${container}" does not exist in this storage account`);
  }
  if (code === 'AuthenticationFailed' || code === 'InvalidAuthenticationInfo' || status === 401) {
    const fix = userDelegation
      ? `the Entra ID credential for ${ENV_ACCOUNT} was refused`
      : `the account key was refused: check ${ENV_CONNECTION_STRING} or ${ENV_KEY}`;
    return new ConfigError(userDelegation ? ENV_ACCOUNT : ENV_CONNECTION_STRING, fix);
  }
  if (userDelegation && (code === 'AuthorizationPermissionMismatch' || code === 'AuthorizationFailure')) {
    return new ConfigError(ENV_ACCOUNT, 'the Entra ID identity needs a data role such as "Storage Blob Data Contributor" on the account');
  }
  return error;
}
