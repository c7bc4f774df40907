// Resolves S3DriverOptions into the settings the driver and the CORS helper share, and builds the
// SDK client used for head/read/delete and CORS. The options are all there is: the AWS variables
// (AWS_REGION, AWS_ENDPOINT_URL_S3, ...) are read by src/config.ts into them, never here.
import { S3Client } from '@aws-sdk/client-s3';
import { checkBucketName } from '../../src/env-values.js';
import { ConfigError } from '../../src/errors.js';
import { s3BucketName } from './config.js';
import { isS3CompatName, resolveS3Compat, S3_COMPAT_NAMES, type S3CompatProfile } from './compat.js';
import { checkCredentials } from './credentials.js';
import { S3Endpoint } from './endpoint.js';
import type { S3DriverOptions } from './options.js';

export interface S3Settings {
  readonly bucket: string;
  readonly region: string;
  readonly endpoint: S3Endpoint;
  readonly client: S3Client;
  /** What the store enforces: the UPGRANT_S3_COMPAT profile with the individual switches applied. */
  readonly compat: S3CompatProfile;
  /** False when the client was passed in: the caller owns (and destroys) it. */
  readonly ownsClient: boolean;
}

export async function resolveSettings(options: S3DriverOptions): Promise<S3Settings> {
  const bucket = checkBucketName(s3BucketName, options?.bucket);
  if (options.credentials !== undefined) checkCredentials(options.credentials);
  if (options.compat !== undefined && !isS3CompatName(options.compat)) {
    throw new ConfigError('UPGRANT_S3_COMPAT', `"${String(options.compat)}" is not an S3-compatible profile; expected one of ${S3_COMPAT_NAMES.join(', ')}`);
  }
  const compat = resolveS3Compat(options);

  const region = options.region ?? (options.client ? await options.client.config.region() : undefined) ?? 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region)) throw new ConfigError('AWS_REGION', `"${region}" is not an AWS region name`);
  const endpointUrl = options.endpoint;
  const endpoint = new S3Endpoint({
    bucket,
    region,
    ...(endpointUrl !== undefined ? { endpoint: endpointUrl } : {}),
    ...(options.forcePathStyle !== undefined ? { forcePathStyle: options.forcePathStyle } : {}),
  });

  if (options.client) return { bucket, region, endpoint, client: options.client, ownsClient: false, compat };
  const client = new S3Client({
    region,
    // Always explicit: left out, the SDK would read AWS_ENDPOINT_URL_S3 from the process
    // environment, and its requests would go elsewhere than the grants.
    endpoint: endpointUrl ?? endpoint.base,
    forcePathStyle: endpoint.pathStyle,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // The SDK's default checksum middleware adds CRC32 headers (and sends stream bodies
    // aws-chunked with a trailing checksum, which Ceph RGW answers with 411); compatible stores
    // reject or ignore them. upgrant's clients never upload bytes, and verifyUpload does its own
    // comparisons: checksums only where an operation requires one (DeleteObjects, PutBucketCors).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { bucket, region, endpoint, client, ownsClient: true, compat };
}
