// Turning an untrusted file name into a key that is unique per upload and safe everywhere.
// The random segment is what makes a create-only grant single-use: no two grants share a key.
import { randomBytes } from 'node:crypto';
import { validateKey } from './validate.js';

const MAX_NAME_CHARS = 100;

/** Reduce a browser-supplied file name to a short, safe, readable last key segment. */
export function safeFileName(originalFilename: string): string {
  // Browsers and old IE send full paths ("C:\\fakepath\\cat.png"); keep the last part only.
  const base = String(originalFilename).split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/\p{Surrogate}/gu, '')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    // Characters that need escaping in URLs, headers or shells become "-".
    .replace(/[\s"#%&'*:;<>?@[\]^`{|}~$!+=,()]+/gu, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  if (cleaned === '') return 'file';
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 ? cleaned.slice(dot).toLowerCase().slice(0, 16) : '';
  const stem = (dot > 0 ? cleaned.slice(0, dot) : cleaned).replace(/[-.]+$/, '') || 'file';
  return Array.from(stem).slice(0, MAX_NAME_CHARS - ext.length).join('') + ext;
}

/**
 * A unique, safe key for an upload: `<prefix>/<128-bit random id>/<safe file name>`.
 * The prefix is trusted app input and validated as a key; the file name is not trusted.
 */
export function keyFor(prefix: string, originalFilename: string): string {
  const cleanPrefix = prefix === '' ? '' : `${validateKey(prefix, 'prefix')}/`;
  const id = randomBytes(16).toString('hex');
  return validateKey(`${cleanPrefix}${id}/${safeFileName(originalFilename)}`, 'filename');
}
