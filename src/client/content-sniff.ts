// The content rules, shared by verifyUpload (src/content-check.ts, which brings the full detector)
// and upgrant/client (which brings only the small signature table below, to stay dependency-free).
// Pure functions on the first bytes of a file: no Node built-ins, nothing async.
//
// What "consistent" means: the declared type and what the bytes are belong together (a PNG under
// image/png, any ISO BMFF brand under video/mp4, a docx or its plain zip container under the docx
// type); a text type is never a known binary format; a binary type is never markup; an image, audio
// or video type is never an executable.

/** `off`: no check. `known`: types the detector recognises must match. `strict`: and other types are refused unless allowed. */
export type ContentCheckMode = 'off' | 'known' | 'strict';

/** Why the bytes do not fit the declared type: `actual` is what they look like. */
export interface ContentMismatch {
  readonly constraint: 'content';
  readonly expected: string;
  readonly actual: string;
}

/** What a detector found in the first bytes (a MIME type), or undefined when it knows none. */
export interface Detection {
  readonly detected: string | undefined;
  /** Every type this detector can recognise, so that a miss on one of them is a mismatch. */
  readonly recognises: (type: string) => boolean;
}

export const CONTENT_MODES: readonly ContentCheckMode[] = ['off', 'known', 'strict'];

/** Bytes the small table and the markup sniff look at; the server's detector needs more (CONTENT_CHECK_WINDOW). */
export const SNIFF_WINDOW = 1024;

/** Other names for the same format, to the name the detector reports. */
const ALIASES: Readonly<Record<string, string>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'image/x-ms-bmp': 'image/bmp',
  'image/x-bmp': 'image/bmp',
  'image/vnd.microsoft.icon': 'image/x-icon',
  'application/x-zip-compressed': 'application/zip',
  'application/x-zip': 'application/zip',
  'application/x-pdf': 'application/pdf',
  'application/x-gzip': 'application/gzip',
  'audio/mp3': 'audio/mpeg',
  'audio/x-mpeg': 'audio/mpeg',
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/x-flac': 'audio/flac',
  'audio/x-aiff': 'audio/aiff',
  'video/x-matroska': 'video/matroska',
  'video/avi': 'video/vnd.avi',
  'video/x-msvideo': 'video/vnd.avi',
  'image/heic': 'image/heif',
  'image/heic-sequence': 'image/heif',
  'image/heif-sequence': 'image/heif',
  'image/apng': 'image/png',
};

/** ISO base media file format: mp4, m4v, QuickTime, 3GP and MPEG-4 audio brands. */
const ISO_BMFF: readonly string[] = ['video/mp4', 'video/x-m4v', 'video/quicktime', 'video/3gpp', 'video/3gpp2', 'audio/mp4', 'audio/x-m4a'];

/** Formats that share one container: any member's bytes fit any member's type. */
const FAMILIES: readonly (readonly string[])[] = [
  ISO_BMFF,
  ['audio/ogg', 'video/ogg', 'application/ogg'],
  ['audio/x-ms-asf', 'video/x-ms-asf', 'application/vnd.ms-asf'],
];

const EXECUTABLES = new Set(['application/x-elf', 'application/x-msdownload', 'application/x-mach-binary']);

/** Types a browser may run as a page or script: never served inline, refused by default by the demo. */
export function isActiveContentType(type: string): boolean {
  const t = essenceOf(type);
  return (
    t === 'text/html' ||
    t === 'application/xhtml+xml' ||
    t === 'image/svg+xml' ||
    t === 'text/xml' ||
    t === 'application/xml' ||
    t === 'text/xsl' ||
    t.endsWith('+xml') ||
    /^(text|application)\/(x-)?(javascript|ecmascript)$/.test(t) ||
    t === 'text/jscript' ||
    t === 'application/x-shockwave-flash'
  );
}

/** Types whose content is text: they must not be a binary format. */
export function isTextType(type: string): boolean {
  const t = essenceOf(type);
  return (
    t.startsWith('text/') ||
    t === 'application/json' ||
    t.endsWith('+json') ||
    t === 'application/x-ndjson' ||
    t === 'application/xml' ||
    t.endsWith('+xml') ||
    /^application\/(x-)?(javascript|ecmascript|yaml|toml|sql|csv)$/.test(t) ||
    t === 'application/rtf'
  );
}

/** `type/subtype`, lower case, without parameters. */
export function essenceOf(type: string): string {
  return (type.split(';', 1)[0] ?? '').trim().toLowerCase();
}

function canonical(type: string): string {
  const t = essenceOf(type);
  return ALIASES[t] ?? t;
}

function isZipBased(type: string): boolean {
  return (
    type === 'application/zip' ||
    type.includes('openxmlformats') ||
    type.includes('opendocument') ||
    type.includes('macroenabled') ||
    type === 'application/epub+zip' ||
    type === 'application/java-archive' ||
    type === 'application/vnd.android.package-archive' ||
    type === 'application/x-xpinstall' ||
    type === 'model/3mf'
  );
}

/** Whether bytes detected as `detected` fit the declared `declared` (both canonical). */
function fits(declared: string, detected: string): boolean {
  if (declared === detected) return true;
  if (FAMILIES.some((family) => family.includes(declared) && family.includes(detected))) return true;
  // A zip-based document may be reported as its plain container when the window holds too little
  // of the archive to tell; a plain zip type accepts any zip-based document.
  if (isZipBased(declared) && isZipBased(detected)) return declared === 'application/zip' || detected === 'application/zip';
  return false;
}

/** Types a detector reports for text formats. */
function isTextual(detected: string): boolean {
  return detected.startsWith('text/') || detected === 'application/xml' || detected === 'image/svg+xml' || detected === 'application/rtf';
}

/**
 * The rule itself, given what a detector found. `allowed`: type patterns (`type/subtype`,
 * `type/*`) that strict mode lets through although the detector cannot confirm them.
 */
export function judgeContent(
  declaredType: string,
  head: Uint8Array,
  mode: ContentCheckMode,
  detection: Detection,
  allowed: readonly string[] = [],
): ContentMismatch | undefined {
  if (mode === 'off') return undefined;
  const declared = canonical(declaredType);
  const expected = essenceOf(declaredType);
  const mismatch = (actual: string): ContentMismatch => ({ constraint: 'content', expected, actual });
  const markup = sniffMarkup(head);
  const detected = markup ?? (detection.detected === undefined ? sniffExecutable(head) : canonical(detection.detected));

  if (isTextType(declared)) {
    // Some signatures are two or three letters ("MZ", "BM", "ID3") that plain text can start
    // with: a binary format under a text type counts when the bytes are not text as well (PDF,
    // which can be all ASCII, always counts).
    if (detected !== undefined && !isTextual(detected) && (detected === 'application/pdf' || !isPlausibleText(head))) return mismatch(detected);
    if (mode === 'strict' && !isPlausibleText(head)) return mismatch('binary data');
    return undefined;
  }
  if (markup) return mismatch(markup);
  if (detected !== undefined && EXECUTABLES.has(detected) && /^(image|audio|video|font)\//.test(declared)) return mismatch(detected);
  if (detection.recognises(declared)) {
    if (detected === undefined) return mismatch(head.length === 0 ? 'empty' : 'unrecognised bytes');
    return fits(declared, detected) ? undefined : mismatch(detected);
  }
  if (mode === 'strict' && !allowed.some((pattern) => matchesPattern(declared, pattern) || matchesPattern(expected, pattern))) {
    return mismatch(`unverifiable (the content check does not recognise ${expected})`);
  }
  return undefined;
}

function matchesPattern(type: string, pattern: string): boolean {
  const p = essenceOf(pattern);
  return p.endsWith('/*') ? type.startsWith(p.slice(0, -1)) : type === p;
}

/**
 * Markup at the start of the bytes: HTML by the WHATWG MIME sniffing patterns (after a byte order
 * mark and whitespace, a tag name followed by a space or ">", or a comment), SVG, or other XML.
 */
export function sniffMarkup(head: Uint8Array): 'text/html' | 'image/svg+xml' | 'application/xml' | undefined {
  const text = leadingText(head);
  if (text === undefined || !text.startsWith('<')) return undefined;
  if (HTML_START.test(text)) return 'text/html';
  if (SVG_START.test(text)) return 'image/svg+xml';
  if (/^<\?xml[\s?]/i.test(text)) {
    // Past the prolog, comments and doctype, the root element says which XML it is.
    const root = /<(?![?!])([A-Za-z_][\w.:-]*)/.exec(text);
    if (root?.[1]?.toLowerCase() === 'svg' || root?.[1]?.toLowerCase().endsWith(':svg')) return 'image/svg+xml';
    if (root?.[1]?.toLowerCase() === 'html') return 'text/html';
    return 'application/xml';
  }
  return undefined;
}

const HTML_START = /^(?:<!doctype html|<html|<head|<script|<iframe|<h1|<div|<font|<table|<a|<style|<title|<b|<body|<br|<p)[ >]|^<!--/i;
const SVG_START = /^(?:<svg[\s/>]|<!doctype svg[\s>])/i;

/** The first bytes as text (UTF-8, or UTF-16 after its BOM), BOM and leading whitespace dropped. */
function leadingText(head: Uint8Array): string | undefined {
  const slice = head.subarray(0, SNIFF_WINDOW);
  let encoding = 'utf-8';
  if (slice[0] === 0xfe && slice[1] === 0xff) encoding = 'utf-16be';
  else if (slice[0] === 0xff && slice[1] === 0xfe) encoding = 'utf-16le';
  let text: string;
  try {
    // TextDecoder drops the BOM of the encoding it decodes.
    text = new TextDecoder(encoding).decode(slice);
  } catch {
    return undefined;
  }
  return text.replace(/^[\t\n\f\r ]+/, '');
}

/** ELF, PE (MZ) and Mach-O (thin or fat) headers. */
export function sniffExecutable(head: Uint8Array): string | undefined {
  if (startsWith(head, [0x7f, 0x45, 0x4c, 0x46])) return 'application/x-elf';
  if (startsWith(head, [0x4d, 0x5a])) return 'application/x-msdownload';
  const magic = head.length >= 4 ? ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0 : 0;
  if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic)) return 'application/x-mach-binary';
  return undefined;
}

/**
 * Could the window be text: UTF-16 after its BOM, or valid UTF-8 (a sequence cut at the window's
 * end is fine) without control bytes other than tab, line breaks, form feed and escape.
 */
function isPlausibleText(head: Uint8Array): boolean {
  if ((head[0] === 0xfe && head[1] === 0xff) || (head[0] === 0xff && head[1] === 0xfe)) return true;
  for (const b of head) {
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b) || b === 0x7f) return false;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

function ascii(bytes: Uint8Array, at: number, text: string): boolean {
  return startsWith(
    bytes,
    [...text].map((c) => c.charCodeAt(0)),
    at,
  );
}

/** The client's small table: the formats people upload most, by their signatures. */
const SMALL_TABLE: readonly (readonly [type: string, test: (b: Uint8Array) => boolean])[] = [
  ['image/png', (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  ['image/jpeg', (b) => startsWith(b, [0xff, 0xd8, 0xff])],
  ['image/gif', (b) => ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')],
  ['image/webp', (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')],
  ['application/pdf', (b) => ascii(b, 0, '%PDF-')],
  ['application/zip', (b) => startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])],
  ['video/mp4', (b) => ascii(b, 4, 'ftyp') && !/^(avif|avis|heic|heix|hevc|hevx|mif1|msf1)$/.test(String.fromCharCode(...b.subarray(8, 12)))],
];

const SMALL_TABLE_TYPES = new Set(SMALL_TABLE.map(([type]) => type));

/** The small table as a detector: a zip-based document counts as recognised by its container. */
export function detectWithSmallTable(head: Uint8Array): Detection {
  const found = SMALL_TABLE.find(([, test]) => test(head));
  return {
    detected: found?.[0],
    recognises: (type) => SMALL_TABLE_TYPES.has(type) || isZipBased(type) || ISO_BMFF.includes(type),
  };
}
