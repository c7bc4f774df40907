// What every upload grant request shares, single or multipart: the key (given, or made from an
// untrusted file name), the content type against the allow-list, the size by the caller's rule,
// the checksum, the overwrite flag and the content check, turned into the GrantConstraints a grant
// carries (sealed in its token, so any instance verifies it the same way).
import { CONTENT_MODES, type ContentCheckMode } from './content-check.js';
import { InvalidRequestError } from './errors.js';
import { keyFor } from './key-for.js';
import type { ChecksumInput, GrantConstraints } from './types.js';
import { checkAllowedType, normalizeContentType, validateChecksum, validateKey, type SizeRange } from './validate.js';

export interface GrantRequestFields {
  key?: string;
  filename?: string;
  prefix?: string;
  contentType: string;
  checksum?: ChecksumInput;
  overwrite?: boolean;
  contentCheck?: ContentCheckMode;
}

export function resolveGrantRequest<R extends GrantRequestFields>(
  request: R,
  allowedTypes: readonly string[] | undefined,
  /** The size rule of this kind of grant (a range or exact size; multipart: exact only). */
  sizeOf: (request: R) => SizeRange,
  /** The presigner's policy, for requests that do not choose. */
  defaultContentCheck: ContentCheckMode,
  /** The staging prefix, which app keys may not use. */
  reservedPrefix?: string,
): { key: string; constraints: GrantConstraints } {
  if (typeof request !== 'object' || request === null) throw new InvalidRequestError('request', 'must be an object');
  const key = resolveKey(request, reservedPrefix);
  const contentType = normalizeContentType(request.contentType);
  checkAllowedType(contentType, allowedTypes);
  const { minSize, maxSize } = sizeOf(request);
  const checksum = validateChecksum(request.checksum);
  if (checksum && minSize !== maxSize) {
    throw new InvalidRequestError('checksum', 'a checksum needs an exact size (a checksum pins the content, hence its size)');
  }
  if (request.overwrite !== undefined && typeof request.overwrite !== 'boolean') {
    throw new InvalidRequestError('overwrite', 'must be true or false');
  }
  const contentCheck = request.contentCheck ?? defaultContentCheck;
  if (!CONTENT_MODES.includes(contentCheck)) throw new InvalidRequestError('contentCheck', `must be one of ${CONTENT_MODES.join(', ')}`);
  return {
    key,
    constraints: {
      contentType,
      minSize,
      maxSize,
      createOnly: request.overwrite !== true,
      ...(checksum ? { checksum } : {}),
      ...(contentCheck !== 'off' ? { contentCheck } : {}),
    },
  };
}

function resolveKey(request: GrantRequestFields, reservedPrefix: string | undefined): string {
  const hasKey = request.key !== undefined;
  if (hasKey === (request.filename !== undefined)) throw new InvalidRequestError('key', 'give exactly one of key or filename');
  if (hasKey) return validateKey(request.key, 'key', reservedPrefix);
  if (typeof request.filename !== 'string' || request.filename.trim() === '') {
    throw new InvalidRequestError('filename', 'must be a non-empty string');
  }
  const key = keyFor(request.prefix ?? 'uploads', request.filename);
  if (reservedPrefix !== undefined && key.startsWith(reservedPrefix)) {
    throw new InvalidRequestError('prefix', `must not be under "${reservedPrefix}", the prefix reserved for staged uploads`);
  }
  return key;
}
