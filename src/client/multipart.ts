// Multipart grants in upgrant/client: the file's parts go up in parallel (one after another for
// a sequential grant: sequential.ts), each the exact slice its part URL names, each through
// uploadWithGrant (so each part has its own retries with backoff).
// Progress is reported over the whole file. Parts already done (from an earlier page load, kept by
// the app through onPartDone) are skipped, so an upload resumes where it stopped while the grant's
// URLs are valid. Aborting cancels the parts in flight and, when the app gives `abortOnServer`,
// discards the upload on the server too; a failed part cancels the others but keeps the upload, so
// it can be resumed.
import { UploadError } from './errors.js';
import { uploadSequential } from './sequential.js';
import { aborted } from './transport.js';
import { uploadWithGrant, type UploadOptions, type UploadResult } from './upload.js';

/** A part as the grant lists it. */
export interface ClientPartGrant {
  readonly number: number;
  readonly method: 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly offset: number;
  readonly size: number;
}

/** The parts of a multipart grant the client needs (the `grant` an upload route answers fits, docs/routes.md). */
export interface MultipartClientGrant {
  readonly kind: 'multipart';
  readonly parts: readonly ClientPartGrant[];
  /** Parts must go up one after another, in order (GCS resumable sessions: src/client/sequential.ts). */
  readonly sequential?: boolean;
  readonly expiresAt?: string;
  readonly constraints?: { readonly contentType?: string; readonly minSize?: number; readonly maxSize?: number };
}

/** A part the storage has: what a route's `complete` endpoint takes. */
export interface DonePart {
  readonly number: number;
  /** The part answer's ETag ('' where the storage gives none, e.g. Azure Put Block). */
  readonly etag: string;
}

export interface MultipartOptions {
  /** Parts sent at once (default 4). */
  concurrency?: number;
  /** Parts already sent, e.g. saved by onPartDone before a reload: they are not sent again. */
  done?: readonly DonePart[];
  /** After each part: save `done` (with the grant) to resume after a reload or network loss. */
  onPartDone?: (part: DonePart, done: readonly DonePart[]) => void;
  /** Called once the signal aborts, after the parts in flight stopped: e.g. POST /api/uploads/abort. */
  abortOnServer?: () => Promise<unknown>;
}

/** `status` is the last part's; `attempts` counts every part request. */
export interface MultipartUploadResult extends UploadResult {
  /** Every part, in order: hand them to the server's completion (POST /api/uploads/complete). */
  readonly parts: readonly DonePart[];
}

export function isMultipartGrant(grant: unknown): grant is MultipartClientGrant {
  return typeof grant === 'object' && grant !== null && (grant as { kind?: unknown }).kind === 'multipart';
}

export async function uploadMultipart(grant: MultipartClientGrant, blob: Blob, options: UploadOptions & MultipartOptions = {}): Promise<MultipartUploadResult> {
  const covered = grant.parts.reduce((sum, p) => sum + p.size, 0);
  if (covered !== blob.size) throw new UploadError(covered < blob.size ? 'too-large' : 'too-small', { status: 0, attempts: 0 });
  if (grant.sequential) return uploadSequential(grant, blob, options);
  const { signal, onProgress } = options;
  const done = new Map<number, DonePart>();
  for (const part of options.done ?? []) if (grant.parts.some((p) => p.number === part.number)) done.set(part.number, part);

  // One controller for all parts: the caller's abort and a failed part both stop the rest.
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const inFlight = new Map<number, number>();
  let doneBytes = grant.parts.filter((p) => done.has(p.number)).reduce((sum, p) => sum + p.size, 0);
  const report = () => {
    let loaded = doneBytes;
    for (const bytes of inFlight.values()) loaded += bytes;
    onProgress?.({ loaded, total: blob.size, fraction: blob.size > 0 ? Math.min(1, loaded / blob.size) : 1, attempt: 1 });
  };
  report();

  const queue = grant.parts.filter((p) => !done.has(p.number));
  let attempts = 0;
  let status = 200;
  let failure: unknown;
  const worker = async () => {
    for (let part = queue.shift(); part && failure === undefined && !stop.signal.aborted; part = queue.shift()) {
      const partGrant = { method: 'PUT' as const, url: part.url, headers: part.headers, ...(grant.expiresAt ? { expiresAt: grant.expiresAt } : {}), constraints: { minSize: part.size, maxSize: part.size } };
      const number = part.number;
      try {
        const result = await uploadWithGrant(partGrant, blob.slice(part.offset, part.offset + part.size), {
          ...options,
          signal: stop.signal,
          onProgress: (p) => {
            inFlight.set(number, p.loaded);
            report();
          },
        });
        attempts += result.attempts;
        status = result.status;
        inFlight.delete(number);
        doneBytes += part.size;
        const finished = { number, etag: result.etag ?? '' };
        done.set(number, finished);
        report();
        options.onPartDone?.(finished, sorted(done));
      } catch (error) {
        inFlight.delete(number);
        if (failure === undefined) failure = error;
        stop.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.floor(options.concurrency ?? 4)) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) {
    if (options.abortOnServer) await options.abortOnServer();
    throw aborted(attempts, signal.reason);
  }
  if (failure !== undefined) throw failure;
  return { status, attempts, parts: sorted(done) };
}

function sorted(done: Map<number, DonePart>): DonePart[] {
  return [...done.values()].sort((a, b) => a.number - b.number);
}
