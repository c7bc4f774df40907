// PolicyOptions.maxSize: a deployment's own upper bound on what it grants, below the provider's.
import { ConfigError, InvalidRequestError } from './errors.js';

/** The policy's limit, checked once when the presigner is made. */
export function validateMaxSize(limit: unknown): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) throw new ConfigError('maxSize', `${String(limit)} is not a positive whole number of bytes`);
  return limit;
}

/** Refuse a grant request above the limit, naming the field it asked with (size or maxSize). */
export function checkMaxSize(request: { readonly size?: unknown; readonly maxSize?: unknown }, limit: number): void {
  const field = request.size !== undefined && request.size !== null ? 'size' : 'maxSize';
  const asked = request[field];
  if (typeof asked === 'number' && asked > limit) throw new InvalidRequestError(field, `${asked} bytes is over this server's limit of ${limit} bytes`);
}
