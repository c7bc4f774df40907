// The bucket CORS rules browser uploads need: PUT and POST from the given origins, the request
// headers PUT grants carry, and ETag exposed so a page can read it back.
import { PutBucketCorsCommand, type CORSRule } from '@aws-sdk/client-s3';
import type { CorsResult } from '../driver.js';
import { ConfigError, InvalidRequestError } from '../../src/errors.js';
import { wrapDriverError } from '../../src/wrap-driver-error.js';
import { codeOf, configProblemOf } from './errors.js';
import type { S3DriverOptions } from './options.js';
import { resolveSettings } from './settings.js';

/** Request headers a PUT grant makes the browser send (content-length is set by the browser). */
export const GRANT_HEADERS = ['content-type', 'content-md5', 'x-amz-checksum-sha256', 'if-none-match', 'x-amz-meta-upgrant-record-*'] as const;

/** The rules applyCors stores, for these origins. */
export function corsRules(origins: readonly string[]): CORSRule[] {
  if (!Array.isArray(origins) || origins.length === 0) throw new InvalidRequestError('origin', 'give at least one origin');
  const checked = origins.map(checkOrigin);
  return [
    {
      ID: 'upgrant-uploads',
      AllowedMethods: ['PUT', 'POST'],
      AllowedOrigins: checked,
      AllowedHeaders: [...GRANT_HEADERS],
      ExposeHeaders: ['ETag'],
      MaxAgeSeconds: 3000,
    },
  ];
}

/** Implements CorsApplier: replaces the bucket's CORS configuration with the upload rules. */
export async function applyCors(options: S3DriverOptions, origins: readonly string[]): Promise<CorsResult> {
  const rules = corsRules(origins);
  const settings = await resolveSettings(options);
  if (!settings.compat.bucketCors) {
    if (settings.ownsClient) settings.client.destroy();
    throw new ConfigError('UPGRANT_S3_COMPAT', `the ${settings.compat.name} profile has no S3 bucket CORS API (PutBucketCors): set CORS in the store's own configuration`);
  }
  try {
    await settings.client.send(new PutBucketCorsCommand({ Bucket: settings.bucket, CORSConfiguration: { CORSRules: rules } }));
  } catch (error) {
    // applyCors runs outside a presigner (the CLI): wrap the SDK's error here, as src/ would.
    throw wrapDriverError({ name: 's3', bucket: settings.bucket, errorCode: codeOf, configProblem: (e) => configProblemOf(e, settings.bucket) }, 'apply CORS', undefined, error);
  } finally {
    if (settings.ownsClient) settings.client.destroy();
  }
  return { provider: 's3', bucket: settings.bucket, rules: { CORSRules: rules } };
}

/** An origin is scheme://host[:port] exactly, as browsers send it in the Origin header. */
function checkOrigin(origin: string): string {
  if (origin === '*') return origin;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new InvalidRequestError('origin', `"${origin}" is not a URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin.replace(/\/$/, '')) {
    throw new InvalidRequestError('origin', `"${origin}" must be an origin like https://app.example.com (no path, query or trailing parts)`);
  }
  return url.origin;
}
