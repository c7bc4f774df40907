// Turning an untrusted file name into a key that is unique per upload and safe everywhere.
// The random segment is what makes a create-only grant single-use: no two grants share a key.
import { randomFillSync } from 'node:crypto';
import { validateKey } from './validate.js';

const MAX_NAME_CHARS = 100;
const ID_BYTES = 16;

// randomBytes(16) costs a system call per grant (about 1.5 us, a tenth of a grant); ids are drawn
// from a pool refilled by the same CSPRNG 256 ids at a time instead, as crypto.randomUUID does.
// Every byte is handed out once.
const pool = Buffer.alloc(ID_BYTES * 256);
let poolOffset = pool.length;

/** 128 fresh random bits, as 32 hex digits. */
export function randomId(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const id = pool.toString('hex', poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return id;
}

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
  const cleanPrefix = validPrefix(prefix);
  return validateKey(`${cleanPrefix}${randomId()}/${safeFileName(originalFilename)}`, 'filename');
}

// An app passes the same prefix on every call: remember the last one that passed validation.
let lastPrefix: string | undefined;
let lastCleanPrefix = '';

function validPrefix(prefix: string): string {
  if (prefix === lastPrefix) return lastCleanPrefix;
  const clean = prefix === '' ? '' : `${validateKey(prefix, 'prefix')}/`;
  lastPrefix = prefix;
  lastCleanPrefix = clean;
  return clean;
}
