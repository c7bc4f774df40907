// Checksums of a file, in the browser or Node, as base64 of the raw digest (what grants take).
// SHA-256: WebCrypto, which is native and fast but has no incremental API, so it needs the whole
// file in memory; above `streamAbove` bytes (default 64 MiB) the file is read in 1 MiB slices through
// hash-wasm instead. MD5: WebCrypto has none, so always hash-wasm, streamed.
// hash-wasm is an optional peer dependency, imported only when needed: one small, maintained,
// dependency-free package that does both incremental SHA-256 and MD5 (WebAssembly, MIT).

export interface ChecksumOptions {
  /** Called as chunks are hashed (streamed hashing only). */
  onProgress?: (hashed: number, total: number) => void;
  signal?: AbortSignal;
  /** SHA-256 only: files larger than this are streamed instead of read whole (default 64 MiB). */
  streamAbove?: number;
}

const DEFAULT_STREAM_ABOVE = 64 * 1024 * 1024;

interface IncrementalHasher {
  init(): unknown;
  update(data: Uint8Array): unknown;
  digest(format: 'binary'): Uint8Array;
}

export async function sha256Base64(blob: Blob, options: ChecksumOptions = {}): Promise<string> {
  if (blob.size <= (options.streamAbove ?? DEFAULT_STREAM_ABOVE)) {
    options.signal?.throwIfAborted();
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    options.onProgress?.(blob.size, blob.size);
    return toBase64(new Uint8Array(digest));
  }
  const { createSHA256 } = await loadHashWasm('sha256Base64 of a file over the streaming threshold');
  return streamDigest(await createSHA256(), blob, options);
}

export async function md5Base64(blob: Blob, options: ChecksumOptions = {}): Promise<string> {
  const { createMD5 } = await loadHashWasm('md5Base64');
  return streamDigest(await createMD5(), blob, options);
}

/** Read in slices: bounded memory everywhere (a File slice is read lazily) and steady progress. */
const SLICE = 1024 * 1024;

async function streamDigest(hasher: IncrementalHasher, blob: Blob, options: ChecksumOptions): Promise<string> {
  hasher.init();
  for (let offset = 0; offset < blob.size; offset += SLICE) {
    options.signal?.throwIfAborted();
    const end = Math.min(blob.size, offset + SLICE);
    hasher.update(new Uint8Array(await blob.slice(offset, end).arrayBuffer()));
    options.onProgress?.(end, blob.size);
  }
  options.signal?.throwIfAborted();
  return toBase64(hasher.digest('binary'));
}

async function loadHashWasm(what: string): Promise<typeof import('hash-wasm')> {
  try {
    return await import('hash-wasm');
  } catch (error) {
    throw new Error(`${what} needs the optional package hash-wasm (npm install hash-wasm; in a page without a bundler, map "hash-wasm" in an import map)`, { cause: error });
  }
}

/** Base64 without Buffer, so the module runs in browsers. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
