// Options of the S3 driver (AWS S3 and S3-compatible stores): the plain ones, plus an SDK client
// that only `upgrant/s3` accepts (its types need @aws-sdk/client-s3).
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from './config.js';

export type { S3Config, S3Credentials } from './config.js';

export interface S3DriverOptions extends S3Config {
  /** An existing client to use for head/read/delete and credentials. */
  client?: S3Client;
}
