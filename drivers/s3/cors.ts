// The bucket CORS rules browser uploads need: PUT and POST from the given origins, the request
// headers PUT grants carry, and ETag exposed so a page can read it back.
import { PutBucketCorsCommand, type CORSRule } from '@aws-sdk/client-s3';
import type { CorsResult } from '../driver.js';
import { ConfigError } from '../../src/errors.js';
import { validateCorsOrigins } from '../../src/http-values.js';
import { wrapDriverError } from '../../src/wrap-driver-error.js';
import { codeOf, configProblemOf } from './errors.js';
import type { S3DriverOptions } from './options.js';
import { resolveSettings } from './settings.js';

/** Request headers a PUT grant makes the browser send (content-length is set by the browser). */
export const GRANT_HEADERS = ['content-type', 'content-md5', 'x-amz-checksum-sha256', 'if-none-match', 'x-amz-meta-upgrant-record-*'] as const;

/** The rules applyCors stores, for these origins (validated: validateCorsOrigins). */
export function corsRules(origins: readonly string[]): CORSRule[] {
  return [
    {
      ID: 'upgrant-uploads',
      AllowedMethods: ['PUT', 'POST'],
      AllowedOrigins: [...origins],
      AllowedHeaders: [...GRANT_HEADERS],
      ExposeHeaders: ['ETag'],
      MaxAgeSeconds: 3000,
    },
  ];
}

/** Implements CorsApplier: replaces the bucket's CORS configuration with the upload rules. */
export async function applyCors(options: S3DriverOptions, origins: readonly string[]): Promise<CorsResult> {
  const rules = corsRules(validateCorsOrigins(origins));
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
