// The local driver's bucket-name rule and registration, from plain values only (the options type
// is in options.ts: it names no SDK either).
import path from 'node:path';
import type { DriverRegistration } from '../driver.js';
import { loadBuiltIn } from '../../src/driver-registry.js';
import { ConfigError } from '../../src/errors.js';
import { readUrl, value, type Env } from '../../src/env-values.js';
import type { LocalDriverOptions } from './options.js';

export const DEFAULT_LOCAL_BUCKET = 'local';
export const DEFAULT_LOCAL_ROOT = './uploads';

/**
 * A bucket is a directory under `root` and a path segment of every URL: 3-63 lower-case letters,
 * digits, "." and "-", starting and ending with a letter or digit, no "..", so it means the same
 * on every file system and needs no escaping.
 */
export function localBucketName(name: string): string | undefined {
  if (/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..')) return undefined;
  return 'must be 3-63 characters of a-z, 0-9, "." and "-", starting and ending with a letter or digit';
}

/**
 * The directory (UPGRANT_LOCAL_ROOT) and the receiver's URL (UPGRANT_PUBLIC_URL): required, as only
 * the deployment knows where clients reach its receiver (the CLI fills in the demo server's).
 */
export function localOptionsFromEnv(env: Env): Partial<LocalDriverOptions> {
  const baseUrl = readUrl(env, 'UPGRANT_PUBLIC_URL');
  if (baseUrl === undefined) throw new ConfigError('UPGRANT_PUBLIC_URL', "is required on the local provider: the receiver's URL as clients reach it, e.g. http://127.0.0.1:8787/storage");
  return { root: path.resolve(value(env, 'UPGRANT_LOCAL_ROOT') ?? DEFAULT_LOCAL_ROOT), baseUrl };
}

export const localDriver: DriverRegistration<LocalDriverOptions> = {
  name: 'local',
  bucketName: localBucketName,
  defaultBucket: DEFAULT_LOCAL_BUCKET,
  devSecret: true,
  embeddedReceiver: true,
  optionsFromEnv: localOptionsFromEnv,
  load: () => loadBuiltIn<LocalDriverOptions>('local', '../drivers/local/index.js'),
};
