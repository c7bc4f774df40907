// Mapping Google SDK errors: not-found detection for head/delete, and configuration problems
// turned into ConfigError naming the option or environment variable to fix.
import { ConfigError } from '../../src/errors.js';

/** The JSON API (and the SDK's ApiError) report a missing object or bucket as HTTP 404. */
export function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, status } = error as { code?: unknown; status?: unknown };
  return code === 404 || status === 404 || code === '404';
}

/** A private key that node:crypto cannot parse is a configuration mistake, not a provider failure. */
export function badKeyError(variable: string, cause: unknown): ConfigError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const error = new ConfigError(variable, `is not a usable service account private key (PEM, PKCS#8): ${detail}`);
  error.cause = cause;
  return error;
}
