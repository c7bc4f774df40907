// The app's context sealed with a grant: whatever the app (or the upload router) wants back when
// the object is verified, on any instance, with no database. It rides in the grant token, whose
// payload is readable by the client: it must hold nothing secret, only what the token's MAC
// vouches for (who asked, for which route).
import { InvalidRequestError } from './errors.js';
import type { GrantContext } from './types.js';

/** The context is sealed into every token of the grant; keep tokens well under their 16 KiB bound. */
export const MAX_CONTEXT_BYTES = 4096;

/** A JSON-safe copy of the context, or undefined when none was given. */
export function validateContext(context: unknown): GrantContext | undefined {
  if (context === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(context);
  } catch {
    throw new InvalidRequestError('context', 'must be JSON-serialisable');
  }
  if (json === undefined) throw new InvalidRequestError('context', 'must be JSON-serialisable');
  if (Buffer.byteLength(json, 'utf8') > MAX_CONTEXT_BYTES) throw new InvalidRequestError('context', `is over ${MAX_CONTEXT_BYTES} bytes as JSON`);
  return JSON.parse(json) as GrantContext;
}
