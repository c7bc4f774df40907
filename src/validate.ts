// The rules every request passes before a driver sees it. Each rejection is an InvalidRequestError
// that names the field, so an API can answer 400 with `field` and a client can show it.
import { InvalidRequestError } from './errors.js';
import type { Checksum, ChecksumInput } from './types.js';

/** Longest key every provider accepts: S3 and GCS count 1024 UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;
export const DEFAULT_GRANT_EXPIRY = 300;
/** SigV4 presigned URLs and GCS V4 signed URLs stop at 7 days. */
export const MAX_GRANT_EXPIRY = 7 * 24 * 3600;

// Anything a browser, a shell or a file system could read as structure or escape.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_KEY_CHARS = /[\u0000-\u001f\u007f-\u009f\\\u2028\u2029\ufeff]/u;
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Validate an object key and return it NFC-normalised. `reservedPrefix` (the staging prefix) is
 * refused: keys under it belong to upgrant's staged uploads, never to an app.
 */
export function validateKey(key: unknown, field = 'key', reservedPrefix?: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidRequestError(field, 'must be a non-empty string');
  if (LONE_SURROGATE.test(key)) throw new InvalidRequestError(field, 'is not valid UTF-8 (lone surrogate)');
  const normalized = key.normalize('NFC');
  if (FORBIDDEN_KEY_CHARS.test(normalized)) {
    throw new InvalidRequestError(field, 'must not contain control characters, NUL or backslashes');
  }
  if (normalized.startsWith('/')) throw new InvalidRequestError(field, 'must not start with "/"');
  if (normalized.endsWith('/')) throw new InvalidRequestError(field, 'must not end with "/"');
  for (const segment of normalized.split('/')) {
    if (segment === '') throw new InvalidRequestError(field, 'must not contain empty segments ("//")');
    if (segment === '.' || segment === '..') throw new InvalidRequestError(field, 'must not contain "." or ".." segments');
  }
  const bytes = Buffer.byteLength(normalized, 'utf8');
  if (bytes > MAX_KEY_BYTES) throw new InvalidRequestError(field, `is ${bytes} UTF-8 bytes, at most ${MAX_KEY_BYTES} allowed`);
  if (reservedPrefix !== undefined && (normalized + '/').startsWith(reservedPrefix)) {
    throw new InvalidRequestError(field, `must not be under "${reservedPrefix}", the prefix reserved for staged uploads`);
  }
  return normalized;
}

// RFC 9110 token characters; parameters are token=token or token="quoted".
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[^"\\\\\\u0000-\\u001f\\u007f]|\\\\[\\u0020-\\u007e])*"';
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})((?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|${QUOTED}))*)$`);

/**
 * Validate a media type and return its canonical form: type and subtype lower-cased, parameter
 * names lower-cased, parameters joined by "; ". Storage compares content types as strings, so a
 * grant must carry exactly the form the client will send.
 */
export function normalizeContentType(contentType: unknown, field = 'contentType'): string {
  if (typeof contentType !== 'string' || contentType.trim() === '') {
    throw new InvalidRequestError(field, 'must be a media type such as "image/png"');
  }
  if (/[\r\n]/.test(contentType)) throw new InvalidRequestError(field, 'must not contain CR or LF');
  const match = MEDIA_TYPE.exec(contentType.trim());
  if (!match) throw new InvalidRequestError(field, `"${contentType}" is not a valid type/subtype media type`);
  const [, type = '', subtype = '', rawParams = ''] = match;
  const mediaType = `${type.toLowerCase()}/${subtype.toLowerCase()}`;
  if (rawParams === '') return mediaType;
  const params = rawParams
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return `${p.slice(0, eq).toLowerCase()}=${p.slice(eq + 1)}`;
    });
  return [mediaType, ...params].join('; ');
}

/** The bare `type/subtype` of a normalised content type. */
export function essence(contentType: string): string {
  return contentType.split(';', 1)[0]!.trim().toLowerCase();
}

/** Check a normalised content type against an allow-list of `type/subtype` or `type/*`. */
export function checkAllowedType(contentType: string, allowed: readonly string[] | undefined, field = 'contentType'): void {
  if (!allowed || allowed.length === 0) return;
  const mediaType = essence(contentType);
  const type = mediaType.split('/')[0];
  const ok = allowed.some((pattern) => {
    const p = pattern.trim().toLowerCase();
    return p === mediaType || (p.endsWith('/*') && p.slice(0, -2) === type);
  });
  if (!ok) throw new InvalidRequestError(field, `"${mediaType}" is not an allowed type (allowed: ${allowed.join(', ')})`);
}

/** Validate a media-type pattern for an allow-list entry. */
export function validateTypePattern(pattern: string, field: string): string {
  const p = pattern.trim().toLowerCase();
  if (p.endsWith('/*')) {
    if (!new RegExp(`^${TOKEN}/\\*$`).test(p)) throw new InvalidRequestError(field, `"${pattern}" is not type/subtype or type/*`);
    return p;
  }
  return essence(normalizeContentType(p, field));
}

export interface SizeRange {
  readonly minSize: number;
  readonly maxSize: number;
}

function validateByteCount(value: unknown, field: string, limit: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidRequestError(field, 'must be a non-negative whole number of bytes');
  }
  if (value > limit) throw new InvalidRequestError(field, `${value} bytes is over this provider's limit of ${limit} bytes`);
  return value;
}

/** Exactly one of size / maxSize; minSize only with maxSize; min <= max <= limit. */
export function validateSize(
  input: { size?: unknown; minSize?: unknown; maxSize?: unknown },
  limit: number,
): SizeRange {
  const has = (v: unknown) => v !== undefined && v !== null;
  if (has(input.size)) {
    if (has(input.maxSize)) throw new InvalidRequestError('size', 'give either size or maxSize, not both');
    if (has(input.minSize)) throw new InvalidRequestError('minSize', 'minSize goes with maxSize, not with an exact size');
    const size = validateByteCount(input.size, 'size', limit);
    return { minSize: size, maxSize: size };
  }
  if (!has(input.maxSize)) throw new InvalidRequestError('size', 'give the exact size, or maxSize for a range');
  const maxSize = validateByteCount(input.maxSize, 'maxSize', limit);
  const minSize = has(input.minSize) ? validateByteCount(input.minSize, 'minSize', limit) : 0;
  if (minSize > maxSize) throw new InvalidRequestError('minSize', `${minSize} is larger than maxSize ${maxSize}`);
  return { minSize, maxSize };
}

const DIGEST_BYTES = { sha256: 32, md5: 16 } as const;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A declared checksum: one algorithm, canonical base64 of a digest of the right length. */
export function validateChecksum(input: ChecksumInput | undefined | null): Checksum | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input !== 'object') throw new InvalidRequestError('checksum', 'must be { sha256 } or { md5 }');
  const entries = Object.entries(input).filter(([, v]) => v !== undefined);
  if (entries.length !== 1) throw new InvalidRequestError('checksum', 'give exactly one of sha256 or md5');
  const [algorithm, value] = entries[0]!;
  if (algorithm !== 'sha256' && algorithm !== 'md5') {
    throw new InvalidRequestError('checksum', `unknown algorithm "${algorithm}" (sha256 or md5)`);
  }
  const field = `checksum.${algorithm}`;
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) {
    throw new InvalidRequestError(field, 'must be base64 of the raw digest');
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== DIGEST_BYTES[algorithm]) {
    throw new InvalidRequestError(field, `must be ${DIGEST_BYTES[algorithm]} bytes, base64 (got ${bytes.length})`);
  }
  if (bytes.toString('base64') !== value) throw new InvalidRequestError(field, 'is not canonical base64');
  return { algorithm, value };
}

/** Seconds until expiry: a whole number from 1 to `max` (default 300). */
export function validateExpiresIn(value: unknown, max: number, field = 'expiresIn'): number {
  if (value === undefined || value === null) return Math.min(DEFAULT_GRANT_EXPIRY, max);
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new InvalidRequestError(field, 'must be a whole number of seconds');
  if (value < 1) throw new InvalidRequestError(field, 'must be at least 1 second');
  if (value > max) throw new InvalidRequestError(field, `${value} s is over the maximum of ${max} s`);
  return value;
}

export { validateOrigin } from './http-values.js';
