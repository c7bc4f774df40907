// The HTTP values upgrant takes from apps and operators, checked here once for src/ and every
// driver: a browser origin, the origins a bucket's CORS rules admit, an endpoint URL and the
// secret. Drivers receive what these return and never check the values again.
// (Content-Disposition is built, not checked: src/content-disposition.ts.)
import { ConfigError, InvalidRequestError } from './errors.js';

/** Shortest secret for tokens and local URL signatures: 256 bits, the HMAC-SHA256 key size. */
export const MIN_SECRET_BYTES = 32;

/** A web origin, exactly as a browser sends it in `Origin`: scheme://host[:port], http or https, nothing after. */
export function validateOrigin(value: unknown, field = 'origin'): string | undefined {
  if (value === undefined || value === null) return undefined;
  const bad = () => new InvalidRequestError(field, 'must be a web origin such as https://app.example (scheme, host and port only)');
  if (typeof value !== 'string' || value.length > 2048) throw bad();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad();
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== value) throw bad();
  return value;
}

/** The origins a bucket's CORS rules admit: at least one, each an exact origin or `*`. */
export function validateCorsOrigins(origins: unknown, field = 'origins'): string[] {
  if (!Array.isArray(origins) || origins.length === 0) throw new InvalidRequestError(field, 'give at least one origin, e.g. https://app.example.com');
  return origins.map((origin: unknown, i) => {
    if (origin === '*') return origin;
    const checked = validateOrigin(origin ?? '', `${field}[${i}]`);
    return checked!;
  });
}

export interface EndpointOptions {
  /** Prefix `http://` when no scheme is given (STORAGE_EMULATOR_HOST is host:port). */
  readonly defaultScheme?: boolean;
  /** Keep the path (Azure's emulator has the account in it, a local receiver its mount); default: keep. */
  readonly keepPath?: boolean;
}

/**
 * An endpoint URL a configuration names (AWS_ENDPOINT_URL_S3, STORAGE_EMULATOR_HOST, an Azure blob
 * endpoint, UPGRANT_PUBLIC_URL): absolute http(s), no query, fragment or user info; returned
 * without trailing slashes. A ConfigError names `variable`.
 */
export function validateEndpointUrl(raw: unknown, variable: string, options: EndpointOptions = {}): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new ConfigError(variable, 'must be an absolute http(s) URL');
  const text = options.defaultScheme && !/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? `http://${raw}` : raw;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(variable, `"${raw}" is not an absolute http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(variable, `"${raw}" is not an absolute http(s) URL`);
  if (url.search || url.hash || url.username || url.password) throw new ConfigError(variable, `"${raw}" must not carry a query, fragment or user info`);
  const path = options.keepPath === false ? '' : url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** A secret for HMAC keys: a string of at least 32 UTF-8 bytes. A ConfigError names `variable`. */
export function validateSecret(secret: unknown, variable = 'UPGRANT_SECRET'): string {
  if (typeof secret !== 'string' || Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(variable, `must be at least ${MIN_SECRET_BYTES} bytes; make one with \`openssl rand -base64 32\``);
  }
  return secret;
}
