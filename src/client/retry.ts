// Waiting between attempts: exponential backoff with jitter, cut short by the caller's abort.
import { aborted } from './transport.js';

/** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
export function backoff(attempt: number, options: { retryDelayMs?: number; maxRetryDelayMs?: number } = {}): number {
  const base = options.retryDelayMs ?? 500;
  const cap = options.maxRetryDelayMs ?? 10_000;
  const delay = Math.min(cap, base * 2 ** (attempt - 1));
  return delay / 2 + Math.random() * (delay / 2);
}

/** Resolves after `ms`; rejects with UploadError('aborted') as soon as the signal fires. */
export function sleep(ms: number, signal: AbortSignal | undefined, attempts: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(attempts, signal.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted(attempts, signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
