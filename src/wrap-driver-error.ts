// The one place a driver's failure becomes a public error (Go CDK's wrapError): the driver says
// what its native error means (Driver.errorCode, Driver.configProblem in drivers/<name>/errors.ts),
// this turns it into the class an app handles, with the operation and key, keeping the cause.
import type { Driver } from '../drivers/driver.js';
import { DriverError, type DriverErrorCode } from '../drivers/error-codes.js';
import { ConfigError, InvalidRequestError, ProviderError, UpgrantError, UploadRejectedError } from './errors.js';

/** What the wrapping needs of a driver. */
export type ErrorMappingDriver = Pick<Driver, 'name' | 'bucket' | 'errorCode' | 'configProblem'>;

/**
 * Our own typed errors pass as they are; a DriverError naming a field is the caller's mistake
 * (InvalidRequestError), one listing violations a broken grant (UploadRejectedError); a missing bucket, or credentials the storage refused, is configuration
 * (ConfigError naming the variable); everything else is a ProviderError carrying the code.
 */
export function wrapDriverError(driver: ErrorMappingDriver, operation: string, key: string | undefined, error: unknown): UpgrantError {
  if (error instanceof UpgrantError) return error;
  if (error instanceof DriverError && error.field !== undefined) return new InvalidRequestError(error.field, error.message, { cause: error });
  if (error instanceof DriverError && error.violations !== undefined && key !== undefined) return new UploadRejectedError(key, error.violations);
  const code = codeOf(driver, error);
  if (code === 'bucket-not-found') {
    const message = error instanceof DriverError ? error.message : `bucket "${driver.bucket}" does not exist (${driver.name})`;
    return new ConfigError('UPGRANT_BUCKET', message, { cause: coded(code, error) });
  }
  const problem = error instanceof DriverError ? undefined : safely(() => driver.configProblem?.(error));
  if (problem) return new ConfigError(problem.variable, problem.message, { cause: coded(code, error) });
  return new ProviderError(driver.name, operation, key, error, code);
}

/**
 * The cause of a ConfigError made from a driver failure: always a DriverError carrying the code
 * (`errorAs(error, DriverError)?.code`), the native error below it where there is one.
 */
function coded(code: DriverErrorCode, error: unknown): DriverError {
  return error instanceof DriverError ? error : new DriverError(code, error instanceof Error ? error.message : String(error), { cause: error });
}

function codeOf(driver: ErrorMappingDriver, error: unknown): DriverErrorCode {
  if (error instanceof DriverError) return error.code;
  return safely(() => driver.errorCode?.(error)) ?? 'unknown';
}

/** A mapper that throws must not replace the error being reported. */
function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
