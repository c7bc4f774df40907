// Sequential multipart grants: GCS resumable upload sessions. Every part continues one upload
// stream at one session URI, so parts go up one after another, in order, each as a PUT with
// `Content-Range: bytes <first>-<last>/<total>`. GCS answers 308 with `Range: bytes=0-<n>` (the
// bytes it holds) until the last part, which creates the object and answers 200 or 201.
//
// The storage, not the client, knows where the upload stands: before the first part and after any
// failure the client asks (`Content-Range: bytes */<total>`, no body) and sends from the first byte
// GCS does not hold. That offset may fall inside a part (GCS keeps the 256 KiB-aligned prefix of a
// chunk cut off mid-way), so a part is sent from there. Retries follow uploadWithGrant's rules:
// network failures, 5xx and 429 with backoff; another refusal is final.
import { UploadError } from './errors.js';
import { isRetryableStatus, mapProviderError } from './map-error.js';
import type { DonePart, MultipartClientGrant, MultipartOptions, MultipartUploadResult } from './multipart.js';
import { backoff, sleep } from './retry.js';
import { aborted, NetworkFailure, type Answer } from './transport.js';
import { pickTransport, type UploadOptions } from './upload.js';

export async function uploadSequential(grant: MultipartClientGrant, blob: Blob, options: UploadOptions & MultipartOptions = {}): Promise<MultipartUploadResult> {
  const { signal, onProgress } = options;
  const total = blob.size;
  const parts = [...grant.parts].sort((a, b) => a.offset - b.offset);
  const retries = Math.max(0, Math.floor(options.retries ?? 3));
  const transport = pickTransport(options.transport);
  const done = new Map<number, DonePart>();
  let attempts = 0;
  let failures = 0;
  let persisted = 0;
  let status = 200;
  let etag: string | undefined;

  const report = (inFlight: number) => onProgress?.({ loaded: persisted + inFlight, total, fraction: total > 0 ? Math.min(1, (persisted + inFlight) / total) : 1, attempt: failures + 1 });
  const send = async (url: string, headers: Record<string, string>, body: Blob): Promise<Answer> => {
    attempts++;
    return transport({ method: 'PUT', url, headers, body, size: body.size }, (loaded) => report(loaded), signal);
  };
  /** Parts now wholly held by the storage are done; the app hears of each once. */
  const settle = () => {
    for (const part of parts) {
      if (done.has(part.number) || part.offset + part.size > persisted) continue;
      const finished = { number: part.number, etag: persisted === total && etag ? etag : '' };
      done.set(part.number, finished);
      options.onPartDone?.(finished, [...done.values()].sort((a, b) => a.number - b.number));
    }
  };
  /** A refusal: final unless the storage had trouble and retries are left. */
  const refusal = (answer: Answer, size: number): UploadError | undefined => {
    const mapped = mapProviderError(answer, { size, ...(grant.expiresAt ? { expiresAt: grant.expiresAt } : {}) });
    if (isRetryableStatus(answer.status, mapped.providerCode) && failures < retries) return undefined;
    return new UploadError(mapped.code, { status: answer.status, attempts, ...(mapped.providerCode ? { providerCode: mapped.providerCode } : {}), ...(mapped.providerMessage ? { providerMessage: mapped.providerMessage } : {}) });
  };
  const failed = async (error?: unknown) => {
    if (signal?.aborted) throw aborted(attempts, signal.reason);
    failures++;
    if (failures > retries) {
      const message = error instanceof Error ? error.message : 'the storage took no bytes in several attempts';
      throw new UploadError('network', { status: 0, attempts, providerMessage: message, ...(error === undefined ? {} : { cause: error }) });
    }
    await sleep(backoff(failures, options), signal, attempts);
  };

  try {
    let known = false;
    while (persisted < total) {
      const part = parts.find((p) => persisted < p.offset + p.size);
      if (!part) throw new UploadError('unknown', { status: 0, attempts, providerMessage: `no part of the grant covers byte ${persisted}` });
      let answer: Answer;
      try {
        if (!known) {
          // Where does the session stand? (first part, or after a failure)
          answer = await send(part.url, { 'content-range': `bytes */${total}` }, new Blob([]));
        } else {
          const end = part.offset + part.size;
          const headers = { ...part.headers, 'content-range': `bytes ${persisted}-${end - 1}/${total}` };
          answer = await send(part.url, headers, blob.slice(persisted, end));
        }
      } catch (error) {
        if (error instanceof UploadError) throw error; // aborted
        await failed(error instanceof NetworkFailure ? error : new NetworkFailure(String(error), { cause: error }));
        known = false;
        continue;
      }
      if (answer.status === 308) {
        const held = heldBytes(answer.range);
        if (held === undefined || held > total) throw new UploadError('unknown', { status: 308, attempts, providerMessage: `unreadable Range "${answer.range ?? ''}" (is Range exposed by the bucket's CORS rules?)` });
        const progressed = held > persisted || !known;
        persisted = Math.max(persisted, held);
        settle();
        report(0);
        if (progressed) {
          if (known) failures = 0;
          known = true;
          continue;
        }
        // A part went up and the storage kept none of it: count it as a failure and ask again.
        await failed();
        known = false;
        continue;
      }
      if (answer.status === 200 || answer.status === 201) {
        status = answer.status;
        etag = answer.etag;
        persisted = total;
        settle();
        report(0);
        break;
      }
      const final = refusal(answer, blob.size);
      if (final) throw final;
      await failed();
      known = false;
    }
  } catch (error) {
    if (error instanceof UploadError && error.code === 'aborted' && options.abortOnServer) await options.abortOnServer();
    throw error;
  }
  return { status, attempts, ...(etag ? { etag } : {}), parts: [...done.values()].sort((a, b) => a.number - b.number) };
}

/** `bytes=0-<last>` -> last + 1; no header -> 0; anything else -> undefined. */
function heldBytes(range: string | undefined): number | undefined {
  if (range === undefined || range === '') return 0;
  const match = /^bytes=0-(\d+)$/.exec(range.trim());
  return match ? Number(match[1]) + 1 : undefined;
}
