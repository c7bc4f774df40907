// uploadRoute: one kind of upload an app accepts (avatars, invoices, videos), with its rules. The
// rules are checked at grant time, before anything is signed, and become the grant's constraints,
// so the storage (or verifyUpload) holds the client to them.
import { CONTENT_MODES } from '../content-check.js';
import { InvalidRequestError } from '../errors.js';
import type { ContentCheckMode, GrantContext } from '../types.js';
import { validateTypePattern } from '../validate.js';
import type { KeyTemplate } from './key.js';

/** What the router's `authorize` hands every route: a JSON object sealed with each grant. */
export type UploadContext = { readonly [key: string]: GrantContext };

export interface UploadRouteOptions<TContext extends UploadContext = UploadContext, TMetadata extends GrantContext | undefined = undefined> {
  /** Allowed content types: `type/subtype` or `type/*`. Absent: any valid type. */
  contentTypes?: readonly string[];
  /** Largest file, in bytes (default: the provider's limit). */
  maxSize?: number;
  /** Smallest file, in bytes (default 0). */
  minSize?: number;
  /** 'required': the client must declare a SHA-256 or MD5 of the file; 'optional' (default): it may. */
  checksum?: 'required' | 'optional';
  /** Seconds a grant stays valid (default: the presigner's default). */
  expiresIn?: number;
  /** Where the object goes: a function of the authorized context and the safe file name, or a template (src/router/key.ts). Default `{route}/{id}/{filename}`. */
  key?: KeyTemplate<TContext, TMetadata>;
  /** Files larger than this get a multipart grant (default 64 MiB). */
  multipartThreshold?: number;
  /** Bytes per part of a multipart grant (default: the presigner's choice). */
  partSize?: number;
  /** Refuse a grant that holds any promise only verifyUpload (or nobody) would keep. */
  strict?: boolean;
  /** Check the uploaded bytes against the declared type at verification: passed to the presigner as the grant request's `contentCheck` (default: the presigner's). */
  contentCheck?: ContentCheckMode;
  /** Grant active content (HTML, SVG, XHTML, XML, JavaScript: what a browser runs when served inline). Default false: refused at grant time, whatever `contentTypes` admits. */
  allowActiveContent?: boolean;
  /** Staged uploads for this route: passed to the presigner as the grant request's `staging`. */
  staging?: 'auto' | 'always' | 'never';
  /** Files one grant request may ask for (default 1). */
  maxFiles?: number;
  /** Parse and check the client's metadata (throw to refuse); its result is sealed with the grant. Absent: metadata is refused. */
  metadata?: (value: unknown) => TMetadata;
  /** Who may get a download URL for an object of this route (besides the holder of its grant token); default: nobody else. */
  download?: (request: { key: string; context: TContext }) => boolean | Promise<boolean>;
}

/** A route as the router holds it: the options, checked once. */
export interface UploadRoute<TContext extends UploadContext = UploadContext, TMetadata extends GrantContext | undefined = undefined> {
  readonly kind: 'upgrant-route';
  readonly options: Readonly<UploadRouteOptions<TContext, TMetadata>>;
  /** Phantom: the metadata type the typed client must send. Never set at run time. */
  readonly metadataType?: TMetadata;
}

const DEFAULT_MULTIPART_THRESHOLD = 64 * 1024 * 1024;

export function uploadRoute<TContext extends UploadContext = UploadContext, TMetadata extends GrantContext | undefined = undefined>(
  options: UploadRouteOptions<TContext, TMetadata>,
): UploadRoute<TContext, TMetadata> {
  if (typeof options !== 'object' || options === null) throw new InvalidRequestError('route', 'must be an options object');
  const contentTypes = options.contentTypes?.map((t, i) => validateTypePattern(t, `contentTypes[${i}]`));
  const bytes = (name: 'maxSize' | 'minSize' | 'multipartThreshold' | 'partSize' | 'maxFiles' | 'expiresIn', min = 0) => {
    const value = options[name];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) throw new InvalidRequestError(name, `must be a whole number of at least ${min}`);
  };
  bytes('maxSize');
  bytes('minSize');
  bytes('multipartThreshold', 1);
  bytes('partSize', 1);
  bytes('maxFiles', 1);
  bytes('expiresIn', 1);
  if (options.minSize !== undefined && options.maxSize !== undefined && options.minSize > options.maxSize) {
    throw new InvalidRequestError('minSize', `${options.minSize} is larger than maxSize ${options.maxSize}`);
  }
  if (options.checksum !== undefined && options.checksum !== 'required' && options.checksum !== 'optional') {
    throw new InvalidRequestError('checksum', 'must be "required" or "optional"');
  }
  if (options.contentCheck !== undefined && !CONTENT_MODES.includes(options.contentCheck)) {
    throw new InvalidRequestError('contentCheck', `must be one of ${CONTENT_MODES.join(', ')}`);
  }
  if (options.allowActiveContent !== undefined && typeof options.allowActiveContent !== 'boolean') {
    throw new InvalidRequestError('allowActiveContent', 'must be true or false');
  }
  return { kind: 'upgrant-route', options: Object.freeze({ ...options, ...(contentTypes ? { contentTypes } : {}) }) };
}

export function routeThreshold(route: UploadRoute<UploadContext, GrantContext | undefined>): number {
  return route.options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD;
}
