// CORS for the router's own endpoints: only the configured origins get Access-Control-Allow-Origin
// (with Vary: Origin), so a page elsewhere can neither ask for grants nor read the answers.
// Preflights are answered on every path under the base path, allowed or not, without running
// authorize (browsers send no credentials with them).
import { InvalidRequestError } from '../errors.js';
import { validateOrigin } from '../validate.js';
import { ERROR_HEADER } from './wire.js';

export interface CorsOptions {
  /** Exact origins (`https://app.example`), or `'*'` for any (then without credentials). */
  origins: readonly string[] | '*';
  /** Request headers pages may send besides content-type and authorization. */
  headers?: readonly string[];
  /** Allow cookies / HTTP auth (never with `'*'`). */
  credentials?: boolean;
  /** Seconds browsers may cache a preflight (default 600). */
  maxAge?: number;
}

export interface Cors {
  /** Headers for an answer to `origin` (empty when it is not allowed). */
  headers(origin: string | null | undefined): Record<string, string>;
  /** Headers for a preflight from `origin`. */
  preflight(origin: string | null | undefined): Record<string, string>;
}

const EXPOSED = ['etag', ERROR_HEADER].join(', ');

export function makeCors(options: CorsOptions | undefined): Cors {
  if (!options) return { headers: () => ({}), preflight: () => ({}) };
  const any = options.origins === '*';
  if (any && options.credentials) throw new InvalidRequestError('cors.credentials', 'cannot go with origins "*"');
  const allowed = new Set(any ? [] : (options.origins as readonly string[]).map((o, i) => validateOrigin(o, `cors.origins[${i}]`)));
  const allowHeaders = ['content-type', 'authorization', ...(options.headers ?? []).map((h) => h.toLowerCase())].join(', ');
  const maxAge = String(options.maxAge ?? 600);
  const base = (origin: string | null | undefined): Record<string, string> | undefined => {
    if (!origin || (!any && !allowed.has(origin))) return undefined;
    return {
      'access-control-allow-origin': any ? '*' : origin,
      ...(options.credentials ? { 'access-control-allow-credentials': 'true' } : {}),
    };
  };
  return {
    // Every answer builds these: one object literal, no spreads (callers may add to it).
    headers: (origin) => {
      const out: Record<string, string> = any ? {} : { vary: 'Origin' };
      if (!origin || (!any && !allowed.has(origin))) return out;
      out['access-control-allow-origin'] = any ? '*' : origin;
      if (options.credentials) out['access-control-allow-credentials'] = 'true';
      out['access-control-expose-headers'] = EXPOSED;
      return out;
    },
    preflight: (origin) => {
      const allow = base(origin);
      return {
        ...(any ? {} : { vary: 'Origin' }),
        ...(allow ? { ...allow, 'access-control-allow-methods': 'POST, OPTIONS', 'access-control-allow-headers': allowHeaders, 'access-control-max-age': maxAge } : {}),
      };
    },
  };
}
