// Local grant URLs: every constraint travels in the query string and is bound by an HMAC-SHA256
// signature, the way a SigV4 presigned URL binds its signed headers. The signer (driver) and the
// verifier (receiver) share this file so the two can never disagree on the canonical form.
//
// Each signed value has exactly one accepted spelling (decimal digits without sign, leading zeros,
// spaces or exponent; "1"/"0" for flags), and a query with a parameter twice or one this file does
// not know is refused whole: a URL either is what the signer wrote or it is not accepted.
import { createHmac, type KeyObject } from 'node:crypto';
import { deriveKeys, sameMac } from '../../src/token.js';
import type { Checksum, ChecksumAlgorithm } from '../../src/types.js';
import { ReceiverError } from './http-answers.js';

export const PARAM = {
  method: 'X-Upgrant-Method',
  expires: 'X-Upgrant-Expires',
  type: 'X-Upgrant-Content-Type',
  size: 'X-Upgrant-Size',
  checksum: 'X-Upgrant-Checksum',
  createOnly: 'X-Upgrant-Create-Only',
  disposition: 'X-Upgrant-Disposition',
  responseType: 'X-Upgrant-Response-Type',
  record: 'X-Upgrant-Record',
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
  /** The grant record the receiver stores with the object (staged uploads name their grant). */
  readonly record?: string;
}

const GRANT_PARAMS: ReadonlySet<string> = new Set(Object.values(PARAM));

export class LocalUrlSigner {
  /** The current secret's key first (it signs), then the previous secrets' (they only verify). */
  readonly #keys: readonly KeyObject[];

  constructor(secret: string, previousSecrets?: readonly string[]) {
    this.#keys = deriveKeys(secret, previousSecrets, 'local-url/v1');
  }

  /** The query string (without "?") that grants `grant`, as URLSearchParams would write it. */
  sign(grant: LocalGrant): string {
    // Built by hand: for a staged grant's query (its record is a ~450-byte token) URLSearchParams
    // cost 3.4x this, about as much as the HMAC (docs/performance.md, "Issue 13").
    let query = `${PARAM.method}=${grant.method}&${PARAM.expires}=${grant.expires}`;
    if (grant.contentType !== undefined) query += `&${PARAM.type}=${formEncode(grant.contentType)}`;
    if (grant.minSize !== undefined && grant.maxSize !== undefined) query += `&${PARAM.size}=${grant.minSize}-${grant.maxSize}`;
    if (grant.checksum) query += `&${PARAM.checksum}=${formEncode(`${grant.checksum.algorithm}:${grant.checksum.value}`)}`;
    if (grant.createOnly !== undefined) query += `&${PARAM.createOnly}=${grant.createOnly ? '1' : '0'}`;
    if (grant.disposition !== undefined) query += `&${PARAM.disposition}=${formEncode(grant.disposition)}`;
    if (grant.responseType !== undefined) query += `&${PARAM.responseType}=${formEncode(grant.responseType)}`;
    if (grant.record !== undefined) query += `&${PARAM.record}=${formEncode(grant.record)}`;
    return `${query}&${PARAM.signature}=${formEncode(this.#mac(this.#keys[0]!, grant))}`;
  }

  /**
   * Parse and authenticate a grant from a request's bucket, key and query: undefined if the
   * signature matches no accepted secret; a 400 ReceiverError if the query is not canonical.
   */
  verify(bucket: string, key: string, query: URLSearchParams): LocalGrant | undefined {
    const params = canonicalQuery(query, GRANT_PARAMS);
    const grant = parseGrant(bucket, key, params);
    const given = params.get(PARAM.signature);
    if (given === undefined) throw new ReceiverError(400, 'bad-request', `the URL has no ${PARAM.signature}`);
    return this.#keys.some((k) => sameMac(this.#mac(k, grant), given)) ? grant : undefined;
  }

  #mac(key: KeyObject, grant: LocalGrant): string {
    const size = grant.minSize === undefined ? '' : `${grant.minSize}-${grant.maxSize}`;
    const checksum = grant.checksum ? `${grant.checksum.algorithm}:${grant.checksum.value}` : '';
    const createOnly = grant.createOnly === undefined ? '' : grant.createOnly ? '1' : '0';
    // The ten fields joined by "\n" (a template: no array per grant).
    // A record, when present, is an eleventh field (URLs without one sign exactly as before).
    let canonical = `${grant.method}\n${grant.bucket}\n${grant.key}\n${grant.expires}\n${grant.contentType ?? ''}\n${size}\n${checksum}\n${createOnly}\n${grant.disposition ?? ''}\n${grant.responseType ?? ''}`;
    if (grant.record !== undefined) canonical += `\n${grant.record}`;
    return createHmac('sha256', key).update(canonical).digest('base64url');
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

/**
 * The query as a map, refusing a parameter given twice or one not in `allowed` (400): extra
 * parameters change nothing that was granted, but a canonical URL has exactly one spelling.
 */
export function canonicalQuery(query: URLSearchParams, allowed: ReadonlySet<string>): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of query) {
    if (!allowed.has(name)) throw new ReceiverError(400, 'bad-request', `unknown query parameter "${name.slice(0, 64)}"`);
    if (params.has(name)) throw new ReceiverError(400, 'bad-request', `query parameter ${name} is given twice`);
    params.set(name, value);
  }
  return params;
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** A whole number written the one way the signer writes it: decimal digits, no sign, no leading zero. */
export function canonicalInteger(params: Map<string, string>, name: string): number {
  const raw = params.get(name);
  if (raw === undefined) throw new ReceiverError(400, 'bad-request', `the URL has no ${name}`);
  const n = Number(raw);
  if (!DECIMAL.test(raw) || !Number.isSafeInteger(n)) throw new ReceiverError(400, 'bad-request', `${name} must be plain decimal digits`);
  return n;
}

function parseGrant(bucket: string, key: string, params: Map<string, string>): LocalGrant {
  const bad = (name: string, what: string) => new ReceiverError(400, 'bad-request', `${name} ${what}`);
  const method = params.get(PARAM.method);
  if (method !== 'PUT' && method !== 'GET') throw bad(PARAM.method, 'must be PUT or GET');
  const expires = canonicalInteger(params, PARAM.expires);
  const size = params.get(PARAM.size);
  const sizeMatch = size === undefined ? null : /^(0|[1-9][0-9]{0,15})-(0|[1-9][0-9]{0,15})$/.exec(size);
  if (size !== undefined && !sizeMatch) throw bad(PARAM.size, 'must be min-max in plain decimal digits');
  const checksum = params.get(PARAM.checksum);
  const checksumMatch = checksum === undefined ? null : /^(sha256|md5):([A-Za-z0-9+/]+={0,2})$/.exec(checksum);
  if (checksum !== undefined && !checksumMatch) throw bad(PARAM.checksum, 'must be sha256:<base64> or md5:<base64>');
  const createOnly = params.get(PARAM.createOnly);
  if (createOnly !== undefined && createOnly !== '1' && createOnly !== '0') throw bad(PARAM.createOnly, 'must be 1 or 0');
  // A record is a sealed token: base64url pieces joined by dots, which the signer writes as they are.
  const record = params.get(PARAM.record);
  if (record !== undefined && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(record)) throw bad(PARAM.record, 'must be a grant token');
  const optional = <T>(name: string, value: T | undefined): Record<string, T> => (value === undefined ? {} : { [name]: value });
  return {
    method,
    bucket,
    key,
    expires,
    ...optional('contentType', params.get(PARAM.type)),
    ...(sizeMatch ? { minSize: Number(sizeMatch[1]), maxSize: Number(sizeMatch[2]) } : {}),
    ...(checksumMatch ? { checksum: { algorithm: checksumMatch[1] as ChecksumAlgorithm, value: checksumMatch[2]! } } : {}),
    ...(createOnly === undefined ? {} : { createOnly: createOnly === '1' }),
    ...optional('disposition', params.get(PARAM.disposition)),
    ...optional('responseType', params.get(PARAM.responseType)),
    ...optional('record', record),
  };
}
