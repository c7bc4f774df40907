// Helpers shared by the S3 tests: driver options for Ceph RGW and Swift (their UPGRANT_S3_COMPAT
// profiles), an SDK client on an emulator, URL edits for the attacks, and reads/lists with the
// store's own credentials.
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3DriverOptions } from '../../drivers/s3/index.js';
import type { UploadGrant } from '../../src/types.js';
import { CEPH_CREDENTIALS, CEPH_REGION, useCeph } from '../support/ceph.js';
import { startSwift, swiftMissing, SWIFT_ACCESS_KEY, SWIFT_REGION, SWIFT_SECRET } from '../support/swift.js';
import { skipOrFail } from '../support/required.js';

export const SWIFT_CREDENTIALS = { accessKeyId: SWIFT_ACCESS_KEY, secretAccessKey: SWIFT_SECRET };

/** Options for Swift's s3api: the swift profile (no If-None-Match, no checksum validation, no POST Object, no CORS API). */
export function swiftOptions(endpoint: string, bucket: string): S3DriverOptions {
  return { bucket, region: SWIFT_REGION, endpoint, forcePathStyle: true, credentials: SWIFT_CREDENTIALS, compat: 'swift' };
}

/** Options for Ceph RGW: the ceph profile (If-None-Match on PUT, POST policies, CORS; SHA-256 not validated). */
export function cephOptions(endpoint: string, bucket: string): S3DriverOptions {
  return { bucket, region: CEPH_REGION, endpoint, forcePathStyle: true, credentials: CEPH_CREDENTIALS, compat: 'ceph' };
}

/** The environment `presignerFromEnv` needs for Ceph RGW, as a deployment would set it. */
export function cephEnv(endpoint: string, bucket: string, secret: string): Record<string, string> {
  return {
    UPGRANT_PROVIDER: 's3',
    UPGRANT_BUCKET: bucket,
    UPGRANT_SECRET: secret,
    UPGRANT_S3_COMPAT: 'ceph',
    AWS_REGION: CEPH_REGION,
    AWS_ACCESS_KEY_ID: CEPH_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CEPH_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: endpoint,
    UPGRANT_S3_FORCE_PATH_STYLE: '1',
  };
}

export function s3Client(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string } = SWIFT_CREDENTIALS): S3Client {
  return new S3Client({
    region: SWIFT_REGION,
    endpoint,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The same URL with another path, the query (and so the signature) untouched. */
export function withPath(grant: UploadGrant, edit: (path: string) => string): UploadGrant {
  const q = grant.url.indexOf('?');
  const url = new URL(grant.url.slice(0, q));
  return { ...grant, url: `${url.origin}${edit(url.pathname)}${grant.url.slice(q)}` };
}

/** Flip the signature's last hex digit. */
export function tamperSignature(grant: UploadGrant): UploadGrant {
  return { ...grant, url: grant.url.replace(/(X-Amz-Signature=[0-9a-f]{63})([0-9a-f])/, (_m, head: string, last: string) => head + (last === '0' ? '1' : '0')) };
}

export async function readObject(client: S3Client, bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw error;
  }
}

export async function listKeys(client: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** An S3-compatible store a suite runs on: its endpoint, a client for the checks, the driver's options for a bucket there, and how to let go of it. */
export interface S3Store {
  readonly endpoint: string;
  readonly client: S3Client;
  options(endpoint: string, bucket: string): S3DriverOptions;
  stop(): Promise<void>;
}

/** The run's Ceph RGW as an S3Store, or undefined where useCeph skips (`purpose` names the suite). */
export async function cephStore(purpose: string): Promise<S3Store | undefined> {
  const ceph = await useCeph(purpose);
  if (!ceph) return undefined;
  const client = s3Client(ceph.endpoint, CEPH_CREDENTIALS);
  // The cluster is the run's: letting go of it only closes this client.
  return { endpoint: ceph.endpoint, client, options: cephOptions, stop: async () => client.destroy() };
}

/** The run's Swift s3api as an S3Store; undefined, after saying why, where Swift is not installed and the run does not require it. */
export async function swiftStore(purpose: string): Promise<S3Store | undefined> {
  const missing = swiftMissing();
  if (missing) {
    skipOrFail(`Swift`, missing, `${purpose}`);
    return undefined;
  }
  const swift = await startSwift();
  const client = s3Client(swift.endpoint);
  return {
    endpoint: swift.endpoint,
    client,
    options: swiftOptions,
    async stop() {
      client.destroy();
      await swift.stop();
    },
  };
}
