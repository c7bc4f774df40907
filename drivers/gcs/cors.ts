// The bucket CORS rules browser uploads need, for `upgrant cors`. GCS uses one list,
// responseHeader, both to allow request headers and to expose response headers.
import type { CorsApplier, CorsResult } from '../driver.js';
import { ConfigError } from '../../src/errors.js';
import { makeStorage } from './factory.js';
import type { GcsDriverOptions } from './options.js';

/**
 * Headers a grant makes the browser send, and the ones it may want to read back: content-range
 * goes with every chunk of a resumable session, and range says how much of it GCS holds.
 */
export const CORS_HEADERS = ['content-type', 'content-md5', 'x-goog-content-length-range', 'x-goog-if-generation-match', 'x-goog-meta-upgrant-record', 'content-range', 'etag', 'x-goog-generation', 'x-goog-hash', 'range'];

export function corsRules(origins: readonly string[]) {
  return [{ origin: [...origins], method: ['PUT', 'POST', 'GET', 'HEAD'], responseHeader: CORS_HEADERS, maxAgeSeconds: 3600 }];
}

export const applyCors: CorsApplier<GcsDriverOptions> = async (options: GcsDriverOptions, origins: readonly string[]): Promise<CorsResult> => {
  if (origins.length === 0) throw new ConfigError('origins', 'give at least one origin (e.g. https://app.example.com)');
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError('origins', `"${origin}" is not an origin (scheme://host[:port])`);
  }
  const storage = await makeStorage(options);
  const rules = corsRules(origins);
  await storage.bucket(options.bucket).setCorsConfiguration(rules);
  return { provider: 'gcs', bucket: options.bucket, rules };
};
