// The bucket CORS rules browser uploads need, for `upgrant cors`. GCS uses one list,
// responseHeader, both to allow request headers and to expose response headers.
import type { CorsApplier, CorsResult } from '../driver.js';
import { validateCorsOrigins } from '../../src/http-values.js';
import { makeStorage } from './factory.js';
import type { GcsDriverOptions } from './options.js';

/**
 * Headers a grant makes the browser send, and the ones it may want to read back: content-range
 * goes with every chunk of a resumable session, and range says how much of it GCS holds.
 */
export const CORS_HEADERS = ['content-type', 'content-md5', 'x-goog-content-length-range', 'x-goog-if-generation-match', 'x-goog-meta-upgrant-record', 'content-range', 'etag', 'x-goog-generation', 'x-goog-hash', 'range'];

/** The rules applyCors stores, for these origins (validated: validateCorsOrigins). */
export function corsRules(origins: readonly string[]) {
  return [{ origin: [...origins], method: ['PUT', 'POST', 'GET', 'HEAD'], responseHeader: CORS_HEADERS, maxAgeSeconds: 3600 }];
}

export const applyCors: CorsApplier<GcsDriverOptions> = async (options: GcsDriverOptions, origins: readonly string[]): Promise<CorsResult> => {
  const rules = corsRules(validateCorsOrigins(origins));
  const storage = await makeStorage(options);
  await storage.bucket(options.bucket).setCorsConfiguration(rules);
  return { provider: 'gcs', bucket: options.bucket, rules };
};
