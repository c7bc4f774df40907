// The S3 driver on OpenStack Swift's s3api (started by this file): a real SigV4 verifier.
// Swift has no conditional writes (501 to If-None-Match), does not validate x-amz-checksum-*, and
// takes no POST Object uploads (412), so the driver runs with conditionalWrites, sha256Checksums
// and postUploads off: create-only is 'none' (replay/concurrent tests skip, as documented), a
// SHA-256 is checked by verifyUpload, and size ranges cannot be granted (POST is exercised on
// s3rver in test/s3/post.test.ts). Everything else must be refused by Swift itself, with the
// statuses pinned below.
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createDriver, encodePath } from '../../drivers/s3/index.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { UploadGrant } from '../../src/types.js';
import { uploadViaHttp } from '../support/http.js';
import { SWIFT_ACCESS_KEY, SWIFT_REGION, SWIFT_SECRET, emulatorsRequired, startSwift, swiftMissing, type Swift } from '../support/swift.js';
import type { ContractHarness } from './harness.js';
import { runContractTests } from './suite.js';

const SECRET = 'contract-suite-secret-0123456789abcdef';
const BUCKET = 'upgrant-contract';
const OTHER = 'upgrant-other';
const CREDENTIALS = { accessKeyId: SWIFT_ACCESS_KEY, secretAccessKey: SWIFT_SECRET };

/** Options for a store like Swift: no If-None-Match, no checksum validation, no POST Object. */
export function swiftOptions(endpoint: string, bucket = BUCKET) {
  return {
    bucket,
    region: SWIFT_REGION,
    endpoint,
    forcePathStyle: true,
    credentials: CREDENTIALS,
    conditionalWrites: false,
    sha256Checksums: false,
    postUploads: false,
  };
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    region: SWIFT_REGION,
    endpoint,
    forcePathStyle: true,
    credentials: CREDENTIALS,
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

describe('contract: s3 driver on OpenStack Swift (s3api)', function () {
  this.timeout(60_000);

  runContractTests(async () => {
    const missing = swiftMissing();
    if (missing) {
      if (emulatorsRequired()) throw new Error(`Swift is required here (CI / UPGRANT_REQUIRE_EMULATORS): ${missing}`);
      console.warn(`  skipping the S3 contract suite: ${missing}`);
      return undefined;
    }
    const swift: Swift = await startSwift();
    const client = s3Client(swift.endpoint);
    try {
      await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await client.send(new CreateBucketCommand({ Bucket: OTHER }));
    } catch (error) {
      client.destroy();
      await swift.stop();
      throw error;
    }
    const harness: ContractHarness = {
      name: 's3',
      otherBucket: OTHER,
      methods: ['PUT'],
      async makePresigner(overrides = {}) {
        const driver = await createDriver(swiftOptions(swift.endpoint, overrides.bucket ?? BUCKET));
        return new PortablePresigner(driver, { secret: SECRET, ...overrides });
      },
      upload: uploadViaHttp,
      read: (key, bucket = BUCKET) => readObject(client, bucket, key),
      list: (bucket = BUCKET) => listKeys(client, bucket),
      tamper: tamperSignature,
      retargetKey: (grant, otherKey) => withPath(grant, () => `/${BUCKET}/${encodePath(otherKey)}`),
      retargetBucket: (grant, other) => withPath(grant, (p) => p.replace(`/${BUCKET}/`, `/${other}/`)),
      statuses: {
        tamperedSignature: [403],
        expired: [403],
        otherKey: [403],
        otherBucket: [403],
        // content-type and content-length are signed: any change breaks the signature.
        wrongType: [403],
        tooLarge: [403],
        tooSmall: [403],
        // Content-MD5 is checked against the body: 400 BadDigest.
        wrongChecksum: [400],
      },
      async close() {
        client.destroy();
        await swift.stop();
      },
    };
    return harness;
  });
});
