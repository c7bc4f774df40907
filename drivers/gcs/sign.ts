// GCS V4 signing: signed URLs (GOOG4-RSA-SHA256 / GOOG4-HMAC-SHA256) and POST policy documents.
// The inputs mirror Google's conformance cases (googleapis/conformance-tests, storage/v1) field for
// field, so the vectors drive exactly the code that upload and download grants run.
import { createHash } from 'node:crypto';
import type { GcsServiceAccountKey } from './options.js';
import { ServiceAccountSigner, type GcsSigner } from './signers.js';

export type GcsUrlStyle = 'PATH_STYLE' | 'VIRTUAL_HOSTED_STYLE' | 'BUCKET_BOUND_HOSTNAME';

/** Where the URL points; precedence as in Google's clients: hostname, clientEndpoint, emulatorHostname, universe. */
export interface GcsEndpointInput {
  /** Default "https"; an endpoint given with its own scheme keeps it. */
  scheme?: string;
  urlStyle?: GcsUrlStyle;
  bucketBoundHostname?: string;
  hostname?: string;
  clientEndpoint?: string;
  emulatorHostname?: string;
  /** Default "googleapis.com" (host storage.<universeDomain>). */
  universeDomain?: string;
}

/** Who signs: a service account key, or any GcsSigner (HMAC key, IAM signBlob). */
export type GcsSignerInput = { credentials: GcsServiceAccountKey; signer?: never } | { signer: GcsSigner; credentials?: never };

export type SignUrlV4Input = GcsEndpointInput &
  GcsSignerInput & {
    bucket: string;
    /** Absent: a bucket-level URL (e.g. list objects). */
    object?: string;
    method: string;
    /** Seconds, 1..604800. */
    expiration: number;
    timestamp: Date;
    /** Headers the request must carry, signed (host is always added). */
    headers?: Readonly<Record<string, string>>;
    queryParameters?: Readonly<Record<string, string>>;
  };

export interface PostPolicyConditions {
  /** Pairs: field (with "$"), prefix, field, prefix, ... */
  startsWith?: readonly string[];
  /** [min, max] bytes. */
  contentLengthRange?: readonly number[];
}

export type SignPostPolicyV4Input = GcsEndpointInput &
  GcsSignerInput & {
    bucket: string;
    object: string;
    expiration: number;
    timestamp: Date;
    /** Form fields the upload must carry with exactly these values (each becomes an exact-match condition). */
    fields?: Readonly<Record<string, string>>;
    conditions?: PostPolicyConditions;
  };

export interface SignedPostPolicyV4 {
  url: string;
  /** key, the given fields, then the x-goog-* fields and the policy; the file goes last. */
  fields: Record<string, string>;
}

/** The pieces of a V4 signed URL before the signature: what the conformance vectors also pin. */
export interface UrlV4Parts {
  /** The URL without X-Goog-Signature. */
  readonly unsignedUrl: string;
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly datestamp: string;
}

const SEVEN_DAYS = 7 * 24 * 3600;
const signerCache = new WeakMap<GcsServiceAccountKey, GcsSigner>();

/** A V4 signed URL for one request. */
export async function signUrlV4(input: SignUrlV4Input): Promise<string> {
  const signer = signerOf(input);
  const parts = urlV4Parts(input, signer);
  const signature = await signer.sign(parts.stringToSign, parts.datestamp);
  return `${parts.unsignedUrl}&X-Goog-Signature=${signature.toString('hex')}`;
}

/** A V4 POST policy: the form's action URL and fields. */
export async function signPostPolicyV4(input: SignPostPolicyV4Input): Promise<SignedPostPolicyV4> {
  const signer = signerOf(input);
  const { datestamp, timestamp } = dates(input.timestamp);
  const credential = `${signer.email}/${datestamp}/auto/storage/goog4_request`;
  checkExpiration(input.expiration);

  const conditions: unknown[] = [];
  const startsWith = input.conditions?.startsWith ?? [];
  if (startsWith.length % 2 !== 0) throw new TypeError('conditions.startsWith must list field, prefix pairs');
  for (let i = 0; i < startsWith.length; i += 2) conditions.push(['starts-with', startsWith[i], startsWith[i + 1]]);
  const range = input.conditions?.contentLengthRange;
  if (range) {
    if (range.length !== 2) throw new TypeError('conditions.contentLengthRange must be [min, max]');
    conditions.push(['content-length-range', range[0], range[1]]);
  }
  const fields = Object.entries(input.fields ?? {}).filter(([name]) => name !== 'key');
  for (const [name, value] of fields) conditions.push({ [name]: value });
  conditions.push(
    { bucket: input.bucket },
    { key: input.object },
    { 'x-goog-date': timestamp },
    { 'x-goog-credential': credential },
    { 'x-goog-algorithm': signer.algorithm },
  );
  const expiration = new Date(input.timestamp.getTime() + input.expiration * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  // Non-ASCII is signed in its \uXXXX form: that is what GCS decodes and checks.
  const json = JSON.stringify({ conditions, expiration }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const policy = Buffer.from(json, 'utf8').toString('base64');
  const signature = await signer.sign(policy, datestamp);

  const { scheme, host } = resolveEndpoint(input);
  let url: string;
  if (input.urlStyle === 'BUCKET_BOUND_HOSTNAME') url = `${scheme}://${boundHost(input)}/`;
  else if (input.urlStyle === 'VIRTUAL_HOSTED_STYLE') url = `${scheme}://${input.bucket}.${host}/`;
  else url = `${scheme}://${host}/${input.bucket}/`;
  return {
    url,
    fields: {
      key: input.object,
      ...Object.fromEntries(fields),
      'x-goog-algorithm': signer.algorithm,
      'x-goog-credential': credential,
      'x-goog-date': timestamp,
      'x-goog-signature': signature.toString('hex'),
      policy,
    },
  };
}

/** Canonical request, string to sign and unsigned URL of a V4 signed URL (no signing, no I/O). */
export function urlV4Parts(input: SignUrlV4Input, signer: Pick<GcsSigner, 'algorithm' | 'email'> = signerOf(input)): UrlV4Parts {
  checkExpiration(input.expiration);
  const { datestamp, timestamp } = dates(input.timestamp);
  const scope = `${datestamp}/auto/storage/goog4_request`;
  const { scheme, host } = resolveEndpoint(input);

  let urlHost: string;
  let path: string;
  const object = input.object === undefined ? undefined : encodePath(input.object);
  if (input.urlStyle === 'BUCKET_BOUND_HOSTNAME') {
    urlHost = boundHost(input);
    path = `/${object ?? ''}`;
  } else if (input.urlStyle === 'VIRTUAL_HOSTED_STYLE') {
    urlHost = `${input.bucket}.${host}`;
    path = `/${object ?? ''}`;
  } else {
    urlHost = host;
    path = object === undefined ? `/${input.bucket}` : `/${input.bucket}/${object}`;
  }

  const headers = canonicalHeaders(input.headers ?? {}, hostnameOf(urlHost));
  const signedHeaders = headers.map(([name]) => name).join(';');
  const query: [string, string][] = [
    ['X-Goog-Algorithm', signer.algorithm],
    ['X-Goog-Credential', `${signer.email}/${scope}`],
    ['X-Goog-Date', timestamp],
    ['X-Goog-Expires', String(input.expiration)],
    ['X-Goog-SignedHeaders', signedHeaders],
    ...Object.entries(input.queryParameters ?? {}),
  ];
  const canonicalQuery = query
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const payload = headers.find(([name]) => name === 'x-goog-content-sha256')?.[1] ?? 'UNSIGNED-PAYLOAD';
  const canonicalRequest = [
    input.method.toUpperCase(),
    path,
    canonicalQuery,
    headers.map(([name, value]) => `${name}:${value}\n`).join(''),
    signedHeaders,
    payload,
  ].join('\n');
  const stringToSign = [signer.algorithm, timestamp, scope, createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')].join('\n');
  return { unsignedUrl: `${scheme}://${urlHost}${path}?${canonicalQuery}`, canonicalRequest, stringToSign, datestamp };
}

/**
 * Header names lower-cased and sorted, values trimmed with runs of whitespace collapsed (as Google's
 * clients and the conformance cases do); `host` is always the URL's host name, without the port.
 */
export function canonicalHeaders(headers: Readonly<Record<string, string>>, host: string): [string, string][] {
  const byName = new Map<string, string>();
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (name === 'host') continue;
    const value = canonicalHeaderValue(rawValue);
    const seen = byName.get(name);
    byName.set(name, seen === undefined ? value : `${seen},${value}`);
  }
  byName.set('host', host);
  return [...byName.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function canonicalHeaderValue(value: string): string {
  return String(value).trim().replace(/\s{2,}/g, ' ');
}

/** RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ (UTF-8 bytes, upper-case hex). */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An object name in a URL path: RFC 3986 encoding, slashes kept. */
export function encodePath(objectName: string): string {
  return encodeRfc3986(objectName).replace(/%2F/g, '/');
}

/** X-Goog-Date (YYYYMMDDTHHMMSSZ) and its date stamp. */
export function dates(at: Date): { timestamp: string; datestamp: string } {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError('timestamp must be a valid Date');
  const timestamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return { timestamp, datestamp: timestamp.slice(0, 8) };
}

function checkExpiration(expiration: number): void {
  if (!Number.isInteger(expiration) || expiration < 1 || expiration > SEVEN_DAYS) {
    throw new RangeError(`expiration must be a whole number of seconds from 1 to ${SEVEN_DAYS}, got ${expiration}`);
  }
}

function signerOf(input: GcsSignerInput): GcsSigner {
  if (input.signer) return input.signer;
  if (!input.credentials) throw new TypeError('give credentials (client_email, private_key) or a signer');
  let signer = signerCache.get(input.credentials);
  if (!signer) {
    signer = new ServiceAccountSigner(input.credentials);
    signerCache.set(input.credentials, signer);
  }
  return signer;
}

function resolveEndpoint(input: GcsEndpointInput): { scheme: string; host: string } {
  const explicit = input.hostname ?? input.clientEndpoint ?? input.emulatorHostname;
  const defaultScheme = input.scheme ?? 'https';
  if (explicit === undefined) return { scheme: defaultScheme, host: `storage.${input.universeDomain ?? 'googleapis.com'}` };
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)/i.exec(explicit);
  if (match) return { scheme: match[1]!.toLowerCase(), host: match[2]! };
  return { scheme: defaultScheme, host: explicit.replace(/\/.*$/, '') };
}

function boundHost(input: GcsEndpointInput): string {
  if (!input.bucketBoundHostname) throw new TypeError('urlStyle BUCKET_BOUND_HOSTNAME needs bucketBoundHostname');
  return input.bucketBoundHostname.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
}

/** "host:port" to "host" ("[::1]:80" to "[::1]"). */
export function hostnameOf(host: string): string {
  return host.replace(/:\d+$/, '');
}
