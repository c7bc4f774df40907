// One HTTP attempt at an upload. Browsers get XMLHttpRequest, the only API with upload progress
// events; elsewhere (Node >= 20, workers) fetch, with the body streamed through a counter when the
// caller wants progress. Either way: the status and body of any answer, NetworkFailure when none
// came, UploadError('aborted') when the caller's signal fired.
import { UploadError } from './errors.js';

export interface PreparedRequest {
  method: 'PUT' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: Blob | FormData;
  /** Bytes of the file, for progress when the transport cannot tell. */
  size: number;
}

export interface Answer {
  status: number;
  body: string;
  errorCodeHeader: string | undefined;
  etag: string | undefined;
  /** The Range header of a 308 from a GCS upload session: the bytes it holds. */
  range: string | undefined;
}

const PIECE = 256 * 1024;

export type ProgressSink = (loaded: number, total: number) => void;
export type Transport = (request: PreparedRequest, onProgress: ProgressSink, signal: AbortSignal | undefined) => Promise<Answer>;

/** No answer from the storage: DNS, refused or reset connection, CORS refusal, timeout. */
export class NetworkFailure extends Error {
  override readonly name = 'NetworkFailure';
}

export function aborted(attempts: number, cause?: unknown): UploadError {
  return new UploadError('aborted', { status: 0, attempts, ...(cause === undefined ? {} : { cause }) });
}

export function defaultTransport(): Transport {
  return typeof XMLHttpRequest === 'function' ? sendWithXhr : sendWithFetch;
}

export const sendWithXhr: Transport = (request, onProgress, signal) =>
  new Promise<Answer>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    const done = () => signal?.removeEventListener('abort', onAbort);
    xhr.open(request.method, request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : request.size);
    xhr.onload = () => {
      done();
      // Only headers the storage's CORS rules expose are readable; reading others logs errors.
      const exposed = parseHeaderBlock(xhr.getAllResponseHeaders());
      resolve({ status: xhr.status, body: xhr.responseText, errorCodeHeader: exposed['x-ms-error-code'], etag: exposed['etag'], range: exposed['range'] });
    };
    xhr.onerror = () => {
      done();
      reject(new NetworkFailure('the browser got no usable answer (connection failed, or the storage sent no CORS headers)'));
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      done();
      reject(aborted(1));
    };
    if (signal?.aborted) {
      reject(aborted(1));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    xhr.send(request.body);
  });

export const sendWithFetch: Transport = async (request, onProgress, signal) => {
  let body: BodyInit = request.body;
  const headers = { ...request.headers };
  if (request.body instanceof Blob) {
    // A counting stream gives progress; the explicit length keeps the request un-chunked, which
    // S3 and Azure require for a PUT.
    let loaded = 0;
    const total = request.body.size;
    body = request.body.stream().pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          // Blobs in memory come out as one chunk: pass them on in pieces so progress moves.
          for (let at = 0; at < chunk.byteLength; at += PIECE) {
            const piece = chunk.subarray(at, at + PIECE);
            loaded += piece.byteLength;
            onProgress(loaded, total);
            controller.enqueue(piece);
          }
        },
      }),
    );
    headers['content-length'] = String(total);
  }
  let response: Response;
  try {
    response = await fetch(request.url, { method: request.method, headers, body, signal: signal ?? null, duplex: 'half' } as RequestInit);
  } catch (error) {
    if (signal?.aborted) throw aborted(1, error);
    throw new NetworkFailure(`no answer from the storage: ${describe(error)}`, { cause: error });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (signal?.aborted) throw aborted(1, error);
    text = '';
  }
  if (request.body instanceof FormData) onProgress(request.size, request.size);
  return { status: response.status, body: text, errorCodeHeader: response.headers.get('x-ms-error-code') ?? undefined, etag: response.headers.get('etag') ?? undefined, range: response.headers.get('range') ?? undefined };
};

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return [error instanceof Error ? error.message : String(error), cause?.code ?? cause?.message].filter(Boolean).join(': ');
}

function parseHeaderBlock(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.trim().split(/[\r\n]+/)) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}
