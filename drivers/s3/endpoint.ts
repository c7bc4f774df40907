// Where a bucket's objects live: the URL a grant points at and the Host header it signs.
// Precomputed once per driver, so signing only appends the encoded key.
import { isIP } from 'node:net';
import { validateEndpointUrl } from '../../src/http-values.js';
import { encodePath } from './sigv4.js';

export interface EndpointOptions {
  readonly bucket: string;
  readonly region: string;
  /** Custom endpoint (S3-compatible store); default https://s3.<region>.amazonaws.com. */
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
}

export class S3Endpoint {
  /** "https:" or "http:" */
  readonly protocol: string;
  /** The Host header value (port included when not the scheme's default). */
  readonly host: string;
  readonly pathStyle: boolean;
  /** The endpoint itself, without the bucket: what the SDK client is given too, so both address the same store. */
  readonly base: string;
  /** Path prefix before the key: "/bucket/" (path style) or "/" (virtual-hosted). */
  readonly #keyPrefix: string;

  constructor(options: EndpointOptions) {
    const base = parseEndpoint(options.endpoint ?? defaultEndpoint(options.region));
    this.base = `${base.protocol}//${base.host}${base.pathname.replace(/\/+$/, '')}`;
    // Virtual-hosted names need a DNS name and, over TLS, a bucket without dots (the wildcard
    // certificate covers one label); everything else must use path style.
    const pathStyle =
      options.forcePathStyle ??
      (options.endpoint !== undefined && (isIP(base.hostname.replace(/^\[|\]$/g, '')) !== 0 || base.hostname === 'localhost'));
    this.pathStyle = pathStyle || (base.protocol === 'https:' && options.bucket.includes('.'));
    this.protocol = base.protocol;
    const prefix = base.pathname.replace(/\/+$/, '');
    this.host = this.pathStyle ? base.host : `${options.bucket}.${base.host}`;
    this.#keyPrefix = this.pathStyle ? `${prefix}/${encodePath(options.bucket)}/` : `${prefix}/`;
  }

  /** The canonical (encoded) path of an object. */
  objectPath(key: string): string {
    return this.#keyPrefix + encodePath(key);
  }

  /** The URL of a path on this endpoint (query appended by the caller). */
  url(path: string): string {
    return `${this.protocol}//${this.host}${path}`;
  }

  /** Where a browser POST form goes: the bucket itself. */
  get postUrl(): string {
    return this.url(this.pathStyle ? this.#keyPrefix.slice(0, -1) : this.#keyPrefix);
  }
}

function defaultEndpoint(region: string): string {
  return `https://s3.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

function parseEndpoint(endpoint: string): URL {
  return new URL(validateEndpointUrl(endpoint, 'AWS_ENDPOINT_URL_S3'));
}
