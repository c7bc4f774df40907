// Local grant URLs: every constraint travels in the query string and is bound by an HMAC-SHA256
// signature, the way a SigV4 presigned URL binds its signed headers. The signer (driver) and the
// verifier (receiver) share this file so the two can never disagree on the canonical form.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey } from '../../src/token.js';
import type { Checksum, ChecksumAlgorithm } from '../../src/types.js';

export const PARAM = {
  method: 'X-Upgrant-Method',
  expires: 'X-Upgrant-Expires',
  type: 'X-Upgrant-Content-Type',
  size: 'X-Upgrant-Size',
  checksum: 'X-Upgrant-Checksum',
  createOnly: 'X-Upgrant-Create-Only',
  disposition: 'X-Upgrant-Disposition',
  responseType: 'X-Upgrant-Response-Type',
  signature: 'X-Upgrant-Signature',
} as const;

/** Everything a local URL grants, in the form both sides sign. */
export interface LocalGrant {
  readonly method: 'PUT' | 'GET';
  readonly bucket: string;
  readonly key: string;
  /** Unix seconds. */
  readonly expires: number;
  readonly contentType?: string;
  readonly minSize?: number;
  readonly maxSize?: number;
  readonly checksum?: Checksum;
  readonly createOnly?: boolean;
  /** The Content-Disposition value to answer with, as the portable layer made it. */
  readonly disposition?: string;
  readonly responseType?: string;
}

export class LocalUrlSigner {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = deriveKey(secret, 'local-url/v1');
  }

  /** The query string (without "?") that grants `grant`, as URLSearchParams would write it. */
  sign(grant: LocalGrant): string {
    // Built by hand: URLSearchParams costs as much as the HMAC itself on the grant hot path.
    let query = `${PARAM.method}=${grant.method}&${PARAM.expires}=${grant.expires}`;
    if (grant.contentType !== undefined) query += `&${PARAM.type}=${formEncode(grant.contentType)}`;
    if (grant.minSize !== undefined && grant.maxSize !== undefined) query += `&${PARAM.size}=${grant.minSize}-${grant.maxSize}`;
    if (grant.checksum) query += `&${PARAM.checksum}=${formEncode(`${grant.checksum.algorithm}:${grant.checksum.value}`)}`;
    if (grant.createOnly !== undefined) query += `&${PARAM.createOnly}=${grant.createOnly ? '1' : '0'}`;
    if (grant.disposition !== undefined) query += `&${PARAM.disposition}=${formEncode(grant.disposition)}`;
    if (grant.responseType !== undefined) query += `&${PARAM.responseType}=${formEncode(grant.responseType)}`;
    return `${query}&${PARAM.signature}=${formEncode(this.#mac(grant))}`;
  }

  /** Parse and authenticate a grant from a request's bucket, key and query; undefined if forged. */
  verify(bucket: string, key: string, query: URLSearchParams): LocalGrant | undefined {
    const grant = parseGrant(bucket, key, query);
    const given = query.get(PARAM.signature);
    if (!grant || !given) return undefined;
    const expected = Buffer.from(this.#mac(grant), 'utf8');
    const actual = Buffer.from(given, 'utf8');
    return expected.length === actual.length && timingSafeEqual(expected, actual) ? grant : undefined;
  }

  #mac(grant: LocalGrant): string {
    const size = grant.minSize === undefined ? '' : `${grant.minSize}-${grant.maxSize}`;
    const checksum = grant.checksum ? `${grant.checksum.algorithm}:${grant.checksum.value}` : '';
    const createOnly = grant.createOnly === undefined ? '' : grant.createOnly ? '1' : '0';
    // The ten fields joined by "\n" (a template: no array per grant).
    const canonical = `${grant.method}\n${grant.bucket}\n${grant.key}\n${grant.expires}\n${grant.contentType ?? ''}\n${size}\n${checksum}\n${createOnly}\n${grant.disposition ?? ''}\n${grant.responseType ?? ''}`;
    return createHmac('sha256', this.#key).update(canonical).digest('base64url');
  }
}

const FORM_SAFE = /^[A-Za-z0-9*._-]*$/;
const FORM_ESCAPES = /[!'()~]/g;
const FORM_DIFFERENCES = /[ !'()~]/;

/**
 * application/x-www-form-urlencoded, byte for byte what URLSearchParams#toString writes: only
 * A-Z a-z 0-9 * - . _ stay, a space is "+", the rest is UTF-8 %XX. Strings with lone surrogates
 * (which encodeURIComponent refuses) go through URLSearchParams itself.
 */
export function formEncode(value: string): string {
  if (FORM_SAFE.test(value)) return value;
  if (!(value as string & { isWellFormed(): boolean }).isWellFormed()) return new URLSearchParams([['', value]]).toString().slice(1);
  const encoded = encodeURIComponent(value);
  // encodeURIComponent leaves ! ' ( ) ~ as they are and writes a space as %20: fix only if present.
  if (!FORM_DIFFERENCES.test(value)) return encoded;
  return encoded.replace(/%20/g, '+').replace(FORM_ESCAPES, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function parseGrant(bucket: string, key: string, query: URLSearchParams): LocalGrant | undefined {
  const method = query.get(PARAM.method);
  const expires = Number(query.get(PARAM.expires));
  if ((method !== 'PUT' && method !== 'GET') || !Number.isSafeInteger(expires)) return undefined;
  const size = query.get(PARAM.size);
  const sizeMatch = size === null ? null : /^(\d+)-(\d+)$/.exec(size);
  if (size !== null && !sizeMatch) return undefined;
  const checksum = query.get(PARAM.checksum);
  const checksumMatch = checksum === null ? null : /^(sha256|md5):([A-Za-z0-9+/=]+)$/.exec(checksum);
  if (checksum !== null && !checksumMatch) return undefined;
  const createOnly = query.get(PARAM.createOnly);
  const optional = <T>(name: string, value: T | null): Record<string, T> => (value === null ? {} : { [name]: value });
  return {
    method,
    bucket,
    key,
    expires,
    ...optional('contentType', query.get(PARAM.type)),
    ...(sizeMatch ? { minSize: Number(sizeMatch[1]), maxSize: Number(sizeMatch[2]) } : {}),
    ...(checksumMatch ? { checksum: { algorithm: checksumMatch[1] as ChecksumAlgorithm, value: checksumMatch[2]! } } : {}),
    ...(createOnly === null ? {} : { createOnly: createOnly === '1' }),
    ...optional('disposition', query.get(PARAM.disposition)),
    ...optional('responseType', query.get(PARAM.responseType)),
  };
}
