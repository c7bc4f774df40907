// Turning an untrusted file name into a key that is unique per upload and safe everywhere.
// The random segment is what makes a create-only grant single-use: no two grants share a key.
import { randomFillSync } from 'node:crypto';
import { validateKey } from './validate.js';

const MAX_NAME_CHARS = 100;
/**
 * The segment budget in UTF-8 bytes: a key segment is one file name on local disks (at most 255
 * bytes), and 200 leaves room for anything a store appends to it.
 */
export const MAX_NAME_BYTES = 200;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
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
  return withinBudget(stem, MAX_NAME_CHARS - ext.length, MAX_NAME_BYTES - Buffer.byteLength(ext, 'utf8')) + ext;
}

/** The longest prefix of whole characters (grapheme clusters: an emoji stays whole) within both limits. */
function withinBudget(stem: string, maxChars: number, maxBytes: number): string {
  if (stem.length <= maxChars && Buffer.byteLength(stem, 'utf8') <= maxBytes) return stem;
  let out = '';
  let chars = 0;
  let bytes = 0;
  for (const { segment } of graphemes.segment(stem)) {
    const length = Array.from(segment).length;
    const size = Buffer.byteLength(segment, 'utf8');
    if (chars + length > maxChars || bytes + size > maxBytes) break;
    out += segment;
    chars += length;
    bytes += size;
  }
  return out.replace(/[-.]+$/, '') || 'file';
}

/**
 * A unique, safe key for an upload: `<prefix>/<128-bit random id>/<safe file name>`.
 * The prefix is trusted app input and validated as a key; the file name is not trusted.
 */
export function keyFor(prefix: string, originalFilename: string): string {
  const cleanPrefix = prefix === '' ? '' : `${validateKey(prefix, 'prefix')}/`;
  return validateKey(`${cleanPrefix}${randomId()}/${safeFileName(originalFilename)}`, 'filename');
}
