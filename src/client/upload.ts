// uploadWithGrant: send one file the way its grant says, with progress, abort and retries.
// PUT: exactly the grant's headers (minus content-length, which browsers forbid and set), the file
// as the body. POST: the grant's form fields in their order, then the file as `file`.
// Retries: only when no answer came (network) or the storage had trouble (5xx, 429, SlowDown),
// with exponential backoff and jitter; a 4xx is an answer about this grant and is never retried.
import { checkFileContent } from './check-content.js';
import { UploadError } from './errors.js';
import { isRetryableStatus, mapProviderError } from './map-error.js';
import { isMultipartGrant, uploadMultipart, type MultipartClientGrant, type MultipartOptions, type MultipartUploadResult } from './multipart.js';
import { backoff, sleep } from './retry.js';
import { aborted, defaultTransport, NetworkFailure, sendWithFetch, sendWithXhr, type Answer, type PreparedRequest, type Transport } from './transport.js';

/** The parts of an upload grant the client needs (the `grant` an upload route answers fits, docs/routes.md). */
export interface ClientGrant {
  readonly method: 'PUT' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly fields?: Readonly<Record<string, string>>;
  /** ISO 8601; lets an authentication refusal after expiry read as "expired". */
  readonly expiresAt?: string;
  readonly constraints?: { readonly contentType?: string; readonly createOnly?: boolean; readonly minSize?: number; readonly maxSize?: number };
}

export interface UploadProgress {
  loaded: number;
  total: number;
  /** 0..1 */
  fraction: number;
  /** 1 for the first attempt; progress restarts at 0 on a retry. */
  attempt: number;
}

export interface UploadOptions {
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
  /** Extra attempts after a network failure or a 5xx (default 3). */
  retries?: number;
  /** First backoff in ms (default 500); doubles per retry, with jitter, up to maxRetryDelayMs. */
  retryDelayMs?: number;
  /** Default 10000. */
  maxRetryDelayMs?: number;
  /** File name for the POST form part when the blob is not a File (default "upload"). */
  filename?: string;
  /** `xhr` or `fetch`; by default XMLHttpRequest where it exists, else fetch. */
  transport?: 'xhr' | 'fetch';
  /**
   * Look at the file's first bytes before sending (checkFileContent) and throw
   * UploadError('content-mismatch') when they are not the granted type. Off by default; the
   * server's verifyUpload checks the content either way.
   */
  checkContent?: boolean;
}

export interface UploadResult {
  status: number;
  etag?: string;
  attempts: number;
}

export async function uploadWithGrant(grant: ClientGrant, blob: Blob, options?: UploadOptions): Promise<UploadResult>;
/** A multipart grant: parts in parallel (src/client/multipart.ts). */
export async function uploadWithGrant(grant: MultipartClientGrant, blob: Blob, options?: UploadOptions & MultipartOptions): Promise<MultipartUploadResult>;
export async function uploadWithGrant(grant: ClientGrant | MultipartClientGrant, blob: Blob, options: UploadOptions & MultipartOptions = {}): Promise<UploadResult> {
  if (options.checkContent) await refuseMismatchedContent(grant, blob);
  if (isMultipartGrant(grant)) return uploadMultipart(grant, blob, options);
  const { signal, onProgress } = options;
  const retries = Math.max(0, Math.floor(options.retries ?? 3));
  const transport = pickTransport(options.transport);
  let lastNetworkFailure: NetworkFailure | undefined;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw aborted(attempt - 1, signal.reason);
    const request = prepare(grant, blob, options.filename);
    let answer: Answer;
    try {
      answer = await transport(request, (loaded, total) => onProgress?.({ loaded, total, fraction: total > 0 ? Math.min(1, loaded / total) : 1, attempt }), signal);
    } catch (error) {
      if (error instanceof UploadError) throw new UploadError(error.code, { status: 0, attempts: attempt, cause: error.cause });
      if (signal?.aborted) throw aborted(attempt, error);
      lastNetworkFailure = error instanceof NetworkFailure ? error : new NetworkFailure(String(error), { cause: error });
      if (attempt > retries) throw new UploadError('network', { status: 0, attempts: attempt, providerMessage: lastNetworkFailure.message, cause: lastNetworkFailure });
      await sleep(backoff(attempt, options), signal, attempt);
      continue;
    }
    if (answer.status >= 200 && answer.status < 300) {
      onProgress?.({ loaded: blob.size, total: blob.size, fraction: 1, attempt });
      return { status: answer.status, attempts: attempt, ...(answer.etag ? { etag: answer.etag } : {}) };
    }
    const mapped = mapProviderError(answer, {
      createOnly: grant.constraints?.createOnly ?? isCreateOnly(grant),
      size: blob.size,
      ...(grant.expiresAt !== undefined ? { expiresAt: grant.expiresAt } : {}),
      ...(grant.constraints?.minSize !== undefined ? { minSize: grant.constraints.minSize } : {}),
      ...(grant.constraints?.maxSize !== undefined ? { maxSize: grant.constraints.maxSize } : {}),
    });
    if (isRetryableStatus(answer.status, mapped.providerCode) && attempt <= retries) {
      await sleep(backoff(attempt, options), signal, attempt);
      continue;
    }
    const details = { status: answer.status, attempts: attempt, ...(mapped.providerCode ? { providerCode: mapped.providerCode } : {}) };
    // After a lost answer, "exists" most likely means our own earlier attempt landed: say so.
    const note = mapped.code === 'exists' && lastNetworkFailure ? ' (an earlier attempt lost its answer and may have stored the file: verify it)' : '';
    const message = mapped.providerMessage || note ? `${mapped.providerMessage ?? ''}${note}`.trim() : undefined;
    throw new UploadError(mapped.code, { ...details, ...(message ? { providerMessage: message } : {}) });
  }
}

/** The granted type (constraints, else the signed header or form field) against the file's first bytes. */
async function refuseMismatchedContent(grant: ClientGrant | MultipartClientGrant, blob: Blob): Promise<void> {
  const single = grant as ClientGrant;
  const header = Object.entries(single.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const type = grant.constraints?.contentType ?? header ?? single.fields?.['Content-Type'] ?? single.fields?.['content-type'];
  if (type === undefined) return;
  const mismatch = await checkFileContent(blob, type);
  if (mismatch) throw new UploadError('content-mismatch', { status: 0, attempts: 0, providerMessage: `the file's first bytes are ${mismatch.actual}, not ${mismatch.expected}` });
}

function prepare(grant: ClientGrant, blob: Blob, filename: string | undefined): PreparedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(grant.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-length') continue;
    // The multipart body brings its own content-type (with the boundary).
    if (grant.method === 'POST' && lower === 'content-type') continue;
    headers[name] = value;
  }
  if (grant.method === 'PUT') return { method: 'PUT', url: grant.url, headers, body: blob, size: blob.size };
  const form = new FormData();
  for (const [name, value] of Object.entries(grant.fields ?? {})) form.append(name, value);
  // The file part carries the granted type: stores check it against the policy.
  const type = grant.constraints?.contentType ?? grant.fields?.['Content-Type'] ?? grant.fields?.['content-type'] ?? blob.type;
  const part = blob.type === type ? blob : new Blob([blob], { type });
  const name = typeof File === 'function' && blob instanceof File ? blob.name : (filename ?? 'upload');
  form.append('file', part, name);
  return { method: 'POST', url: grant.url, headers, body: form, size: blob.size };
}

function isCreateOnly(grant: ClientGrant): boolean {
  return Object.entries(grant.headers).some(([name, value]) => name.toLowerCase() === 'if-none-match' && value === '*');
}

export function pickTransport(choice: UploadOptions['transport']): Transport {
  if (choice === 'xhr') return sendWithXhr;
  if (choice === 'fetch') return sendWithFetch;
  return defaultTransport();
}
