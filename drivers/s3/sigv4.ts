// A small SigV4 query-string presigner (AWS4-HMAC-SHA256) for S3, with node:crypto only.
//
// Why not the SDK's presigner on the hot path: it runs the whole middleware stack per URL, never
// signs content-type unless told to, hoists checksum headers into the query, and adds an empty-body
// CRC32 to PUTs by default. Here the canonical request is built directly, and the derived signing
// key is cached per (secret, date, region, service): one HMAC chain a day instead of four HMACs
// per URL.
//
// S3's rules, which differ from the generic SigV4 test suite: the path is URI-encoded once
// (never twice) and never normalised ("//", "/./" and "/../" are kept as they are), and the
// payload of a presigned request is `UNSIGNED-PAYLOAD`.
import * as crypto from 'node:crypto';
import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface SigV4Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface PresignInput {
  readonly method: string;
  /** The Host header value (with ":port" for a non-default port). */
  readonly host: string;
  /** The canonical path, already URI-encoded (see encodePath). */
  readonly path: string;
  /** Extra query parameters, raw (not encoded); they are signed. */
  readonly query?: readonly (readonly [string, string])[];
  /** Headers to sign besides host; duplicates as arrays, in request order. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Seconds (X-Amz-Expires). */
  readonly expiresIn: number;
  readonly now: Date;
  readonly credentials: SigV4Credentials;
  /** Payload hash; S3 presigned URLs use UNSIGNED-PAYLOAD. */
  readonly payloadHash?: string;
}

export interface Presigned {
  /** The full query string to append after "?", ending with X-Amz-Signature. */
  readonly query: string;
  readonly signature: string;
  readonly canonicalRequest: string;
  readonly stringToSign: string;
}

const UNRESERVED_ESCAPES = /[!'()*]/g;
const NOTHING_TO_ENCODE = /^[A-Za-z0-9._~-]*$/;

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (upper-case). */
export function uriEncode(value: string): string {
  // Most values (dates, ids, header names, key segments) need no escaping: skip two passes.
  if (NOTHING_TO_ENCODE.test(value)) return value;
  return encodeURIComponent(value).replace(UNRESERVED_ESCAPES, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Encode a path once, segment by segment, keeping "/" (S3: no normalisation, no double encoding). */
export function encodePath(path: string): string {
  return path.split('/').map(uriEncode).join('/');
}

// Grants signed within the same second share their timestamp: format it once per second.
let stampSecond = NaN;
let stamp = '';

/** "20130524T000000Z" */
export function amzDate(now: Date): string {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== stampSecond) {
    stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    stampSecond = second;
  }
  return stamp;
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
// crypto.hash (Node >= 20.12, 21.7) hashes a string in one call, without a Hash object: about
// half the cost of createHash for a canonical request. Older Node 20 releases use createHash.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256Hex = oneShot
  ? (data: string): string => oneShot('sha256', data, 'hex')
  : (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');

/** Canonical header value: trimmed, runs of whitespace (incl. folded lines) collapsed to one space. */
function canonicalValue(value: string | readonly string[]): string {
  // Without whitespace, trimming and collapsing change nothing (trim and \s cover the same set).
  if (typeof value === 'string') return HAS_WHITESPACE.test(value) ? value.trim().replace(/\s+/g, ' ') : value;
  return value.map((v) => v.trim().replace(/\s+/g, ' ')).join(',');
}
const HAS_WHITESPACE = /\s/;

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Signs for one region and service. Holds the derived signing keys, so keep one instance per
 * driver; it never does I/O.
 */
export class SigV4Signer {
  readonly region: string;
  readonly service: string;
  readonly #scopeSuffix: string;
  // Two entries are enough: today's key and, around midnight UTC, yesterday's or a rotated secret's.
  // The key is also kept as a KeyObject, which createHmac does not import again on every call.
  #keys: { secret: string; date: string; key: Buffer; keyObject: KeyObject }[] = [];
  #lastCredential = { accessKeyId: '', scope: '', encoded: '' };

  constructor(region: string, service = 's3') {
    this.region = region;
    this.service = service;
    this.#scopeSuffix = `/${region}/${service}/aws4_request`;
  }

  /** The derived key for this secret and date (YYYYMMDD), cached. */
  signingKey(secretAccessKey: string, date: string): Buffer {
    return this.#entry(secretAccessKey, date).key;
  }

  #entry(secretAccessKey: string, date: string): { key: Buffer; keyObject: KeyObject } {
    const hit = this.#keys.find((k) => k.date === date && k.secret === secretAccessKey);
    if (hit) return hit;
    const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), this.region), this.service), 'aws4_request');
    const entry = { secret: secretAccessKey, date, key, keyObject: createSecretKey(key) };
    this.#keys = [entry, ...this.#keys.slice(0, 1)];
    return entry;
  }

  /** The credential scope "YYYYMMDD/region/service/aws4_request". */
  scope(date: string): string {
    return date + this.#scopeSuffix;
  }

  presign(input: PresignInput): Presigned {
    const stamp = amzDate(input.now);
    const date = stamp.slice(0, 8);
    const { credentials } = input;
    const scope = this.scope(date);

    const headers: [string, string][] = [['host', input.host]];
    const given = input.headers;
    if (given) {
      for (const name of Object.keys(given)) {
        const lower = name.toLowerCase();
        if (lower !== 'host') headers.push([lower, canonicalValue(given[name]!)]);
      }
      headers.sort((a, b) => byCodePoint(a[0], b[0]));
    }
    let signedHeaders = '';
    let canonicalHeaders = '';
    for (let i = 0; i < headers.length; i++) {
      const [name, value] = headers[i]!;
      signedHeaders += i === 0 ? name : `;${name}`;
      canonicalHeaders += `${name}:${value}\n`;
    }

    const credential = this.#credential(credentials.accessKeyId, scope);
    // The X-Amz-* parameters, then the caller's, in code-point order (name, then value).
    const params: [string, string][] = [
      ['X-Amz-Algorithm', ALGORITHM],
      ['X-Amz-Credential', credential],
      ['X-Amz-Date', stamp],
      ['X-Amz-Expires', uriEncode(String(input.expiresIn))],
      ['X-Amz-SignedHeaders', uriEncode(signedHeaders)],
    ];
    if (credentials.sessionToken) params.push(['X-Amz-Security-Token', uriEncode(credentials.sessionToken)]);
    for (const [name, value] of input.query ?? []) params.push([uriEncode(name), uriEncode(value)]);
    params.sort((a, b) => byCodePoint(a[0], b[0]) || byCodePoint(a[1], b[1]));
    const canonicalQuery = params.map(([k, v]) => `${k}=${v}`).join('&');

    const canonicalRequest = `${input.method}\n${input.path}\n${canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\n${input.payloadHash ?? UNSIGNED_PAYLOAD}`;
    const stringToSign = `${ALGORITHM}\n${stamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = createHmac('sha256', this.#entry(credentials.secretAccessKey, date).keyObject).update(stringToSign, 'utf8').digest('hex');
    return { query: `${canonicalQuery}&X-Amz-Signature=${signature}`, signature, canonicalRequest, stringToSign };
  }

  /** The encoded X-Amz-Credential value, kept for the last access key and day. */
  #credential(accessKeyId: string, scope: string): string {
    const last = this.#lastCredential;
    if (last.accessKeyId !== accessKeyId || last.scope !== scope) {
      this.#lastCredential = { accessKeyId, scope, encoded: uriEncode(`${accessKeyId}/${scope}`) };
    }
    return this.#lastCredential.encoded;
  }

  /** Signature of a browser POST policy: the string to sign is the base64 policy itself. */
  signPolicy(base64Policy: string, credentials: SigV4Credentials, now: Date): string {
    const date = amzDate(now).slice(0, 8);
    return createHmac('sha256', this.#entry(credentials.secretAccessKey, date).keyObject).update(base64Policy, 'utf8').digest('hex');
  }
}
