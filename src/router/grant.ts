// The grant endpoint: one file or a batch, every file checked against the route's rules before
// anything is signed (a refused file refuses the batch), then one grant per file: multipart above
// the route's threshold where the presigner can, a single upload otherwise.
import { InvalidRequestError, UnsupportedConstraintError } from '../errors.js';
import type { ChecksumInput, ConstraintName, Enforcement, GrantContext, MultipartUploadGrant, MultipartUploadGrantRequest, Presigner, UploadGrant, UploadGrantRequest } from '../types.js';
import { isActiveContentType } from '../content-check.js';
import { essence, normalizeContentType } from '../validate.js';
import type { Json } from './body.js';
import { envelope } from './envelope.js';
import { routeKey } from './key.js';
import { routeThreshold, type UploadContext, type UploadRoute } from './route.js';
import { RouterError, toWireGrant, type WireGrant } from './wire.js';

type AnyRoute = UploadRoute<UploadContext, GrantContext | undefined>;

interface CheckedFile {
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly checksum?: ChecksumInput;
}

export interface GrantCall {
  readonly presigner: Presigner;
  readonly name: string;
  readonly route: AnyRoute;
  readonly context: UploadContext;
  readonly body: Json;
  /** The page's origin (GCS sessions answer CORS for it only). */
  readonly origin: string | undefined;
}

export async function grantFiles(call: GrantCall): Promise<{ grant: WireGrant } | { grants: WireGrant[] }> {
  const { route, body } = call;
  const batch = body['files'] !== undefined;
  const raw: unknown[] = batch ? (Array.isArray(body['files']) ? (body['files'] as unknown[]) : []) : [body];
  if (batch && raw.length === 0) throw new InvalidRequestError('files', 'must be a non-empty array of { name, type, size }');
  const maxFiles = route.options.maxFiles ?? 1;
  if (raw.length > maxFiles) throw new RouterError(400, 'too-many-files', `this route takes at most ${maxFiles} file${maxFiles === 1 ? '' : 's'} per request`, 'files');
  const files = raw.map((file, i) => checkFile(route, file, batch ? `files[${i}].` : ''));
  const metadata = checkMetadata(route, body['metadata']);
  const sealed = envelope(call.name, call.context, metadata);
  const grants: WireGrant[] = [];
  for (const file of files) {
    const key = routeKey(route.options.key, call.name, call.context, metadata, file.name);
    grants.push(toWireGrant(call.name, await grantOne(call, file, key, sealed)));
  }
  return batch ? { grants } : { grant: grants[0]! };
}

function checkFile(route: AnyRoute, value: unknown, prefix: string): CheckedFile {
  if (typeof value !== 'object' || value === null) throw new InvalidRequestError(prefix.slice(0, -1) || 'body', 'must be { name, type, size }');
  const file = value as Record<string, unknown>;
  const { contentTypes, maxSize, minSize = 0, checksum } = route.options;
  if (typeof file['name'] !== 'string' || file['name'].trim() === '') throw new InvalidRequestError(`${prefix}name`, 'must be the file name');
  const contentType = normalizeContentType(file['type'], `${prefix}type`);
  if (contentTypes && contentTypes.length > 0) {
    const media = essence(contentType);
    const ok = contentTypes.some((p) => p === media || (p.endsWith('/*') && media.startsWith(p.slice(0, -1))));
    if (!ok) throw new RouterError(400, 'content-type-not-allowed', `"${media}" is not allowed here (allowed: ${contentTypes.join(', ')})`, `${prefix}type`);
  }
  // A pattern like text/* must not let in what a browser would run from the storage's origin.
  if (!route.options.allowActiveContent && isActiveContentType(contentType)) {
    throw new RouterError(400, 'active-content-not-allowed', `"${essence(contentType)}" is active content (a browser runs it); this route does not allow it`, `${prefix}type`);
  }
  const size = file['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new InvalidRequestError(`${prefix}size`, 'must be the exact size in bytes');
  if (maxSize !== undefined && size > maxSize) throw new RouterError(413, 'too-large', `${size} bytes is over this route's limit of ${maxSize} bytes`, `${prefix}size`);
  if (size < minSize) throw new RouterError(400, 'too-small', `${size} bytes is under this route's minimum of ${minSize} bytes`, `${prefix}size`);
  const sha256 = file['sha256'];
  const md5 = file['md5'];
  if (sha256 !== undefined && md5 !== undefined) throw new InvalidRequestError(`${prefix}sha256`, 'give sha256 or md5, not both');
  if (checksum === 'required' && sha256 === undefined && md5 === undefined) throw new RouterError(400, 'checksum-required', 'this route needs the SHA-256 (or MD5) of the file', `${prefix}sha256`);
  const declared = sha256 !== undefined ? { sha256: sha256 as string } : md5 !== undefined ? { md5: md5 as string } : undefined;
  return { name: file['name'], contentType, size, ...(declared ? { checksum: declared } : {}) };
}

function checkMetadata(route: AnyRoute, value: unknown): GrantContext | undefined {
  const parse = route.options.metadata;
  if (!parse) {
    if (value !== undefined && value !== null) throw new InvalidRequestError('metadata', 'this route takes no metadata');
    return undefined;
  }
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof InvalidRequestError) throw error;
    throw new InvalidRequestError('metadata', error instanceof Error ? error.message : 'was refused');
  }
}

async function grantOne(call: GrantCall, file: CheckedFile, key: string, context: GrantContext): Promise<UploadGrant | MultipartUploadGrant> {
  const { presigner, route } = call;
  const { expiresIn, partSize, staging, contentCheck } = route.options;
  const common = {
    key,
    contentType: file.contentType,
    size: file.size,
    context,
    ...(file.checksum ? { checksum: file.checksum } : {}),
    ...(expiresIn !== undefined ? { expiresIn } : {}),
    ...(contentCheck !== undefined ? { contentCheck } : {}),
    // Staged uploads: the presigner reads `staging` where it supports per-grant staging.
    ...(staging !== undefined ? { staging } : {}),
  };
  let grant: UploadGrant | MultipartUploadGrant | undefined;
  if (file.size > routeThreshold(route)) {
    const request: MultipartUploadGrantRequest = { ...common, ...(partSize !== undefined ? { partSize } : {}), ...(call.origin ? { origin: call.origin } : {}) };
    try {
      grant = await presigner.createMultipartUploadGrant(request);
    } catch (error) {
      if (!(error instanceof UnsupportedConstraintError) || error.constraint !== 'multipart') throw error;
    }
  }
  grant ??= await presigner.createUploadGrant(common as UploadGrantRequest);
  if (route.options.strict) await refuseUnenforced(presigner, grant);
  return grant;
}

/** A strict route takes only grants the storage itself enforces; a started multipart upload is discarded. */
async function refuseUnenforced(presigner: Presigner, grant: UploadGrant | MultipartUploadGrant): Promise<void> {
  const weak = (Object.entries(grant.enforcement) as [keyof Enforcement, string][]).find(([, by]) => by !== 'storage');
  if (!weak) return;
  if ('kind' in grant) await presigner.abortMultipartUpload(grant.token);
  throw new UnsupportedConstraintError(grant.provider, weak[0] as ConstraintName, `this route is strict and ${grant.provider} leaves ${weak[0]} to ${weak[1] === 'verify' ? 'verification after the upload' : 'nobody'}`);
}
