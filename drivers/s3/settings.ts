// Resolves S3DriverOptions into the settings the driver and the CORS helper share, reading the AWS
// SDK's own environment names where an option is absent (AWS_REGION, AWS_ENDPOINT_URL_S3), and
// builds the SDK client used for head/read/delete and CORS.
import { S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../../src/errors.js';
import { checkCredentials } from './credentials.js';
import { S3Endpoint } from './endpoint.js';
import type { S3DriverOptions } from './options.js';

export interface S3Settings {
  readonly bucket: string;
  readonly region: string;
  readonly endpoint: S3Endpoint;
  readonly client: S3Client;
  /** False when the client was passed in: the caller owns (and destroys) it. */
  readonly ownsClient: boolean;
}

// S3's rules for bucket names, loosened to what older buckets and compatible stores accept.
const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;

export async function resolveSettings(options: S3DriverOptions, env: NodeJS.ProcessEnv = process.env): Promise<S3Settings> {
  const bucket = options?.bucket;
  if (typeof bucket !== 'string' || bucket === '') throw new ConfigError('UPGRANT_BUCKET', 'the S3 bucket name is missing');
  if (!BUCKET_NAME.test(bucket)) throw new ConfigError('UPGRANT_BUCKET', `"${bucket}" is not a valid S3 bucket name`);
  if (options.credentials !== undefined) checkCredentials(options.credentials);

  const region = options.region ?? (options.client ? await options.client.config.region() : undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region)) throw new ConfigError('AWS_REGION', `"${region}" is not an AWS region name`);
  const endpointUrl = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const endpoint = new S3Endpoint({
    bucket,
    region,
    ...(endpointUrl !== undefined ? { endpoint: endpointUrl } : {}),
    ...(options.forcePathStyle !== undefined ? { forcePathStyle: options.forcePathStyle } : {}),
  });

  if (options.client) return { bucket, region, endpoint, client: options.client, ownsClient: false };
  const client = new S3Client({
    region,
    ...(endpointUrl !== undefined ? { endpoint: endpointUrl } : {}),
    forcePathStyle: endpoint.pathStyle,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // The SDK's default checksum middleware would add CRC32 headers that some compatible stores
    // reject; the driver never uploads, and verifyUpload does its own comparisons.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { bucket, region, endpoint, client, ownsClient: true };
}
