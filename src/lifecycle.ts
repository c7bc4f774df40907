// Bucket lifecycle rules for the staging prefix (`upgrant lifecycle`, presigner.applyLifecycleRules):
// a backstop that makes the storage itself delete staged objects nobody verified or swept, and
// abort multipart uploads left incomplete. Validation and defaults here; drivers only speak their
// provider's rule dialect (drivers/<name>/lifecycle.ts).
import type { Driver, LifecycleResult } from '../drivers/driver.js';
import { InvalidRequestError } from './errors.js';
import { wrapDriverError } from './wrap-driver-error.js';
import { DEFAULT_STAGING_PREFIX } from './staging-prefix.js';

export interface LifecycleOptions {
  /** Delete staged objects this many days after they were written (default 7, the longest grant). */
  days?: number;
  /** Abort multipart uploads under the prefix left incomplete this many days (default: `days`). */
  abortIncompleteMultipartDays?: number;
  /** The staging prefix (default: the presigner's, UPGRANT_STAGING_PREFIX, else DEFAULT_STAGING_PREFIX). */
  prefix?: string;
}

export const DEFAULT_LIFECYCLE_DAYS = 7;
/** Lifecycle rules count whole days; 100 years is more than any store needs. */
const MAX_DAYS = 36_500;

function days(value: unknown, field: string, atLeast: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_DAYS) {
    throw new InvalidRequestError(field, `must be a whole number of days from 1 to ${MAX_DAYS}`);
  }
  // A rule that deletes a staged upload while its grant still runs would lose a valid upload
  // before the client could report it or a sweep could promote it.
  if (value < atLeast) throw new InvalidRequestError(field, `must be at least ${atLeast}: grants here last up to ${atLeast} day(s), and a staged upload must outlive its grant`);
  return value;
}

/**
 * Apply the staging-prefix rule on the driver's bucket. `maxExpiresIn` is the presigner's longest
 * grant, in seconds: the rule never deletes before that. `stagingPrefix` is the prefix the
 * presigner stages uploads under, the rule's prefix unless the options name another.
 */
export async function applyLifecycleRules(driver: Driver, options: LifecycleOptions = {}, maxExpiresIn: number, stagingPrefix = DEFAULT_STAGING_PREFIX): Promise<LifecycleResult> {
  if (typeof options !== 'object' || options === null) throw new InvalidRequestError('options', 'must be an object');
  const minimum = Math.max(1, Math.ceil(maxExpiresIn / 86_400));
  const ruleDays = days(options.days ?? Math.max(DEFAULT_LIFECYCLE_DAYS, minimum), 'days', minimum);
  const abortDays = days(options.abortIncompleteMultipartDays ?? ruleDays, 'abortIncompleteMultipartDays', minimum);
  const prefix = options.prefix ?? stagingPrefix;
  if (typeof prefix !== 'string' || prefix === '' || prefix === '/' || !prefix.endsWith('/') || prefix.startsWith('/')) {
    throw new InvalidRequestError('prefix', 'must be a key prefix ending with "/" (the staging prefix)');
  }
  if (!driver.lifecycle) {
    return {
      kind: 'none',
      provider: driver.name,
      bucket: driver.bucket,
      instructions: 'This store has no lifecycle rules. Run `upgrant sweep` on a schedule (e.g. hourly from cron): it promotes valid staged uploads, deletes the rest and aborts stale multipart uploads.',
    };
  }
  try {
    return await driver.lifecycle.apply({ prefix, days: ruleDays, abortIncompleteMultipartDays: abortDays });
  } catch (error) {
    throw wrapDriverError(driver, 'apply lifecycle rules', undefined, error);
  }
}
